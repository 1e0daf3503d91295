// Sessions heard on the LAN, for `lanparty join` with no address: listen to the beacons for
// a moment (after asking "who is there?"), keep each session's host, and time a TCP connect
// to it as its ping.

import { connect } from 'node:net';
import { v4 as uuidv4 } from 'uuid';
import { logger } from '../../engine/log.js';
import { DEFAULT_DISCOVERY_PORT, Discovery } from './discovery.js';

export interface SessionInfo {
  session: string;
  game: string;
  host: string;
  port: number;
  epoch: number;
  /** Nodes of the session heard from. */
  nodes: number;
  /** Entities in the host's world (its beacon's count). */
  players: number;
  pingMs: number | null;
}

function tcpPing(host: string, port: number, timeoutMs = 500): Promise<number | null> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: number | null) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(null));
    s.once('connect', () => done(performance.now() - t0));
    s.once('error', () => done(null));
  });
}

export async function listSessions(o: { bind: string; discoveryPort?: number; key?: string | undefined; listenMs?: number }): Promise<SessionInfo[]> {
  const d = new Discovery({
    id: uuidv4(),
    bind: o.bind,
    port: o.discoveryPort ?? DEFAULT_DISCOVERY_PORT,
    key: o.key,
    log: logger('list'),
    beacon: () => null,
  });
  await d.start();
  await new Promise((r) => setTimeout(r, o.listenMs ?? 1500));
  d.stop();
  const bySession = new Map<string, SessionInfo>();
  const beacons = [...d.seen.values()].map((s) => s.beacon);
  for (const b of beacons) {
    if (b.h !== b.id) continue; // the hosts' own beacons
    const prev = bySession.get(b.s);
    if (prev && prev.epoch >= b.e) continue;
    const nodes = beacons.filter((x) => x.s === b.s).length;
    bySession.set(b.s, { session: b.s, game: b.g, host: b.ip, port: b.cp, epoch: b.e, nodes, players: b.n, pingMs: null });
  }
  const out = [...bySession.values()];
  await Promise.all(out.map(async (s) => (s.pingMs = await tcpPing(s.host, s.port))));
  return out.sort((a, b) => a.session.localeCompare(b.session));
}
