// How the page follows its LAN session to a new host. A browser cannot hear the discovery
// beacons, so the host tells the page where the other nodes' game ports are (the `peers`
// message, docs/protocol.md "Peers"); when the link drops the page tries them, by rank, with
// its session token (HostSuccession in src/client-core/succession.ts, whose epoch fence the
// terminal client uses too), probing each port over HTTP before opening a WebSocket. It
// also times each migration: from the link's loss to the first snapshot of the next host
// (the figure the end-to-end test prints). DOM-free (unit-tested in Node).

import { HostSuccession, type HostAddress } from '../client-core/succession.js';

/** An attempt with no welcome within this long is given up (a dead machine never refuses). */
export const WELCOME_TIMEOUT_MS = 1500;
/**
 * A host silent this long is taken for lost even though its socket looks open (a machine
 * that vanished sends no FIN); snapshots come 20 to 60 times a second.
 */
export const SILENCE_MS = 1500;

/** The page's first host: where the page itself came from. */
export function pageHost(loc: { hostname: string; port: string; protocol: string }): HostAddress {
  return { ip: loc.hostname, port: Number(loc.port) || (loc.protocol === 'https:' ? 443 : 80) };
}

/** The WebSocket endpoint of a host's game port. */
export function wsUrl(h: HostAddress): string {
  return `ws://${h.ip}:${h.port}/ws`;
}

/** How long a probe may take: a machine that vanished answers nothing at all. */
export const PROBE_TIMEOUT_MS = 1000;
let probes = 0;

/**
 * Whether a game port answers HTTP (a host listens there), without opening a WebSocket.
 * Chromium throttles a page's WebSocket connections by how many of them failed lately (a
 * delay that doubles with each failure: after a few dozen refused attempts, seconds per
 * attempt), and while it looks for the new host the page meets mostly closed ports (nodes
 * that do not host, the dead host). A plain request that fails costs nothing of the kind,
 * so the page opens a WebSocket only to a port that answered. The answer itself is opaque
 * (no-cors): that something answered is all it says.
 */
export async function probe(h: HostAddress, timeoutMs = PROBE_TIMEOUT_MS, fetcher: typeof fetch = fetch): Promise<boolean> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(false);
    }, timeoutMs);
  });
  // a fresh URL each time: never an answer from the cache
  const answer = fetcher(`http://${h.ip}:${h.port}/icon.svg?probe=${++probes}`, { mode: 'no-cors', signal: abort.signal }).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class PageFollow {
  readonly succession: HostSuccession;
  /** Migrations done: welcomed by another host after a loss. */
  migrations = 0;
  /** ms from each loss of the link to the first snapshot from the next host (newest last). */
  readonly resumeMs: number[] = [];
  /** The last attempts and what came of them, for a person (or a failed test) to read. */
  readonly trail: string[] = [];
  private lostAt = -1;
  private welcomedAfterLoss = false;
  private lostHost: HostAddress | null = null;

  constructor(
    first: HostAddress,
    private readonly warn: (line: string) => void = () => {},
  ) {
    this.succession = new HostSuccession(first);
  }

  /** The host to try now. */
  get url(): string {
    return wsUrl(this.succession.target);
  }

  /** Note what happened to the link (kept: the last 32 lines). */
  note(now: number, what: string): void {
    this.trail.push(`${now.toFixed(0)} ${what} ${this.url}`);
    if (this.trail.length > 32) this.trail.shift();
  }

  /** Whether this page knows of other nodes to go to (a LAN session). */
  get lan(): boolean {
    return this.succession.peers.length > 0;
  }

  /** Welcomed at `epoch`: false when fenced (an older host than one followed): drop the link. */
  welcomed(epoch: number): boolean {
    if (!this.succession.welcomed(epoch)) {
      this.warn(`lanparty: ${wsUrl(this.succession.target)} is an older host (epoch ${epoch} < ${this.succession.fence.maxEpoch}): not followed`);
      return false;
    }
    if (this.lostAt >= 0) {
      this.welcomedAfterLoss = true;
      const h = this.succession.target;
      if (this.lostHost && (h.ip !== this.lostHost.ip || h.port !== this.lostHost.port)) this.migrations++;
    }
    return true;
  }

  /** A message the page's session does not handle: true when it was the peer list (kept or dropped). */
  message(m: Record<string, unknown>): boolean {
    if (m.type !== 'peers') return false;
    const r = this.succession.peerList(m);
    if (!r.ok) this.warn(`lanparty: peer list dropped (${r.reason}: ${r.detail})`);
    return true;
  }

  /** A snapshot decoded: the first after a loss ends the migration's clock. */
  snapshot(now: number): void {
    if (!this.welcomedAfterLoss) return;
    this.resumeMs.push(now - this.lostAt);
    this.welcomedAfterLoss = false;
    this.lostAt = -1;
    this.lostHost = null;
  }

  /**
   * The link dropped (or an attempt failed): the next host and the delay before trying it.
   * `playing`: the page was playing on that link (a loss starts the migration's clock).
   */
  lost(playing: boolean, now: number): number {
    if (playing) {
      this.lostAt = now;
      this.lostHost = this.succession.target;
      this.welcomedAfterLoss = false;
    }
    return this.succession.next().delayMs;
  }
}
