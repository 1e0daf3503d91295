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
import type { SwarmStatsLine } from './swarm.js';

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

/** First line at or after `from` and last line at or before `to` (harness clock). */
function bounds<T>(lines: Array<{ at: number; msg: T }>, from: number, to: number): [T, T] | undefined {
  const inside = lines.filter((l) => l.at >= from && l.at <= to);
  return inside.length >= 2 ? [inside[0]!.msg, inside[inside.length - 1]!.msg] : undefined;
}

export async function runLanparty(o: LanpartyRunOptions): Promise<LoadRow> {
  const log = o.log ?? ((s: string) => console.log(s));
  const children: Child[] = [];
  const env = { ...process.env, LANPARTY_LOG: process.env.LANPARTY_LOG ?? 'warn' };
  try {
    const hostArgs = ['--port', String(o.port ?? 0), '--clients', String(o.clients), '--entities', String(o.entities), '--send-hz', String(o.sendHz), '--interest', o.interest ? 'on' : 'off'];
    if (o.budgetBytesPerSec !== undefined) hostArgs.push('--budget', String(o.budgetBytesPerSec));
    const host = spawnChild('host', ['--expose-gc', script('lanparty-host'), ...hostArgs], env);
    children.push(host);
    const ready = (await host.waitFor((m) => m.type === 'ready', 30_000, 'the host to listen')) as unknown as HostReady;

    const perProcess = o.clientsPerProcess ?? 250;
    const procs = Math.ceil(o.clients / perProcess);
    // about 50 sampled clients in all, spread over the processes
    const sample = Math.max(1, Math.floor(o.clients / 50));
    const swarms: Child[] = [];
    for (let i = 0; i < procs; i++) {
      const k = Math.floor(o.clients / procs) + (i < o.clients % procs ? 1 : 0);
      const s = spawnChild(`swarm${i}`, [script('swarm'), '--port', String(ready.port), '--clients', String(k), '--sample', String(sample)], env);
      children.push(s);
      swarms.push(s);
    }
    const t0 = performance.now();
    await Promise.all(swarms.map((s) => s.waitFor((m) => m.type === 'ready', 60_000 + 60 * o.clients, 'its clients to join')));
    log(`  ${o.clients} clients joined in ${((performance.now() - t0) / 1000).toFixed(1)} s (${procs} client process${procs > 1 ? 'es' : ''}); warm-up ${o.warmupS} s, measuring ${o.measureS} s`);

    await sleep(o.warmupS * 1000);
    const from = performance.now();
    await sleep(o.measureS * 1000);
    const to = performance.now();
    // the ticks of the window's last second are printed up to a second later
    await sleep(1100);
    const before = host.lines.length;
    host.send('heap');
    const heap = (await host.waitFor((m) => m.type === 'heap', 10_000, 'the heap figure', before)) as unknown as HostHeapLine;

    return aggregate(o, ready, heap, host, swarms, from, to, log);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

function aggregate(o: LanpartyRunOptions, ready: HostReady, heap: HostHeapLine, host: Child, swarms: Child[], from: number, to: number, log: (s: string) => void): LoadRow {
  const hostStats = host.lines.filter((l) => l.msg.type === 'stats') as unknown as Array<{ at: number; msg: HostStatsLine }>;
  const hb = bounds(hostStats, from, to);
  if (!hb) throw new Error('load: the host printed fewer than 2 stats lines in the measured window');
  const [ha, hz] = hb;
  const hdt = (hz.t - ha.t) / 1000;
  const inWindow = hostStats.filter((l) => l.at >= from && l.at <= to).map((l) => l.msg);

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
  const lat: Array<[number, number]> = [];
  for (const s of swarms) {
    const lines = s.lines.filter((l) => l.msg.type === 'stats') as unknown as Array<{ at: number; msg: SwarmStatsLine }>;
    const b = bounds(lines, from, to);
    if (!b) throw new Error(`load: ${s.name} printed fewer than 2 stats lines in the measured window`);
    const [sa, sz] = b;
    const dt = (sz.t - sa.t) / 1000;
    sz.snaps.forEach((n, i) => perClient.push((n - sa.snaps[i]!) / dt));
    bytesPerS += (sz.bytes - sa.bytes) / dt;
    swarmCpu += (sz.cpuUs - sa.cpuUs) / 1000 / dt / 10;
    connected += sz.connected;
    // a line carries the samples of the second before it: skip the first line's
    for (const l of lines) if (l.at > from && l.msg.t > sa.t && l.at <= to) lat.push(...l.msg.lat);
  }
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
    tick_p50_ms: r(tickP50, 3),
    tick_p99_ms: r(tickP99, 3),
    skipped_ticks: (hz.sim?.skippedTicks ?? 0) - (ha.sim?.skippedTicks ?? 0),
    snapshots_per_client_s_min: r(Math.min(...perClient), 1),
    snapshots_per_client_s_mean: r(perClient.reduce((x, y) => x + y, 0) / perClient.length, 1),
    delivery_p50_ms: r(q(delays, 0.5)),
    delivery_p99_ms: r(q(delays, 0.99)),
    bytes_per_client_s: Math.round(bytesPerS / o.clients),
    host_rss_mb: r(Math.max(...inWindow.map((s) => s.rss)) / 2 ** 20, 1),
    heap_per_client_kb: r((heap.heapUsed - ready.heapBaseline) / o.clients / 1024),
    breakdown,
  };
  log(
    `  host ${row.host_cpu_pct}% CPU (clients ${row.swarm_cpu_pct}%), tick p50/p99 ${row.tick_p50_ms}/${row.tick_p99_ms} ms, skipped ${row.skipped_ticks}, ` +
      `snapshots/client/s min ${row.snapshots_per_client_s_min} mean ${row.snapshots_per_client_s_mean}, delivery p50/p99 ${row.delivery_p50_ms}/${row.delivery_p99_ms} ms ` +
      `(${delays.length} samples), ${row.bytes_per_client_s} B/client/s, rss ${row.host_rss_mb} MB, heap ${row.heap_per_client_kb} KB/client`,
  );
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
    try {
      c.lines.push({ at: performance.now(), msg: JSON.parse(line) as Msg });
    } catch {
      return;
    }
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
