// Colyseus side of the load benchmark: runColyseus() runs one config (a host.js process and
// clients.js processes, all on 127.0.0.1) and aggregates its measure window.
//   node dist/bench/load/colyseus/index.js --clients 50 --entities 1000 --send-hz 20
//     [--warmup 3] [--measure 10] [--port 29170] [--client-processes K] [--decode sampled|all]
//
// Version: Colyseus 0.18 (@colyseus/core + @colyseus/ws-transport + @colyseus/schema 5, client
// @colyseus/sdk 0.18), the current release. Its packages declare engines node >= 22, but they
// run unchanged on Node 20 (tested on 20.20): nothing used needs a Node 22 API (on Node 20 the
// SDK falls back from the global WebSocket to the `ws` package). The `colyseus` meta-package is
// not used: it would pull in redis, monitor and playground packages this benchmark never loads.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeCommand, pinLabel, type Pinning } from '../pin.js';

export interface ColyseusOptions {
  clients: number;
  entities: number;
  sendHz: 20 | 60;
  warmupS: number;
  measureS: number;
  port: number;
  clientProcesses?: number;
  /** Which clients run the SDK's decoder: 'sampled' (default: ~10 in all, the latency sample;
   *  the others count frames without decoding, see clients.ts) or 'all'. Same switch as lanparty's. */
  decode?: 'all' | 'sampled';
  /** About how many clients decode with 'sampled' (default 10). */
  sampled?: number;
  /** Pin the host and the client processes (../pin.ts), as the lanparty runs are; null or absent: not pinned. */
  pin?: Pinning | null;
}

export interface ColyseusResult {
  system: 'colyseus';
  version: string; // @colyseus/core
  clients: number;
  entities: number;
  send_hz: number;
  host_cpu_pct: number;
  tick_p50_ms: number;
  tick_p99_ms: number;
  skipped_ticks: number | null;
  snapshots_per_client_s_min: number;
  /** Patches received per client per second, mean over the clients (weighted by each process's connected clients). */
  snapshots_per_client_s_mean: number;
  delivery_p99_ms: number;
  bytes_per_client_s: number;
  host_rss_mb: number;
  heap_per_client_kb: number | null;
  // Extras, for reading a run; not part of the shared table.
  patch_p99_ms: number; // encode + send of one patch to every client, max of per-second p99s
  delivery_p50_ms: number; // mean of per-second p50s
  connected_min: number; // fewest clients connected in any measured second, all processes
  client_cpu_pct: number; // client processes, summed, mean over the window
  pinned: string;
}

type Line = Record<string, number | string | boolean>;

/** A child process whose stdout is JSON lines; keeps its stderr tail for error messages. */
class Proc {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  private stderr = '';
  private done = false;

