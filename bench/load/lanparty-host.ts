// The lanparty side of the load benchmark: one host process (sim worker + HostServer) on
// 127.0.0.1, driven by bench/load/lanparty.ts, which reads its JSON lines on stdout:
//
//   {"type":"ready", port, heapBaseline, ...}     once listening (heap after a full GC, no client yet:
//                                                 the main thread's and the network thread's)
//   {"type":"stats", t, cpuUs, watcherCpuMs, rss, heapUsed, sim, net, ...}   every second, cumulative
//                                                 counters; net.threads: CPU by thread and stage
//                                                 (--quiet: only as the answer to "stats" on stdin)
//   {"type":"ticks", pub: [[tick, publishMs], ...]}                   the ticks published that second
//                                                                     (stamped by a watcher thread: publish-watcher.ts)
//   {"type":"heap", heapUsed, rss}                 answer to "heap" on stdin (after a full GC)
//
// Times are `performance.timeOrigin + performance.now()`, the clock the swarms use too (same
// machine), so the harness can join a tick's publish time with its receive times.
// Runs under --expose-gc (the harness passes it) so heap figures are taken after a full GC
// rather than at a random point of the collector's cycle.
//
// Exits on SIGTERM/SIGINT, and when stdin closes (the harness died without killing us).

import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { threadCpuSource, type ThreadCpuSource } from '../../src/engine/thread-cpu.js';
import { HostServer, type HostServerOptions } from '../../src/net/server/host-server.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { Ctl, type SimStats } from '../../src/workers/messages.js';
import type { WatcherBatch, WatcherData } from './publish-watcher.js';

export interface HostReady {
  type: 'ready';
  port: number;
  heapBaseline: number;
  capacity: number;
  t: number;
  /** How the threads read their CPU time (src/engine/thread-cpu.ts). */
  cpuSource: ThreadCpuSource;
}

export interface HostStatsLine {
  type: 'stats';
  /** Wall-clock ms (timeOrigin + now). */
  t: number;
  /** process.cpuUsage() user + system, µs, cumulative: every thread of the process. */
  cpuUs: number;
  /** CPU of the bench's own publish watcher thread, ms, cumulative (not the host's work). */
  watcherCpuMs: number;
  rss: number;
  heapUsed: number;
  restarts: number;
  sim: SimStats | null;
  /** HostServer.stats(): connections, drops, broadcaster counters, threads (CPU by thread and stage). */
  net: Record<string, unknown>;
}

export interface HostTicksLine {
  type: 'ticks';
  pub: Array<[number, number]>;
}

export interface HostHeapLine {
  type: 'heap';
  /** Main thread + network thread (where the connections live), each after a full GC. */
  heapUsed: number;
  rss: number;
}

const now = () => performance.timeOrigin + performance.now();
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

const { values: a } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    clients: { type: 'string' },
    entities: { type: 'string' },
    'send-hz': { type: 'string', default: '60' },
    interest: { type: 'string', default: 'on' },
    budget: { type: 'string' },
    capacity: { type: 'string' },
    // the idle row: no line a second (each costs the main thread a wake, /proc reads and a
    // write, the bench's work, not the host's), only when asked, at the window's two edges;
    // and no publish watcher (see below)
    quiet: { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`lanparty-host: --${name} must be a number >= 0 (got ${v})`);
  return n;
};
const clients = num('clients', a.clients);
const entities = num('entities', a.entities);
const sendHz = num('send-hz', a['send-hz']);
if (sendHz !== 20 && sendHz !== 30 && sendHz !== 60) throw new Error(`lanparty-host: --send-hz must be 20, 30 or 60 (got ${sendHz})`);
const interest = a.interest === 'on';
const budget = a.budget === undefined ? undefined : num('budget', a.budget);

const gc = (globalThis as { gc?: () => void }).gc;
const fullGc = () => {
  gc?.();
  return process.memoryUsage();
};

