// Client processes of the load benchmark: K real lanparty clients (msgpack, own TCP
// connection each, or UDP with --transport udp, or a WebSocket each with --transport ws;
// snapshot decoding and acks as any client) on 127.0.0.1, driven by
// bench/load/lanparty.ts through JSON lines on stdout:
//
//   {"type":"ready", clients, failed}  once every client is welcomed or has given up (30 s)
//   {"type":"stats", t, cpuUs, ...}    every second: cumulative counters, per-second summary,
//                                      and [tick, receiveMs] of the sampled clients' snapshots
//
// Each client sends a movement input at 20 Hz: a random walk over LEFT/RIGHT/UP/DOWN, never
// FIRE (no lasers, no match start), so the host's work is moving players and drones and
// sending state, the same as the Colyseus comparison does. Receive times are taken in the
// 'snapshot' event (after decode), as `performance.timeOrigin + performance.now()`, the clock
// the host stamps publish times with.
//
// --decode all: every client decodes every snapshot, as a game client does. --decode sampled
// (the default): only the sampled clients do; the others acknowledge ticks without decoding
// them (./ack-only.ts: they read only the tick, and ack where a decoding client would). The host cannot tell the difference (same acks, so the same delta bases, the
// same bytes), but a client process then costs a fraction of the CPU: on a 2-core machine,
// decoding for hundreds of clients saturates the client processes long before the host, and
// the figures would describe the clients. Delivery is timed on the decoding clients.
//
// --transport ws: each client is LanpartyClient over a WebSocket (src/net/client/ws-socket.ts,
// the `ws` package), one binary message per msgpack payload as the web page speaks it; the
// ack-only and decoding clients are the same code as over TCP, so the host sends the same
// payloads. The host allows 20 WebSocket upgrades a second per remote address (bursts of 40):
// like the guests of a LAN party, each client connects from an address of its own
// (127.0.0.2 ..., loopback: the connections still never leave the machine).
//
// Exits on SIGTERM/SIGINT, and when stdin closes (the harness died without killing us).

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Button } from '../../src/engine/games/shooter/schema.js';
import { LanpartyClient } from '../../src/net/client/client.js';
import { ackOnly } from './ack-only.js';

export interface SwarmReady {
  type: 'ready';
  /** Clients welcomed (the others failed to join and are not counted anywhere else). */
  clients: number;
  failed: number;
  /** Why the first failed join failed. */
  error?: string;
}

export interface SwarmStatsLine {
  type: 'stats';
  t: number;
  /** process.cpuUsage() user + system, µs, cumulative. */
  cpuUs: number;
  connected: number;
  /** Snapshots received so far, per client (cumulative: the harness takes its window). */
  snaps: number[];
  /** Bytes received so far by all clients together (cumulative). */
  bytes: number;
  /** Over the last second: */
  minSnapsPerS: number;
  meanSnapsPerS: number;
  meanBytesPerS: number;
  /** Event-loop utilization over the last second (1 = the client process is saturated). */
  elu: number;
  /** [tick, receiveMs] per snapshot of every sampled client, since the previous line. */
  lat: Array<[number, number]>;
}

const now = () => performance.timeOrigin + performance.now();
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

const { values: a } = parseArgs({
  options: {
    port: { type: 'string' },
    clients: { type: 'string' },
    sample: { type: 'string', default: '10' },
    'input-hz': { type: 'string', default: '20' },
    decode: { type: 'string', default: 'sampled' },
    transport: { type: 'string', default: 'tcp' },
  },
});
const port = Number(a.port);
const count = Number(a.clients);
const sample = Math.max(1, Number(a.sample));
const inputHz = Number(a['input-hz']);
const decodeAll = a.decode === 'all';
if (a.decode !== 'all' && a.decode !== 'sampled') throw new Error('swarm: --decode must be all or sampled');
const transport = a.transport;
if (transport !== 'tcp' && transport !== 'udp' && transport !== 'ws') throw new Error('swarm: --transport must be tcp, udp or ws');
if (!(port > 0 && count > 0 && inputHz > 0)) throw new Error('swarm: --port, --clients and --input-hz must be > 0');

