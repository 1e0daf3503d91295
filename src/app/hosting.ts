// Hosting a session: the one place where a host is assembled from its parts, for the
// dedicated host (`lanparty host`) and for a LAN node elected host (`lanparty up`):
//
//   SimHost (sim worker + watchdog)  <- new world, or the replica of the previous host
//   HostServer (client listener, sessions, snapshots) on bind:port
//   LocalBots (new bots, or the previous host's bots adopted from the replica)
//
// Callers get one Hosting object: where clients connect, the stats, what a backup needs
// (checkpoint, sessions), and stop(). When a part fails to start, the parts already started
// are stopped before the error is passed on, so a failed start leaves nothing running.
//
// HostingStandby: the threads a host needs (sim worker, network thread), started ahead of
// need with their modules loaded, idle until startHosting is given them. A LAN node keeps
// one while it does not host, so that taking over (docs/election.md) costs the restore of
// the replica and a listen, not two threads and their modules.

import { checkpointOfRing, type Checkpoint } from '../engine/checkpoint.js';
import { Cmd } from '../engine/input-queue.js';
import { logger } from '../engine/log.js';
import type { SendHz } from '../net/protocol/messages.js';
import type { PeersMsg } from '../net/protocol/peers.js';
import { DEFAULT_PORT, HostServer, netThreadPool, type NetThreadPool } from '../net/server/host-server.js';
import type { SessionRecord } from '../net/server/sessions.js';
import { LOCAL_BOT_CLIENT_BASE, LocalBots } from '../workers/local-bots.js';
import type { SimStats } from '../workers/messages.js';
import { SimHost, SimStandby } from '../workers/sim-host.js';

/** How snapshots are sent (`--send-hz`, `--no-interest`, `--budget`). */
export interface SnapshotOptions {
  sendHz?: SendHz;
  interest?: boolean;
  budgetBytesPerSec?: number;
}

export interface SessionTable {
  records: SessionRecord[];
  nextClient: number;
}

export interface HostingOptions {
  game: string;
  gameOptions?: Record<string, unknown>;
  capacity?: number;
  seed?: number;
  /** Write a recording of the session to this path. */
  record?: string;
  bind?: string;
  /** Client port; 0 picks a free one. */
  port?: number;
  /** Election epoch (LAN sessions), sent in every welcome. */
  epoch?: number;
  /** How long a disconnected player's entity waits for a reconnect. */
  graceMs?: number;
  snapshots?: SnapshotOptions;
  /** Local bots in a new world (ignored when resuming: the previous host's bots are adopted). */
  bots?: number;
  /** Bots stay idle until a player is in the world (a LAN node's match waits for its player). */
  botsWaitForPlayers?: boolean;
  /** Resume the session of a previous host (a LAN migration) instead of starting a new world. */
  resume?: { checkpoint: Checkpoint; sessions: SessionTable };
  /** Threads started ahead of need: used (and owned from now on) instead of starting new ones. */
  standby?: HostingStandby;
}

/**
 * A sim worker and a network thread, started ahead of need and waiting, with no timer and no
 * CPU, until a start hands them a session (take(), once). warm() starts what is missing (not
 * started, taken, or dead); stop() ends whatever was not taken.
 */
export class HostingStandby {
  private sim: SimStandby | null = null;
  private net: NetThreadPool | null = null;

  warm(): void {
    if (!this.sim?.ready) this.sim = new SimStandby();
    this.net ??= netThreadPool();
  }

  /** The waiting threads, once (the caller owns them from now on). */
  take(): { sim: SimStandby | null; net: NetThreadPool | null } {
    const t = { sim: this.sim, net: this.net };
    this.sim = this.net = null;
    return t;
  }

  async stop(): Promise<void> {
    const { sim, net } = this.take();
    await Promise.all([sim?.stop(), net?.destroy()]);
  }
}

export type NetStats = ReturnType<HostServer['stats']>;

export interface HostingStats {
  tick: number;
  /** The sim worker's last per-second report (undefined before the first). */
  sim: SimStats | undefined;
  /** Sim worker restarts by the watchdog. */
  restarts: number;
  net: NetStats;
  /** Frames and messages dropped by the client listener, all reasons. */
  netDrops: number;
}

