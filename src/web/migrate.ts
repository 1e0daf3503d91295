// How the page follows its LAN session to a new host. A browser cannot hear the discovery
// beacons, so the host tells the page where the other nodes' game ports are (the `peers`
// message, docs/protocol.md "Peers"); when the link drops the page tries them, by rank, with
// its session token (HostSuccession in src/client-core/succession.ts: the same fence and
// order as the terminal client). It also times each migration: from the link's loss to the
// first snapshot of the next host (the figure the end-to-end test prints).
// DOM-free (unit-tested in Node).

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