let inputTimer: NodeJS.Timeout | undefined;
let statsTimer: NodeJS.Timeout | undefined;
const clients: LanpartyClient[] = [];
function stop(): void {
  clearInterval(inputTimer);
  clearInterval(statsTimer);
  for (const c of clients) c.close();
  process.exit(0);
}
// registered before connecting: a harness that dies mid-connect must not leave us behind
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
createInterface({ input: process.stdin }).on('close', stop);

let failed = 0;
let firstError: string | undefined;
const BATCH = 50; // connects at a time: the host's accept backlog is finite
let lat: Array<[number, number]> = [];
/** WebSocket clients: a loopback address each (127.0.0.2 to 127.0.0.251, then again), under the host's per-address upgrade rate. */
const from = (i: number) => (transport === 'ws' ? { localAddress: `127.0.0.${2 + (i % 250)}` } : {});
for (let i = 0; i < count; i += BATCH) {
  const n = Math.min(BATCH, count - i);
  // a client that cannot join is reported, not fatal: a host that welcomes only some of the
  // clients in time is a result (the harness counts the others as 0 snapshots/s)
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, k) => LanpartyClient.connect({ host: '127.0.0.1', port, transport, timeoutMs: 30_000, ...from(i + k) })));
  const joined: LanpartyClient[] = [];
  for (const r of settled) {
    if (r.status === 'fulfilled') joined.push(r.value);
    else {
      failed++;
      firstError ??= (r.reason as Error).message;
    }
  }
  for (const c of joined) {
    if (clients.length % sample === 0) c.on('snapshot', (s) => lat.push([s.tick, now()]));
    else if (!decodeAll) ackOnly(c);
    clients.push(c);
  }
}

// random walk: each client holds a direction (dx, dy in -1..1) and changes it now and then
const DIRS: number[] = [];
for (const h of [0, Button.LEFT, Button.RIGHT]) for (const v of [0, Button.UP, Button.DOWN]) DIRS.push(h | v);
const held = clients.map(() => DIRS[Math.floor(Math.random() * DIRS.length)]!);

// inputs spread over the period instead of all clients in one burst: a 10 ms timer sends
// for one slice of the clients each time, so each client sends at inputHz
const SLICE_MS = 10;
const slices = Math.max(1, Math.round(1000 / inputHz / SLICE_MS));
let slice = 0;
inputTimer = setInterval(() => {
  for (let i = slice; i < clients.length; i += slices) {
    const c = clients[i]!;
    if (c.closed) continue;
    if (Math.random() < 0.1) held[i] = DIRS[Math.floor(Math.random() * DIRS.length)]!;
    c.input(held[i]!);
  }
  slice = (slice + 1) % slices;
}, SLICE_MS);

out({ type: 'ready', clients: clients.length, failed, ...(firstError === undefined ? {} : { error: firstError }) } satisfies SwarmReady);

let prevSnaps = clients.map((c) => c.snapshots);
let prevBytes = 0;
let prevAt = performance.now();
let prevElu = performance.eventLoopUtilization();
statsTimer = setInterval(() => {
  const at = performance.now();
  const dt = (at - prevAt) / 1000;
  const snaps = clients.map((c) => c.snapshots);
  let min = Infinity;
  let sum = 0;
  let bytes = 0;
  let connected = 0;
  clients.forEach((c, i) => {
    const d = snaps[i]! - prevSnaps[i]!;
    sum += d;
    bytes += c.bytesIn;
    if (!c.closed) {
      connected++;
      min = Math.min(min, d / dt);
    }
  });
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const eluNow = performance.eventLoopUtilization(elu, prevElu).utilization;
  prevElu = elu;
  out({
    type: 'stats',
    t: now(),
    cpuUs: cpu.user + cpu.system,
    connected,
    snaps,
    bytes,
    minSnapsPerS: connected ? min : 0,
    meanSnapsPerS: sum / clients.length / dt,
    meanBytesPerS: (bytes - prevBytes) / clients.length / dt,
    elu: eluNow,
    lat,
  } satisfies SwarmStatsLine);
  lat = [];
  prevSnaps = snaps;
  prevBytes = bytes;
  prevAt = at;
}, 1000);

