// The network layer's figures as its readers see them: HostServer.stats() on the main
// thread and the `stats` message of `lanparty top` (built by either thread), both from the
// shared counters (net-stats.ts).

import type { SimStats } from '../../workers/messages.js';
import { HostMsg } from '../protocol/messages.js';
import type { NetStats } from './net-stats.js';
import type { NetOptions } from './thread-messages.js';

/** The `stats` message of `lanparty top`, from the shared counters (either thread can build it). */
export function statsMessageOf(stats: NetStats, tick: number, o: Pick<NetOptions, 'epoch' | 'gameName'>, sim: { stats: SimStats | null; restarts: number }): Record<string, unknown> {
  const c = stats.counters();
  return {
    type: HostMsg.STATS,
    tick,
    epoch: o.epoch,
    game: o.gameName,
    sim: sim.stats,
    restarts: sim.restarts,
    net: netStatsOf(stats),
    bytesIn: c.trafficIn,
    bytesOut: c.trafficOut,
  };
}

/** HostServer.stats(): connections by kind, drops by reason, snapshot counters, rates. */
export function netStatsOf(stats: NetStats) {
  const c = stats.counters();
  return {
    connections: c.connections,
    legacy: c.legacy,
    json: c.json,
    msgpack: c.msgpack,
    monitors: c.monitors,
    clients: c.clients,
    ws: c.ws,
    http: c.http,
    httpServed: c.httpServed,
    drops: stats.drops(),
    encodes: c.encodes,
    busySkips: c.busySkips,
    framesOut: c.framesOut,
    bytesOut: c.bytesOut,
    encodeMs: c.encodeMs,
    writeMs: c.writeMs,
    readMs: c.readMs,
    interestPayloads: c.interestPayloads,
    basePayloads: c.basePayloads,
    rateSkips: c.rateSkips,
    budgetFrames: c.budgetFrames,
    budgetBytes: c.budgetBytes,
    netThreadCpuMs: c.cpuMs,
    rates: { hz60: c.hz60, hz30: c.hz30, hz20: c.hz20, lowered: c.lowered, raised: c.raised },
  };
}