export interface Hosting {
  readonly game: string;
  /** Where clients connect. */
  readonly bind: string;
  readonly port: number;
  readonly tick: number;
  /** Entities in the world at the sim's last report. */
  readonly entities: number;
  stats(): HostingStats;
  /** Called once a second, when the sim reports, with fresh stats; returns the unsubscribe. */
  onStats(listener: (s: HostingStats & { sim: SimStats }) => void): () => void;
  /** The newest consistent state (for backups), or null if none is readable right now. */
  checkpoint(): Checkpoint | null;
  /** The session table (for backups: tokens stay valid on the next host). */
  exportSessions(): SessionTable;
  /** The LAN peers the clients are told of (a LAN node calls it when its peer set changes). */
  setPeers(m: PeersMsg): void;
  stop(): Promise<void>;
}

const log = logger('hosting');

export async function startHosting(o: HostingOptions): Promise<Hosting> {
  const gameOptions = o.gameOptions ?? {};
  const warm = o.standby?.take() ?? { sim: null, net: null };
  let sim: SimHost;
  try {
    sim = await startSim(o, gameOptions, warm.sim);
  } catch (err) {
    await Promise.all([warm.sim?.stop(), warm.net?.destroy()]);
    throw err;
  }
  let server: HostServer;
  try {
    server = await HostServer.start({
      sim,
      gameName: o.game,
      gameOptions,
      ...(o.bind !== undefined ? { bind: o.bind } : {}),
      port: o.port ?? DEFAULT_PORT,
      ...(o.epoch !== undefined ? { epoch: o.epoch } : {}),
      ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
      ...o.snapshots,
      ...(o.resume ? { sessions: o.resume.sessions } : {}),
      ...(warm.net ? { pool: warm.net } : {}),
    });
  } catch (err) {
    await sim.stop().catch((e: Error) => log.warn({ err: e.message }, 'stopping the sim after a failed start'));
    throw err;
  }
  const bots = (o.resume ? adoptBots(sim, o.resume) : new LocalBots(sim, o.bots ?? 0, [], o.botsWaitForPlayers ?? false)).start();

  const stats = (): HostingStats => ({
    tick: sim.tick,
    sim: sim.stats,
    restarts: sim.restarts,
    net: server.stats(),
    netDrops: server.drops.total(),
  });
  let stopped: Promise<void> | null = null;
  return {
    game: o.game,
    bind: server.bind,
    port: server.port,
    get tick() {
      return sim.tick;
    },
    get entities() {
      return sim.stats?.entities ?? 0;
    },
    stats,
    onStats(listener) {
      const l = (sim: SimStats) => listener({ ...stats(), sim });
      sim.on('stats', l);
      return () => void sim.off('stats', l);
    },
    checkpoint: () => checkpointOfRing(sim.ring),
    exportSessions: () => server.exportSessions(),
    setPeers: (m) => server.setPeers(m),
    stop() {
      stopped ??= (async () => {
        bots.stop();
        await server.stop().catch((err: Error) => log.warn({ err: err.message }, 'stopping the client listener'));
        await sim.stop().catch((err: Error) => log.warn({ err: err.message }, 'stopping the sim'));
      })();
      return stopped;
    },
  };
}

function startSim(o: HostingOptions, gameOptions: Record<string, unknown>, standby: SimStandby | null): Promise<SimHost> {
  return SimHost.start({
    // the product sleeps while nobody is in the world: an idle host costs next to nothing
    idleSleep: true,
    game: o.game,
    gameOptions,
    ...(o.capacity !== undefined ? { capacity: o.capacity } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.record !== undefined ? { record: o.record } : {}),
    ...(o.resume ? { checkpoint: o.resume.checkpoint } : {}),
    ...(standby ? { standby } : {}),
  });
}

/**
 * A migrated world: the previous host's bots are adopted (their entities came with the
 * state), and its players with no way back (seed 003 clients have no token) leave now.
 */
function adoptBots(sim: SimHost, resume: NonNullable<HostingOptions['resume']>): LocalBots {
  const ownerField = sim.game.schema.fields.findIndex((f) => f.key === 'Entity.owner');
  const owners = ownersIn(resume.checkpoint, ownerField);
  const known = new Set(resume.sessions.records.map((r) => r.client));
  for (const c of owners) {
    if (c <= LOCAL_BOT_CLIENT_BASE && !known.has(c)) sim.queue.push(Cmd.LEAVE, c, 0);
  }
  return LocalBots.adopt(
    sim,
    owners.filter((c) => c > LOCAL_BOT_CLIENT_BASE),
    true,
  );
}

function ownersIn(cp: Checkpoint, ownerField: number): number[] {
  // copied: bytes from the wire may sit at an offset a Uint32Array cannot start at
  const owners = new Uint32Array(new Uint8Array(cp.fields[ownerField]!).buffer);
  const out: number[] = [];
  for (let e = 1; e <= cp.maxEid; e++) if (owners[e]) out.push(owners[e]!);
  return out;
}