// set up first: a harness that dies while we start must not leave us behind
let sim: SimHost | undefined;
let net: HostServer | undefined;
let timer: NodeJS.Timeout | undefined;
let stopStamps: (() => Promise<unknown>) | undefined;
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await stopStamps?.();
  // a wedged stop must not leave the process behind
  setTimeout(() => process.exit(code), 5000).unref();
  await net?.stop().catch(() => {});
  await sim?.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
const rl = createInterface({ input: process.stdin });
rl.on('close', () => void stop(0));

const gameOptions = { maxPlayers: Math.max(16, clients), drones: entities, width: 1000, height: 1000 };
// players, their lasers (none here: the bots never fire, but keep the margin the real game
// needs) and the drones all fit; --capacity: as given (the idle row: the CLI's default)
const capacity = a.capacity === undefined ? entities + 4 * clients + 2000 : num('capacity', a.capacity);
// idleSleep as `lanparty host` has it (src/app/hosting.ts): no tick while nobody is in the world
const host = await SimHost.start({ game: 'shooter', gameOptions, capacity, seed: 1, idleSleep: true });
sim = host;

let pub: Array<[number, number]> = [];
let watcherCpuMs = 0;
// quiet (the idle row): no publish watcher either, whose thread wakes 10 times a second and
// posts to this one every second; the row needs no publish times
if (!a.quiet) {
  stopStamps = stampPublishes(host, (b) => {
    pub.push(...b.ticks);
    watcherCpuMs = b.cpuMs;
  });
}

// budgetBytesPerSec: a HostServer option being added; a variable (not a literal) so this
// compiles whether or not HostServerOptions has it yet
const netOptions: HostServerOptions & { budgetBytesPerSec?: number | undefined } = {
  sim: host,
  gameName: 'shooter',
  gameOptions,
  bind: '127.0.0.1',
  port: num('port', a.port),
  maxConnections: clients + 50,
  sendHz,
  interest,
  budgetBytesPerSec: budget,
};
const server = await HostServer.start(netOptions);
net = server;

/** Heap used by the main thread and the network thread, after a full GC of each. */
const hostHeap = async () => fullGc().heapUsed + (await server.netHeapUsed());
out({ type: 'ready', port: server.port, heapBaseline: await hostHeap(), capacity, t: now(), cpuSource: threadCpuSource() } satisfies HostReady);

const printStats = () => {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  out({
    type: 'stats',
    t: now(),
    cpuUs: cpu.user + cpu.system,
    watcherCpuMs,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    restarts: host.restarts,
    sim: host.stats ?? null,
    net: server.stats() as unknown as Record<string, unknown>,
  } satisfies HostStatsLine);
  out({ type: 'ticks', pub } satisfies HostTicksLine);
  pub = [];
};
if (!a.quiet) timer = setInterval(printStats, 1000);

rl.on('line', (line) => {
  if (line.trim() === 'stats') return printStats();
  if (line.trim() !== 'heap') return;
  void hostHeap().then((heapUsed) => out({ type: 'heap', heapUsed, rss: process.memoryUsage().rss } satisfies HostHeapLine));
});

/**
 * Publish time of every tick, from a watcher thread (publish-watcher.ts) that waits on the
 * control block's tick word: unlike sim.onTick on the main thread it is neither late nor
 * collapsing ticks when the main thread is busy (exactly when delivery matters), and it stamps
 * the ticks the network thread reads from the ring on its own too. The control block is
 * SimHost's private memory, read here only; without it (SimHost changed), sim.onTick is the
 * fallback.
 */
function stampPublishes(sim: SimHost, add: (b: WatcherBatch) => void): () => Promise<unknown> {
  const control = (sim as unknown as { control?: Int32Array }).control;
  if (!(control?.buffer instanceof SharedArrayBuffer)) {
    const stop = sim.onTick((tick) => add({ ticks: [[tick, now()]], cpuMs: 0 }));
    return async () => stop();
  }
  const w = new Worker(new URL('./publish-watcher.js', import.meta.url), { workerData: { buffer: control.buffer, word: Ctl.TICK } satisfies WatcherData });
  w.on('message', add);
  w.unref();
  return () => w.terminate();
}
