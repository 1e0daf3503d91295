// The lanparty side of the load benchmark: one host process (sim worker + HostServer) on
// 127.0.0.1, driven by bench/load/lanparty.ts, which reads its JSON lines on stdout:
//
//   {"type":"ready", port, heapBaseline, ...}     once listening (heap after a full GC, no client yet)
//   {"type":"stats", t, cpuUs, rss, heapUsed, gcMs, sim, net, ...}   every second, cumulative counters
//   {"type":"ticks", pub: [[tick, publishMs], ...]}                   the ticks published that second
//                                                                     (stamped by a watcher thread: stampPublishes)
//   {"type":"heap", heapUsed, rss}                 answer to "heap" on stdin (after a full GC)
//
// Times are `performance.timeOrigin + performance.now()`, the clock the swarms use too (same
// machine), so the harness can join a tick's publish time with its receive times.
// Runs under --expose-gc (the harness passes it) so heap figures are taken after a full GC
// rather than at a random point of the collector's cycle.
//
// Exits on SIGTERM/SIGINT, and when stdin closes (the harness died without killing us).

import { PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { HostServer, type HostServerOptions } from '../../src/net/server/host-server.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { Ctl, type SimStats } from '../../src/workers/messages.js';

export interface HostReady {
  type: 'ready';
  port: number;
  heapBaseline: number;
  capacity: number;
  t: number;
}

export interface HostStatsLine {
  type: 'stats';
  /** Wall-clock ms (timeOrigin + now). */
  t: number;
  /** process.cpuUsage() user + system, µs, cumulative: every thread of the process. */
  cpuUs: number;
  rss: number;
  heapUsed: number;
  /** Main-thread GC pause time, ms, cumulative (PerformanceObserver 'gc'). */
  gcMs: number;
  restarts: number;
  sim: SimStats | null;
  /** HostServer.stats(): connections, drops, broadcaster counters (encodeMs/writeMs when present). */
  net: Record<string, unknown>;
}

export interface HostTicksLine {
  type: 'ticks';
  pub: Array<[number, number]>;
}

export interface HostHeapLine {
  type: 'heap';
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

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

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
// needs) and the drones all fit
const capacity = entities + 4 * clients + 2000;
const host = await SimHost.start({ game: 'shooter', gameOptions, capacity, seed: 1 });
sim = host;

let pub: Array<[number, number]> = [];
stopStamps = stampPublishes(host, (ticks) => pub.push(...ticks));

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

const base = fullGc();
out({ type: 'ready', port: server.port, heapBaseline: base.heapUsed, capacity, t: now() } satisfies HostReady);

timer = setInterval(() => {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  out({
    type: 'stats',
    t: now(),
    cpuUs: cpu.user + cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    gcMs,
    restarts: host.restarts,
    sim: host.stats ?? null,
    net: server.stats() as unknown as Record<string, unknown>,
  } satisfies HostStatsLine);
  out({ type: 'ticks', pub } satisfies HostTicksLine);
  pub = [];
}, 1000);

rl.on('line', (line) => {
  if (line.trim() !== 'heap') return;
  const m = fullGc();
  out({ type: 'heap', heapUsed: m.heapUsed, rss: m.rss } satisfies HostHeapLine);
});

/**
 * Publish time of every tick. A small thread blocks in Atomics.wait on the control block's
 * tick word (the sim worker notifies it after each pump) and stamps each new tick the moment
 * it is woken: unlike sim.onTick on the main thread, it is neither late nor collapsing ticks
 * when the main thread is busy sending (exactly when delivery matters), and it stamps the
 * ticks the network thread reads from the ring on its own too. Ticks published in one pump (a
 * catch-up) get that pump's time. The control block is SimHost's private memory, read here
 * only; without it (SimHost changed), sim.onTick is the fallback.
 */
function stampPublishes(sim: SimHost, add: (ticks: Array<[number, number]>) => void): () => Promise<unknown> {
  const control = (sim as unknown as { control?: Int32Array }).control;
  if (!(control?.buffer instanceof SharedArrayBuffer)) {
    const stop = sim.onTick((tick) => add([[tick, now()]]));
    return async () => stop();
  }
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const ctl = new Int32Array(workerData.buffer);
    const at = () => performance.timeOrigin + performance.now();
    let last = Atomics.load(ctl, workerData.word);
    let batch = [];
    let flushed = at();
    for (;;) {
      Atomics.wait(ctl, workerData.word, last, 100);
      const t = Atomics.load(ctl, workerData.word);
      const now = at();
      if (t !== last) {
        for (let k = last + 1; k <= t; k++) batch.push([k, now]);
        last = t;
      }
      // a few messages a second, not one per tick
      if (batch.length && now - flushed >= 100) {
        parentPort.postMessage(batch);
        batch = [];
        flushed = now;
      }
    }`;
  const w = new Worker(code, { eval: true, workerData: { buffer: control.buffer, word: Ctl.TICK } });
  w.on('message', (ticks: Array<[number, number]>) => add(ticks));
  w.unref();
  return () => w.terminate();
}
