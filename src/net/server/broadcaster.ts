// Snapshots to the connected (non-legacy) clients, once per published tick. The encode
// work goes to the piscina pool of network workers, grouped so that each distinct payload is
// built once: every JSON client gets the same full JSON snapshot; msgpack clients that
// acknowledged the same base tick share one delta.
//
// Never a queue of stale frames: while a tick is being encoded, newer ticks are not queued
// behind it (the next encode starts from the newest tick), and a client whose socket
// backlog is over its cap is skipped until it drains; it then gets a delta from its last
// acknowledged tick, or a full snapshot when that tick has left the ring.

import { Piscina } from 'piscina';
import { availableParallelism } from 'node:os';
import type { SimHost } from '../../workers/sim-host.js';
import type { EncodeResult, EncodeTask, EncodeWorkerData } from '../../workers/encode-messages.js';
import { workerFile } from '../../workers/worker-file.js';
import type { Connection } from './connection.js';
import type { DropCounter } from './drops.js';

/** What the broadcaster keeps per client connection. */
export interface SnapshotPeer {
  conn: Connection;
  /** Newest tick the client says it has decoded; -1 = none (send a full snapshot). */
  ack: number;
  /** Force a full snapshot next (after welcome or reconnect). */
  needFull: boolean;
  sent: number;
}

export interface BroadcastStats {
  encodes: number;
  busySkips: number;
  framesOut: number;
  bytesOut: number;
}

export class Broadcaster {
  private readonly pool: Piscina<EncodeTask, EncodeResult>;
  private inFlight = false;
  readonly stats: BroadcastStats = { encodes: 0, busySkips: 0, framesOut: 0, bytesOut: 0 };

  constructor(
    private readonly sim: SimHost,
    gameName: string,
    gameOptions: Record<string, unknown>,
    private readonly drops: DropCounter,
    threads = Math.max(1, Math.min(4, availableParallelism() - 1)),
  ) {
    const data: EncodeWorkerData = { game: gameName, gameOptions, capacity: sim.capacity, ringBuffer: sim.ring.buffer };
    this.pool = new Piscina({
      filename: workerFile(import.meta.url.replace('/net/server/', '/workers/'), 'encode-worker'),
      workerData: data,
      minThreads: threads,
      maxThreads: threads,
    });
  }

  /** Send tick `tick` to every peer that can take it. */
  tick(tick: number, peers: Iterable<SnapshotPeer & { self?: number }>): void {
    if (this.inFlight) {
      this.stats.busySkips++;
      return;
    }
    if (this.sim.game.visibility) return this.tickPerClient(tick, peers);
    const ringSlots = this.sim.ring.slots;
    const jsonPeers: SnapshotPeer[] = [];
    const byBase = new Map<number, SnapshotPeer[]>();
    for (const p of peers) {
      if (p.conn.closed || p.conn.behind) continue;
      if (p.conn.mode === 'json') {
        jsonPeers.push(p);
        continue;
      }
      const base = !p.needFull && p.ack >= 0 && tick - p.ack < ringSlots && p.ack < tick ? p.ack : -1;
      let group = byBase.get(base);
      if (!group) byBase.set(base, (group = []));
      group.push(p);
    }
    if (jsonPeers.length === 0 && byBase.size === 0) return;
    const bases = [...byBase.keys()];
    this.inFlight = true;
    this.stats.encodes++;
    this.pool
      .run({ tick, bases, json: jsonPeers.length > 0 })
      .then((r) => {
        bases.forEach((base, i) => {
          const frame = r.frames[i];
          if (!frame) return void this.drops.count('snapshot.unreadable', { tick, base });
          for (const p of byBase.get(base)!) this.deliver(p, frame, r.tick);
        });
        if (r.json) for (const p of jsonPeers) this.deliver(p, r.json, r.tick);
      })
      .catch((err: Error) => this.drops.count('snapshot.encode_failed', { err: err.message }))
      .finally(() => (this.inFlight = false));
  }

  /**
   * Games with per-client visibility: every client gets its own payload (what its player
   * may see), so nothing is shared between clients.
   */
  private tickPerClient(tick: number, peers: Iterable<SnapshotPeer & { self?: number }>): void {
    const ringSlots = this.sim.ring.slots;
    const list: Array<SnapshotPeer & { self?: number }> = [];
    for (const p of peers) if (!p.conn.closed && !p.conn.behind && (p.self ?? -1) > 0) list.push(p);
    if (!list.length) return;
    const perClient = list.map((p) => ({
      base: p.conn.mode === 'json' || p.needFull || p.ack < 0 || tick - p.ack >= ringSlots || p.ack >= tick ? -1 : p.ack,
      self: p.self!,
      json: p.conn.mode === 'json',
    }));
    this.inFlight = true;
    this.stats.encodes++;
    this.pool
      .run({ tick, bases: [], json: false, perClient })
      .then((r) => {
        r.perClient?.forEach((frame, i) => {
          if (frame) this.deliver(list[i]!, frame, r.tick);
          else this.drops.count('snapshot.unreadable', { tick });
        });
      })
      .catch((err: Error) => this.drops.count('snapshot.encode_failed', { err: err.message }))
      .finally(() => (this.inFlight = false));
  }

  private deliver(p: SnapshotPeer, frame: Uint8Array, tick: number): void {
    if (p.conn.closed) return;
    p.conn.write(frame);
    p.needFull = false;
    p.sent = tick;
    this.stats.framesOut++;
    this.stats.bytesOut += frame.byteLength;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