  constructor(readonly name: string, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        this.lines.push({ ...JSON.parse(l), at: performance.now() });
      } catch {
        return; // not ours (a library's console.log): ignore
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.on('data', (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.exited = new Promise((res) => child.on('exit', (code) => {
      this.done = true;
      for (const w of this.waiters.splice(0)) w();
      res(code);
    }));
  }

  /** Resolves with the first line of `type` after index `from`; rejects on exit or timeout. */
  async waitFor(type: string, timeoutMs: number, from = 0): Promise<Line> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => l.type === type);
      if (hit) return hit;
      if (this.done) throw new Error(`${this.name} exited before '${type}': ${this.stderr}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: no '${type}' within ${timeoutMs} ms: ${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  async stop(): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const num = (l: Line, k: string): number => Number(l[k]);
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const round = (v: number): number => Math.round(v * 1000) / 1000;

export function colyseusVersion(): string {
  const req = createRequire(import.meta.url);
  return (req('@colyseus/core/package.json') as { version: string }).version;
}

export async function runColyseus(o: ColyseusOptions): Promise<ColyseusResult> {
  const nProcs = Math.max(1, Math.min(o.clients, o.clientProcesses ?? Math.ceil(o.clients / 250)));
  const start = (name: string, args: string[], cpu: number | undefined): Proc =>
    new Proc(name, spawn(...nodeCommand(args, cpu), { stdio: ['pipe', 'pipe', 'pipe'] }));
  const procs: Proc[] = [];
  try {
    // --expose-gc only serves the two 'heap' probes, which run outside the measure window.
    const host = start('colyseus host', ['--expose-gc', here('./host.js'), '--exit-with-stdin', '--port', String(o.port),
      '--entities', String(o.entities), '--send-hz', String(o.sendHz), '--seed', '1'], o.pin?.host);
    procs.push(host);
    await host.waitFor('ready', 20_000);
    let mark = host.lines.length;
    host.child.stdin!.write('heap\n');
    const heap0 = num(await host.waitFor('heap', 10_000, mark), 'heap_used_mb');

    // Children exit when their stdin (our pipe) closes, so a crash here leaves none behind;
    // --seconds is only a backstop.
    const seconds = String(120 + o.warmupS + o.measureS);
    const decodeEvery = o.decode === 'all' ? 1 : Math.max(1, Math.floor(o.clients / (o.sampled ?? 10)));
    const clients: Proc[] = [];
    for (let i = 0, first = 0; i < nProcs; i++) {
      const k = Math.floor(o.clients / nProcs) + (i < o.clients % nProcs ? 1 : 0);
      clients.push(start(`colyseus clients ${i}`, [here('./clients.js'), '--exit-with-stdin', '--port', String(o.port),
        '--clients', String(k), '--seconds', seconds, '--first', String(first), '--decode-every', String(decodeEvery)], o.pin?.clients));
      first += k;
    }
    procs.push(...clients);
    await Promise.all(clients.map((c) => c.waitFor('ready', 60_000 + o.clients * 100)));

    await sleep(o.warmupS * 1000);
    const from = performance.now();
    const hostFrom = host.lines.length;
    await sleep(o.measureS * 1000 + 300); // the last second's lines land shortly after it ends
    const to = from + o.measureS * 1000 + 150;
    const inWindow = (l: Line): boolean => num(l, 'at') > from && num(l, 'at') <= to;
    const hs = host.lines.filter((l) => l.type === 'host' && inWindow(l));
    const perProc = clients.map((c) => c.lines.filter((l) => l.type === 'clients' && inWindow(l)));
    const cs = perProc.flat();
    if (hs.length === 0 || perProc.some((p) => p.length === 0)) throw new Error('colyseus: no samples in the measure window');
    const before = host.lines.slice(0, hostFrom).filter((l) => l.type === 'host').at(-1);

    mark = host.lines.length;
    host.child.stdin!.write('heap\n');
    const heapLine = await host.waitFor('heap', 10_000, mark);
    const heapN = num(heapLine, 'heap_used_mb');

    // Client seconds are per process: weight their means by the clients connected in each, and
    // add the processes up second by second (their i-th lines) for the totals.
    const conn = cs.map((l) => num(l, 'connected'));
    const secs = Math.min(...perProc.map((p) => p.length));
    const total = (k: string, i: number): number => perProc.reduce((a, p) => a + num(p[i]!, k), 0);
    const connectedBySecond = Array.from({ length: secs }, (_, i) => total('connected', i));
    const cpuBySecond = Array.from({ length: secs }, (_, i) => total('cpu_pct', i));
    const gc = heapLine.gc === true;
    return {
      system: 'colyseus',
      version: colyseusVersion(),
      clients: o.clients,
      entities: o.entities,
      send_hz: o.sendHz,
      host_cpu_pct: round(mean(hs.map((l) => num(l, 'cpu_pct')))),
      tick_p50_ms: round(mean(hs.map((l) => num(l, 'tick_p50_ms')))),
      tick_p99_ms: Math.max(...hs.map((l) => num(l, 'tick_p99_ms'))),
      skipped_ticks: before ? Math.max(0, num(hs.at(-1)!, 'skipped_total') - num(before, 'skipped_total')) : null,
      snapshots_per_client_s_min: Math.min(...cs.map((l) => num(l, 'patches_per_client_s_min'))),
      snapshots_per_client_s_mean: round(
        cs.reduce((a, l) => a + num(l, 'patches_per_client_s_mean') * num(l, 'connected'), 0) / Math.max(1, conn.reduce((a, b) => a + b, 0)),
      ),
      delivery_p99_ms: Math.max(...cs.map((l) => num(l, 'latency_p99_ms'))),
      bytes_per_client_s: Math.round(
        cs.reduce((a, l) => a + num(l, 'bytes_per_client_s_mean') * num(l, 'connected'), 0) /
          Math.max(1, conn.reduce((a, b) => a + b, 0)),
      ),
      host_rss_mb: Math.max(...hs.map((l) => num(l, 'rss_mb'))),
      heap_per_client_kb: gc ? round(((heapN - heap0) * 1024) / o.clients) : null,
      patch_p99_ms: Math.max(...hs.map((l) => num(l, 'patch_p99_ms'))),
      delivery_p50_ms: round(mean(cs.map((l) => num(l, 'latency_p50_ms')))),
      connected_min: Math.min(...connectedBySecond),
      client_cpu_pct: round(mean(cpuBySecond)),
      pinned: pinLabel(o.pin ?? null),
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: v } = parseArgs({
    options: {
      clients: { type: 'string', default: '50' },
      entities: { type: 'string', default: '1000' },
      'send-hz': { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      measure: { type: 'string', default: '10' },
      port: { type: 'string', default: '29170' },
      'client-processes': { type: 'string' },
      decode: { type: 'string', default: 'sampled' },
    },
  });
  const sendHz = Number(v['send-hz']);
  if (sendHz !== 20 && sendHz !== 60) throw new Error('--send-hz must be 20 or 60');
  const cp = v['client-processes'];
  const result = await runColyseus({
    clients: Number(v.clients), entities: Number(v.entities), sendHz, warmupS: Number(v.warmup),
    measureS: Number(v.measure), port: Number(v.port), ...(cp ? { clientProcesses: Number(cp) } : {}),
    decode: v.decode === 'all' ? 'all' : 'sampled',
  });
  process.stdout.write(JSON.stringify(result) + '\n');
}
