// One lanparty load run: a host process (lanparty-host.ts) and ceil(N / 250) client
// processes (swarm.ts) on 127.0.0.1, warm-up, a measured window, one result row. N = 0: the
// idle host (no client process at all).
//
// Separate processes, not threads of this one, so the host's CPU (process.cpuUsage covers
// all its threads: main, sim worker, network thread) is the host's alone, and the clients'
// decoding does not share the host's event loop. Pinned (./pin.ts), the host has one CPU and
// the client processes the other; unpinned, on a 2-core machine the swarms compete with the
// host for the cores. Their own CPU is reported (swarm_cpu_pct) either way.
//
// Rates are taken from cumulative counters: the first line each process printed after the
// window opened and the last one before it closed, over the time between them as that
// process measured it.

import type { ThreadStats } from '../../src/engine/thread-cpu.js';
import { cpuBreakdown, describeThreads } from './breakdown.js';
import { sleep, spawnChild, type Child } from './children.js';
import type { HostHeapLine, HostReady, HostStatsLine, HostTicksLine } from './lanparty-host.js';
import { pinLabel, type Pinning } from './pin.js';
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
  /** About how many clients decode and time snapshots with 'sampled' (default 10). */
  sampled?: number;
  /** Clients per swarm process (default 250). */
  clientsPerProcess?: number;
  /** Entity capacity of the host (default: the entities and players with a margin). */
  capacity?: number;
  /** Pin the host and the client processes (./pin.ts); null or absent: not pinned. */
  pin?: Pinning | null;
  /** How the clients connect (swarm.ts --transport; default 'tcp'). */
  transport?: 'tcp' | 'udp' | 'ws';
  log?: (line: string) => void;
}

