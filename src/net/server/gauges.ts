// The network thread's gauges (connections by kind and mode, clients by snapshot rate, traffic)
// counted from its connections into the shared stats (net-stats.ts), once a second and when a
// session begins or ends.

import type { ClientState } from './joins.js';
import { Connection, traffic } from './connection.js';
import { NetCounter, type NetStats } from './net-stats.js';
import { WsConnection } from './ws-connection.js';

export interface GaugeSources {
  conns: Iterable<Connection>;
  connCount: number;
  legacy: number;
  monitors: number;
  clients: Iterable<ClientState>;
  clientCount: number;
  httpOpen: number;
}

/** Count the connections and clients now into `s`. */
export function writeGauges(s: NetStats, g: GaugeSources): void {
  let json = 0;
  let msgpack = 0;
  let ws = 0;
  for (const c of g.conns) {
    if (c instanceof WsConnection) ws++;
    if (c.kind === 'monitor' || c.kind === 'legacy') continue;
    if (c.mode === 'json') json++;
    else if (c.mode === 'msgpack') msgpack++;
  }
  s.set(NetCounter.connections, g.connCount);
  s.set(NetCounter.legacy, g.legacy);
  s.set(NetCounter.json, json);
  s.set(NetCounter.msgpack, msgpack);
  s.set(NetCounter.monitors, g.monitors);
  s.set(NetCounter.clients, g.clientCount);
  s.set(NetCounter.ws, ws);
  s.set(NetCounter.http, g.httpOpen);
  let hz60 = 0;
  let hz30 = 0;
  let hz20 = 0;
  let lowered = 0;
  let raised = 0;
  for (const c of g.clients) {
    if (c.rate.hz === 60) hz60++;
    else if (c.rate.hz === 30) hz30++;
    else hz20++;
    lowered += c.rate.lowered;
    raised += c.rate.raised;
  }
  s.set(NetCounter.hz60, hz60);
  s.set(NetCounter.hz30, hz30);
  s.set(NetCounter.hz20, hz20);
  s.set(NetCounter.lowered, lowered);
  s.set(NetCounter.raised, raised);
  s.set(NetCounter.trafficIn, traffic.bytesIn);
  s.set(NetCounter.trafficOut, traffic.bytesOut);
}
