// One lanparty load run: a host process (lanparty-host.ts) and ceil(N / 250) client
// processes (swarm.ts) on 127.0.0.1, warm-up, a measured window, one result row.
//
// Separate processes, not threads of this one, so the host's CPU (process.cpuUsage covers
// all its threads: main, sim worker, encode pool) is the host's alone, and the clients'
// decoding does not share the host's event loop. On a 2-core machine the swarms still
// compete with the host for the cores; their own CPU is reported (swarm_cpu_pct).
//
// Rates are taken from cumulative counters: the first line each process printed after the
// window opened and the last one before it closed, over the time between them as that
// process measured it.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { HostHeapLine, HostReady, HostStatsLine, HostTicksLine } from './lanparty-host.js';
import type { SwarmReady, SwarmStatsLine } from './swarm.js';

export interface LanpartyRunOptions {
  clients: number;
  entities: number;
  sendHz: number;
  interest: boolean;
  budgetBytesPerSec?: number;
  warmupS: number;
  measureS: number;
  /** 0 (default): the host picks a free port. */
  port?: number;
  /** Which clients decode snapshots (swarm.ts --decode; default 'sampled'). */
  decode?: 'all' | 'sampled';
  /** Clients per swarm process (default 250). */
  clientsPerProcess?: number;
  log?: (line: string) => void;
}

export interface LoadRow {
  [k: string]: number | string | Record<string, number>;
  system: string;
  clients: number;
  entities: number;
  send_hz: number;
  interest: 'on' | 'off';
  host_cpu_pct: number;
  swarm_cpu_pct: number;
  swarm_elu_max: number;
  /** Clients still connected at the end of the window (of `clients`). */
  clients_connected: number;
  client_decode: string;
  tick_p50_ms: number;
  tick_p99_ms: number;
  skipped_ticks: number;
  snapshots_per_client_s_min: number;
  snapshots_per_client_s_mean: number;
  delivery_p50_ms: number;
  delivery_p99_ms: number;
  bytes_per_client_s: number;
  host_rss_mb: number;
  heap_per_client_kb: number;
  breakdown: Record<string, number>;
}

const here = new URL('.', import.meta.url);
// compiled, this file is dist/bench/load/lanparty.js and the two programs sit next to it
const script = (name: string) => new URL(`${name}.js`, here).pathname;

const r = (v: number, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : NaN);