export interface LoadRow {
  [k: string]: number | string | Record<string, number>;
  system: string;
  clients: number;
  entities: number;
  send_hz: number;
  interest: 'on' | 'off';
  /** How the clients reached the host: tcp, udp or ws (LanpartyRunOptions.transport). */
  transport: string;
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
  /** Host CPU by stage, ms per second (./breakdown.ts). */
  breakdown: Record<string, number>;
  /** Host CPU by kind of thread, ms per second. */
  threads: Record<string, number>;
  /** Host CPU by thread kind and stage, ms per second. */
  thread_stages: Record<string, number>;
  other_pct: number;
  /** Slowest client's snapshots per second, as a percentage of the send rate. */
  rate_pct: number;
  pinned: string;
  thread_cpu: string;
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

/** The idle host's row: the host's figures only. */
export type IdleRow = { [k: string]: number | string | Record<string, number> } & ReturnType<typeof hostWindow> & { system: string; clients: 0; pinned: string; thread_cpu: string };

export async function runLanparty(o: LanpartyRunOptions): Promise<LoadRow | IdleRow> {
  const log = o.log ?? ((s: string) => console.log(s));
  const children: Child[] = [];
  const env = { ...process.env, LANPARTY_LOG: process.env.LANPARTY_LOG ?? 'warn' };
  try {
    const hostArgs = ['--port', String(o.port ?? 0), '--clients', String(o.clients), '--entities', String(o.entities), '--send-hz', String(o.sendHz), '--interest', o.interest ? 'on' : 'off'];
    if (o.budgetBytesPerSec !== undefined) hostArgs.push('--budget', String(o.budgetBytesPerSec));
    if (o.capacity !== undefined) hostArgs.push('--capacity', String(o.capacity));
    if (o.clients === 0) hostArgs.push('--quiet');
    // LOAD_HOST_NODE_FLAGS: extra node flags for the host, e.g. "--cpu-prof --cpu-prof-dir=/tmp"
    const flags = process.env.LOAD_HOST_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    const host = spawnChild('host', ['--expose-gc', ...flags, script('lanparty-host'), ...hostArgs], env, o.pin?.host);
    children.push(host);
    const ready = (await host.waitFor((m) => m.type === 'ready', 30_000, 'the host to listen')) as unknown as HostReady;
    if (o.clients === 0) return await idle(o, ready, host, log);

    const perProcess = o.clientsPerProcess ?? 250;
    const procs = Math.ceil(o.clients / perProcess);
    // about 10 (o.sampled) sampled (timed, decoding) clients in all, spread over the processes: 10 x 60
    // snapshots/s x 10 s is plenty for a p99, and each decoding client costs its process
    // ~20 ms/s per 1,000 entities in view (a full-world 1k snapshot decodes in ~0.3 ms)
    const sample = Math.max(1, Math.floor(o.clients / (o.sampled ?? 10)));
    const swarms: Child[] = [];
    const swarmFlags = process.env.LOAD_SWARM_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    for (let i = 0; i < procs; i++) {
      const k = Math.floor(o.clients / procs) + (i < o.clients % procs ? 1 : 0);
      // LOAD_SWARM_NODE_FLAGS: the same for the client processes
      const s = spawnChild(`swarm${i}`, [...swarmFlags, script('swarm'), '--port', String(ready.port), '--clients', String(k), '--sample', String(sample), '--decode', o.decode ?? 'sampled', '--transport', o.transport ?? 'tcp'], env, o.pin?.clients);
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
    // drops by reason: a join that never comes is often told here (HANDSHAKE_TIMEOUT, SESSION_FULL, ...)
    log(`    host: tick ${h.sim?.tick} p99 ${fmt(h.sim?.tickP99Ms)} ms skipped ${h.sim?.skippedTicks} conns ${String(h.net.connections)} busySkips ${String(h.net.busySkips)} drops ${JSON.stringify(h.net.drops ?? {})}`);
  });
  for (const s of swarms)
    s.onLine((m) => {
      if (m.type !== 'stats') return;
      const w = m as unknown as SwarmStatsLine;
      log(`    ${s.name}: ${w.connected} connected, snap/s min ${fmt(w.minSnapsPerS)} mean ${fmt(w.meanSnapsPerS)}, ${Math.round(w.meanBytesPerS)} B/client/s, ELU ${w.elu.toFixed(2)}`);
    });
}

/** The host's side of a window: CPU (the bench's watcher thread excluded), ticks, breakdown. */
function hostWindow(host: Child, from: number, to: number, log: (s: string) => void) {
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
  if (hz.restarts > ha.restarts) log(`  WARNING: the sim worker restarted ${hz.restarts - ha.restarts} time(s) in the window`);

  const cpuMs = (hz.cpuUs - ha.cpuUs) / 1000 - (hz.watcherCpuMs - ha.watcherCpuMs);
  const threadsOf = (l: HostStatsLine) => (Array.isArray(l.net.threads) ? (l.net.threads as ThreadStats[]) : []);
  const b = cpuBreakdown(threadsOf(ha), threadsOf(hz), cpuMs, hdt);
  return {
    host_cpu_pct: r(cpuMs / hdt / 10, 1),
    tick_p50_ms: r(q(simLines.map((x) => x.tickP50Ms), 0.5), 3),
    tick_p99_ms: r(Math.max(...simLines.map((x) => x.tickP99Ms)), 3),
    skipped_ticks: (hz.sim?.skippedTicks ?? 0) - (ha.sim?.skippedTicks ?? 0),
    host_rss_mb: r(Math.max(...inWindow.map((x) => x.rss)) / 2 ** 20, 1),
    breakdown: b.stages,
    threads: b.threads,
    thread_stages: b.detail,
    other_pct: b.otherPct,
  };
}

/** The idle host: no client process, the host's figures over the window. */
async function idle(o: LanpartyRunOptions, ready: HostReady, host: Child, log: (s: string) => void): Promise<IdleRow> {
  log(`  idle host (no clients), capacity ${ready.capacity}; warm-up ${o.warmupS} s, measuring ${o.measureS} s`);
  await sleep(o.warmupS * 1000);
  // a quiet host (--quiet) prints its figures when asked: at the window's two edges only
  const ask = async () => {
    const before = host.lines.length;
    host.send('stats');
    await host.waitFor((m) => m.type === 'stats', 10_000, 'the host\'s stats line', before);
    return host.lines.filter((l) => l.msg.type === 'stats').at(-1)!.at;
  };
  const from = await ask();
  await sleep(o.measureS * 1000);
  const to = await ask();
  const h = hostWindow(host, from, to, log);
  const row: IdleRow = { system: 'lanparty', clients: 0, entities: o.entities, send_hz: o.sendHz, interest: '-', transport: '-', ...h, pinned: pinLabel(o.pin ?? null), thread_cpu: ready.cpuSource };
  log(`  host ${h.host_cpu_pct}% CPU, tick p50/p99 ${h.tick_p50_ms}/${h.tick_p99_ms} ms, rss ${h.host_rss_mb} MB`);
  log(`  host CPU by thread (ms/s): ${describeThreads({ stages: h.breakdown, threads: h.threads, detail: h.thread_stages, otherPct: h.other_pct })}`);
  return dropUnmeasured(row);
}

function aggregate(o: LanpartyRunOptions, ready: HostReady, heap: HostHeapLine, host: Child, swarms: Child[], from: number, to: number, log: (s: string) => void): LoadRow {
  const h = hostWindow(host, from, to, log);

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

  const snapsMin = Math.min(...perClient);
  const row: LoadRow = {
    system: 'lanparty',
    clients: o.clients,
    entities: o.entities,
    send_hz: o.sendHz,
    interest: o.interest ? 'on' : 'off',
    transport: o.transport ?? 'tcp',
    ...h,
    swarm_cpu_pct: r(swarmCpu, 1),
    swarm_elu_max: r(eluMax),
    client_decode: o.decode ?? 'sampled',
    clients_connected: connected,
    snapshots_per_client_s_min: r(snapsMin, 1),
    snapshots_per_client_s_mean: r(perClient.reduce((x, y) => x + y, 0) / perClient.length, 1),
    delivery_p50_ms: r(q(delays, 0.5)),
    delivery_p99_ms: r(q(delays, 0.99)),
    bytes_per_client_s: Math.round(bytesPerS / Math.max(1, joined)),
    heap_per_client_kb: r((heap.heapUsed - ready.heapBaseline) / Math.max(1, joined) / 1024),
    rate_pct: r((100 * snapsMin) / o.sendHz, 1),
    pinned: pinLabel(o.pin ?? null),
    thread_cpu: ready.cpuSource,
  };
  log(
    `  host ${row.host_cpu_pct}% CPU (clients ${row.swarm_cpu_pct}%, busiest client process's event loop ${Math.round(row.swarm_elu_max * 100)}% busy), tick p50/p99 ${row.tick_p50_ms}/${row.tick_p99_ms} ms, skipped ${row.skipped_ticks}, ` +
      `snapshots/client/s min ${row.snapshots_per_client_s_min} mean ${row.snapshots_per_client_s_mean}, delivery p50/p99 ${row.delivery_p50_ms}/${row.delivery_p99_ms} ms ` +
      `(${delays.length} samples), ${row.bytes_per_client_s} B/client/s, rss ${row.host_rss_mb} MB, heap ${row.heap_per_client_kb} KB/client`,
  );
  log(`  host CPU by thread (ms/s): ${describeThreads({ stages: h.breakdown, threads: h.threads, detail: h.thread_stages, otherPct: h.other_pct })}`);
  if (row.swarm_elu_max > 0.9) log(`  WARNING: a client process's event loop was ${Math.round(row.swarm_elu_max * 100)}% busy: snapshot rates and delivery may describe the clients, not the host`);
  return dropUnmeasured(row);
}

/** A figure that could not be measured (no samples) is left out: "no result", not NaN. */
function dropUnmeasured<T extends object>(row: T): T {
  for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && !Number.isFinite(v)) delete (row as Record<string, unknown>)[k];
  return row;
}
