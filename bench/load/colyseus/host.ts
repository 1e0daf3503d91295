// The Colyseus host process of the load benchmark:
//   node dist/bench/load/colyseus/host.js --port P --entities E --send-hz H --seed S [--exit-with-stdin]
// Listens on 127.0.0.1 only, creates the one room every client joins, prints
// {"type":"ready","port":P} when listening and a {"type":"host",...} line every second.
// A line "heap" on stdin answers {"type":"heap","heap_used_mb"} measured after a full GC (when
// run with --expose-gc): index.ts asks before any client joins and after the measure window,
// so the GC never lands inside a measured second. With --exit-with-stdin it also exits when
// stdin closes, so a driver that dies leaves no host behind.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Server, matchMaker } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { percentile } from '../../../src/workers/percentile.js';
import { BenchRoom, SIM_HZ, roomStats, type BenchOptions } from './room.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    entities: { type: 'string', default: '1000' },
    'send-hz': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('host: --port is required');
const opts: BenchOptions = { entities: Number(values.entities), sendHz: Number(values['send-hz']), seed: Number(values.seed) };

const out = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
const round = (v: number): number => Math.round(v * 1000) / 1000;
const mb = (bytes: number): number => round(bytes / 1048576);

// greet: no banner on stdout (stdout is the JSON channel); gracefullyShutdown: SIGTERM is ours.
const server = new Server({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false });
server.define('bench', BenchRoom);
await server.listen(port, '127.0.0.1');
await matchMaker.createRoom('bench', opts);
out({ type: 'ready', port });

let lastWall = performance.now();
let lastCpu = process.cpuUsage();
let lastTicks = 0;
const timer = setInterval(() => {
  const wall = performance.now();
  const cpuNow = process.cpuUsage();
  const cpuUs = cpuNow.user - lastCpu.user + cpuNow.system - lastCpu.system;
  const ticks = roomStats.ticks;
  const tickMs = roomStats.tickMs.sort((a, b) => a - b);
  const patchMs = roomStats.patchMs.sort((a, b) => a - b);
  // Ticks due since the first step minus ticks run; one tick of slack for a timer that is merely
  // late at this instant. Cumulative, so the driver takes the difference over its window.
  const due = roomStats.firstTickAt ? Math.floor(((wall - roomStats.firstTickAt) * SIM_HZ) / 1000) : 0;
  const mem = process.memoryUsage();
  out({
    type: 'host',
    t: Date.now(),
    cpu_pct: round((cpuUs / 1000 / (wall - lastWall)) * 100),
    rss_mb: mb(mem.rss),
    heap_used_mb: mb(mem.heapUsed),
    clients: roomStats.clients,
    tick_p50_ms: round(percentile(tickMs, 0.5)),
    tick_p99_ms: round(percentile(tickMs, 0.99)),
    patch_p50_ms: round(percentile(patchMs, 0.5)),
    patch_p99_ms: round(percentile(patchMs, 0.99)),
    patches: patchMs.length,
    ticks: ticks - lastTicks,
    skipped_total: Math.max(0, due - ticks - 1),
  });
  roomStats.tickMs = [];
  roomStats.patchMs = [];
  lastWall = wall;
  lastCpu = cpuNow;
  lastTicks = ticks;
}, 1000);

function stop(): void {
  clearInterval(timer);
  server.transport.shutdown();
  process.exit(0);
}

const gc = (globalThis as { gc?: () => void }).gc;
const stdin = createInterface({ input: process.stdin });
stdin.on('line', (line) => {
  if (line.trim() !== 'heap') return;
  gc?.();
  out({ type: 'heap', heap_used_mb: mb(process.memoryUsage().heapUsed), gc: gc !== undefined });
});
if (values['exit-with-stdin']) stdin.on('close', stop);
process.on('SIGTERM', stop);