/** Nearest-rank quantile of unsorted samples (NaN when empty). */
function q(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const s = [...samples].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

/**
 * The two lines to take a process's rates between: the first and last printed inside
 * [from, to] (harness clock) when they span most of it; else (a process too busy to print
 * every second) the closest lines around the window, flagged `wide`.
 */
function bounds<T>(lines: Array<{ at: number; msg: T }>, from: number, to: number): { a: T; z: T; wide: boolean } | undefined {
  const inside = lines.filter((l) => l.at >= from && l.at <= to);
  if (inside.length >= 2 && inside[inside.length - 1]!.at - inside[0]!.at >= 0.5 * (to - from)) return { a: inside[0]!.msg, z: inside[inside.length - 1]!.msg, wide: false };
  const a = [...lines].reverse().find((l) => l.at <= from) ?? lines[0];
  const z = lines.find((l) => l.at >= to) ?? lines[lines.length - 1];
  return a && z && a !== z ? { a: a.msg, z: z.msg, wide: true } : undefined;
}

export async function runLanparty(o: LanpartyRunOptions): Promise<LoadRow> {
  const log = o.log ?? ((s: string) => console.log(s));
  const children: Child[] = [];
  const env = { ...process.env, LANPARTY_LOG: process.env.LANPARTY_LOG ?? 'warn' };
  try {
    const hostArgs = ['--port', String(o.port ?? 0), '--clients', String(o.clients), '--entities', String(o.entities), '--send-hz', String(o.sendHz), '--interest', o.interest ? 'on' : 'off'];
    if (o.budgetBytesPerSec !== undefined) hostArgs.push('--budget', String(o.budgetBytesPerSec));
    // LOAD_HOST_NODE_FLAGS: extra node flags for the host, e.g. "--cpu-prof --cpu-prof-dir=/tmp"
    const flags = process.env.LOAD_HOST_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    const host = spawnChild('host', ['--expose-gc', ...flags, script('lanparty-host'), ...hostArgs], env);
    children.push(host);
    const ready = (await host.waitFor((m) => m.type === 'ready', 30_000, 'the host to listen')) as unknown as HostReady;

    const perProcess = o.clientsPerProcess ?? 250;
    const procs = Math.ceil(o.clients / perProcess);
    // about 10 sampled (timed, decoding) clients in all, spread over the processes: 10 x 60
    // snapshots/s x 10 s is plenty for a p99, and each decoding client costs its process
    // ~20 ms/s per 1,000 entities in view (a full-world 1k snapshot decodes in ~0.3 ms)
    const sample = Math.max(1, Math.floor(o.clients / 10));
    const swarms: Child[] = [];
    for (let i = 0; i < procs; i++) {
      const k = Math.floor(o.clients / procs) + (i < o.clients % procs ? 1 : 0);
      const s = spawnChild(`swarm${i}`, [script('swarm'), '--port', String(ready.port), '--clients', String(k), '--sample', String(sample), '--decode', o.decode ?? 'sampled'], env);
      children.push(s);
      swarms.push(s);
    }
    if (process.env.LOAD_VERBOSE) watch(host, swarms, log);
    const t0 = performance.now();
    // a swarm joins 50 at a time and gives a client 30 s: the worst case is every batch timing out
    const joinTimeoutMs = (Math.ceil(Math.ceil(o.clients / procs) / 50) * 30 + 30) * 1000;
    const readies = (await Promise.all(swarms.map((s) => s.waitFor((m) => m.type === 'ready', joinTimeoutMs, 'its clients to join')))) as unknown as SwarmReady[];
    const failed = readies.reduce((n, m) => n + m.failed, 0);
    if (failed) log(`  WARNING: ${failed} of ${o.clients} clients could not join (${readies.find((m) => m.error)?.error}); they count as 0 snapshots/s`);
    log(`  ${o.clients - failed} clients joined in ${((performance.now() - t0) / 1000).toFixed(1)} s (${procs} client process${procs > 1 ? 'es' : ''}); warm-up ${o.warmupS} s, measuring ${o.measureS} s`);

    await sleep(o.warmupS * 1000);
    const from = performance.now();
    await sleep(o.measureS * 1000);
    const to = performance.now();
    // the ticks of the window's last second are printed up to a second later
    await sleep(1100);
    const before = host.lines.length;
    host.send('heap');
    const heap = (await host.waitFor((m) => m.type === 'heap', 30_000, 'the heap figure', before)) as unknown as HostHeapLine;

    return aggregate(o, ready, heap, host, swarms, from, to, log);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

/** LOAD_VERBOSE=1: a line per second per process, to see a run settle (or not). */
function watch(host: Child, swarms: Child[], log: (s: string) => void): void {
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : '-');
  host.onLine((m) => {
    if (m.type !== 'stats') return;
    const h = m as unknown as HostStatsLine;
    log(`    host: tick ${h.sim?.tick} p99 ${fmt(h.sim?.tickP99Ms)} ms skipped ${h.sim?.skippedTicks} conns ${String(h.net.connections)} busySkips ${String(h.net.busySkips)}`);
  });
  for (const s of swarms)
    s.onLine((m) => {
      if (m.type !== 'stats') return;
      const w = m as unknown as SwarmStatsLine;
      log(`    ${s.name}: ${w.connected} connected, snap/s min ${fmt(w.minSnapsPerS)} mean ${fmt(w.meanSnapsPerS)}, ${Math.round(w.meanBytesPerS)} B/client/s, ELU ${w.elu.toFixed(2)}`);
    });
}

function aggregate(o: LanpartyRunOptions, ready: HostReady, heap: HostHeapLine, host: Child, swarms: Child[], from: number, to: number, log: (s: string) => void): LoadRow {
  const hostStats = host.lines.filter((l) => l.msg.type === 'stats') as unknown as Array<{ at: number; msg: HostStatsLine }>;
  const hb = bounds(hostStats, from, to);
  if (!hb) throw new Error('load: the host printed fewer than 2 stats lines in all');
  const { a: ha, z: hz } = hb;
  if (hb.wide) log(`  WARNING: the host printed its per-second line only now and then (main thread starved): its rates are over ${((hz.t - ha.t) / 1000).toFixed(1)} s around the window`);
  const hdt = (hz.t - ha.t) / 1000;
  const inside = hostStats.filter((l) => l.at >= from && l.at <= to).map((l) => l.msg);
  const inWindow = inside.length ? inside : [ha, hz];

  // SimStats percentiles are over the worker's last 600 ticks (10 s): the lines whose
  // 10 s lie inside the window, else (a shorter window) the last one
  const full = hostStats.filter((l) => l.at >= from + 10_000 && l.at <= to).map((l) => l.msg.sim!).filter(Boolean);
  const simLines = full.length ? full : [hz.sim!].filter(Boolean);
  const tickP50 = q(simLines.map((s) => s.tickP50Ms), 0.5);
  const tickP99 = Math.max(...simLines.map((s) => s.tickP99Ms));
  const ticksPerS = ha.sim && hz.sim ? (hz.sim.tick - ha.sim.tick) / hdt : NaN;
  if (hz.restarts > ha.restarts) log(`  WARNING: the sim worker restarted ${hz.restarts - ha.restarts} time(s) in the window`);

  const perS = (k: string): number | undefined => {
    const a = ha.net[k];
    const b = hz.net[k];
    return typeof a === 'number' && typeof b === 'number' ? (b - a) / hdt : undefined;
  };
  const breakdown: Record<string, number> = { sim_ms_per_s: r(tickP50 * ticksPerS) };
  const enc = perS('encodeMs');
  const wr = perS('writeMs');
  if (enc !== undefined) breakdown.encode_ms_per_s = r(enc);
  if (wr !== undefined) breakdown.write_ms_per_s = r(wr);
  breakdown.gc_ms_per_s = r((hz.gcMs - ha.gcMs) / hdt);

  // clients: per-client snapshot rates over the window, bytes, the swarms' own CPU
  const perClient: number[] = [];
  let bytesPerS = 0;
  let swarmCpu = 0;
  let connected = 0;
  let eluMax = 0;
  const lat: Array<[number, number]> = [];
  for (const s of swarms) {
    const lines = s.lines.filter((l) => l.msg.type === 'stats') as unknown as Array<{ at: number; msg: SwarmStatsLine }>;
    const b = bounds(lines, from, to);
    if (!b) throw new Error(`load: ${s.name} printed fewer than 2 stats lines in all`);
    const { a: sa, z: sz } = b;
    if (b.wide) log(`  WARNING: ${s.name} printed its per-second line only now and then (saturated): its rates are over ${((sz.t - sa.t) / 1000).toFixed(1)} s around the window`);
    const dt = (sz.t - sa.t) / 1000;
    sz.snaps.forEach((n, i) => perClient.push((n - sa.snaps[i]!) / dt));
    bytesPerS += (sz.bytes - sa.bytes) / dt;
    swarmCpu += (sz.cpuUs - sa.cpuUs) / 1000 / dt / 10;
    connected += sz.connected;
    const elus = lines.filter((l) => l.at > from && l.msg.t > sa.t && l.at <= to).map((l) => l.msg.elu);
    eluMax = Math.max(eluMax, elus.reduce((x, y) => x + y, 0) / Math.max(1, elus.length));
    // a line carries the samples of the second before it: skip the first line's
    for (const l of lines) if (l.at > from && l.msg.t > sa.t && l.at <= to) lat.push(...l.msg.lat);
  }
  // bytes per client that joined; clients that never joined received nothing
  const joined = perClient.length;
  while (perClient.length < o.clients) perClient.push(0);
  if (connected < o.clients) log(`  WARNING: only ${connected} of ${o.clients} clients still connected at the end of the window`);

  // delivery: publish time on the host -> receive time in a client, per sampled snapshot
  const pub = new Map<number, number>();
  for (const l of host.lines) if (l.msg.type === 'ticks') for (const [t, ms] of (l.msg as unknown as HostTicksLine).pub) pub.set(t, ms);
  const delays: number[] = [];
  let unmatched = 0;
  for (const [tick, at] of lat) {
    const p = pub.get(tick);
    if (p === undefined) unmatched++;
    else delays.push(at - p);
  }
  if (unmatched > lat.length / 10) log(`  note: ${unmatched} of ${lat.length} sampled snapshots have no publish time (ticks published in a burst)`);

  const row: LoadRow = {
    system: 'lanparty',
    clients: o.clients,
    entities: o.entities,
    send_hz: o.sendHz,
    interest: o.interest ? 'on' : 'off',
    host_cpu_pct: r((hz.cpuUs - ha.cpuUs) / 1000 / hdt / 10, 1),
    swarm_cpu_pct: r(swarmCpu, 1),
    swarm_elu_max: r(eluMax),
    client_decode: o.decode ?? 'sampled',
    clients_connected: connected,
    tick_p50_ms: r(tickP50, 3),
    tick_p99_ms: r(tickP99, 3),
    skipped_ticks: (hz.sim?.skippedTicks ?? 0) - (ha.sim?.skippedTicks ?? 0),
    snapshots_per_client_s_min: r(Math.min(...perClient), 1),
    snapshots_per_client_s_mean: r(perClient.reduce((x, y) => x + y, 0) / perClient.length, 1),
    delivery_p50_ms: r(q(delays, 0.5)),
    delivery_p99_ms: r(q(delays, 0.99)),
    bytes_per_client_s: Math.round(bytesPerS / Math.max(1, joined)),
    host_rss_mb: r(Math.max(...inWindow.map((s) => s.rss)) / 2 ** 20, 1),
    heap_per_client_kb: r((heap.heapUsed - ready.heapBaseline) / Math.max(1, joined) / 1024),
    breakdown,
  };
  log(
    `  host ${row.host_cpu_pct}% CPU (clients ${row.swarm_cpu_pct}%, busiest client process's event loop ${Math.round(row.swarm_elu_max * 100)}% busy), tick p50/p99 ${row.tick_p50_ms}/${row.tick_p99_ms} ms, skipped ${row.skipped_ticks}, ` +
      `snapshots/client/s min ${row.snapshots_per_client_s_min} mean ${row.snapshots_per_client_s_mean}, delivery p50/p99 ${row.delivery_p50_ms}/${row.delivery_p99_ms} ms ` +
      `(${delays.length} samples), ${row.bytes_per_client_s} B/client/s, rss ${row.host_rss_mb} MB, heap ${row.heap_per_client_kb} KB/client`,
  );
  // a figure that could not be measured (no samples) is left out: "no result", not NaN
  for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && !Number.isFinite(v)) delete (row as Record<string, unknown>)[k];
  return row;
}

// ---- child processes ----------------------------------------------------------------------
// Every child is in `live` until it has exited. While any is, this process kills them on its
// own SIGINT/SIGTERM and, synchronously, on exit; the children also exit by themselves when
// their stdin (a pipe from us) closes, which covers a SIGKILL of this process.

export type Msg = Record<string, unknown> & { type: string };

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Every JSON line printed on stdout, with the time it arrived here (performance.now()). */
  readonly lines: Array<{ at: number; msg: Msg }>;
  stderr: string;
  exited: boolean;
  waitFor(pred: (m: Msg) => boolean, timeoutMs: number, what: string, fromLine?: number): Promise<Msg>;
  send(line: string): void;
  /** Call `fn` with every JSON line from now on. */
  onLine(fn: (m: Msg) => void): void;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

const live = new Set<Child>();
const killAll = () => {
  for (const c of live) c.proc.kill('SIGKILL');
};
const onSignal = (sig: NodeJS.Signals) => {
  void Promise.all([...live].map((c) => c.stop())).then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
};
function track(c: Child): void {
  if (live.size === 0) {
    process.on('exit', killAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  live.add(c);
}
function untrack(c: Child): void {
  if (!live.delete(c) || live.size > 0) return;
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

export function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // 'close', not 'exit': by then every line it printed has been read
  const closed = new Promise<void>((res) => proc.once('close', () => res()));
  const waiters = new Set<() => void>();
  const listeners: Array<(m: Msg) => void> = [];
  const poke = () => {
    for (const w of waiters) w();
  };
  const c: Child = {
    name,
    proc,
    lines: [],
    stderr: '',
    exited: false,
    waitFor(pred, timeoutMs, what, fromLine = 0) {
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          const hit = c.lines.slice(fromLine).find((l) => pred(l.msg));
          const done = (f: () => void) => {
            waiters.delete(check);
            clearTimeout(timer);
            f();
          };
          if (hit) done(() => resolve(hit.msg));
          else if (c.exited) done(() => reject(new Error(`load: ${name} exited (code ${proc.exitCode}, signal ${proc.signalCode}) while waiting for ${what}\n${name} stderr:\n${c.stderr}`)));
        };
        timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`load: timed out after ${timeoutMs} ms waiting for ${name}: ${what}\n${name} stderr:\n${c.stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    onLine(fn) {
      listeners.push(fn);
    },
    send(line) {
      if (!c.exited) proc.stdin!.write(line + '\n');
    },
    async stop() {
      if (c.exited) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(killer);
    },
  };
  track(c);
  proc.stdin!.on('error', () => {}); // EPIPE when it died first
  proc.on('error', (err) => (c.stderr += `spawn error: ${err.message}\n`));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    let msg: Msg;
    try {
      msg = JSON.parse(line) as Msg;
    } catch {
      return;
    }
    c.lines.push({ at: performance.now(), msg });
    for (const fn of listeners) fn(msg);
    poke();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    // the tail is what explains a failure; keep the last 8 KB
    c.stderr = (c.stderr + d).slice(-8192);
  });
  proc.once('close', () => {
    c.exited = true;
    untrack(c);
    poke();
  });
  return c;
}
