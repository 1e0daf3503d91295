// The I/O floor of a same-work point: what any Node host of that load pays before it simulates
// or encodes anything. One process on one event loop (no worker), Node's own sockets: it reads
// N clients' inputs (20 a second each, 24 bytes, spread over the second as the lanparty swarm
// sends them) and, from a 60 Hz timer, writes every client a snapshot of S bytes at the send rate
// (S: the lanparty row's bytes per snapshot, measured just before). Nothing else. Its CPU over
// Colyseus's (`floor/colyseus`) is the least a host CPU ratio could be on this machine: the
// reads, the writes (with loopback's receive side, which the kernel runs in the sender) and the
// wake-ups of one timer, without any of the work.
//
// Its reads are the cheapest Node has, the ones lanparty's host makes (net-reads.ts: the kernel
// reads into one reused buffer, no Buffer or stream event per read): a floor with Node's usual
// 'data' events would cost more than the least a host can pay (400 clients x 20 inputs/s, five
// pairs: 5 to 12 ms/s more in four, its user time higher in all five). `reads` in the row says
// which it used ('stream' on a Node without them). Its writes are Node's usual socket.write: a
// write on the socket handle itself, without the stream machinery, measured no cheaper (the
// kernel's send is ~80 % of a write's cost on loopback).
//
//   node floor.js host --clients N --bytes S --send-hz H --warmup W --measure M
//     prints {"type":"ready","port"}, then {"type":"result","host_cpu_pct","reads_s","writes_s","reads"}
//     once every client has connected and W + M seconds have passed
//   node floor.js clients --port P --clients N
//     prints {"type":"ready"} once connected
// Both exit when their stdin closes (children.ts: the harness died or is done).

import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { directReads } from '../../src/net/server/net-reads.js';
import { sleep, spawnChild } from './children.js';
import { pinLabel, type Pinning } from './pin.js';

const INPUT_HZ = 20;
const INPUT_BYTES = 24;
const SLICE_MS = 10;
const SIM_HZ = 60;

const out = (m: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(m)}\n`);

function host(clients: number, bytes: number, sendHz: number, warmupS: number, measureS: number): void {
  const socks: Socket[] = [];
  const frame = Buffer.alloc(bytes + 4, 7);
  frame.writeUInt32LE(bytes, 0);
  let reads = 0;
  let writes = 0;
  let direct = true;
  const onRead = () => void reads++;
  const server = createServer({ noDelay: true }, (s) => {
    socks.push(s);
    if (!directReads(s, onRead)) {
      direct = false;
      s.on('data', onRead);
    }
    s.on('error', () => {});
    if (socks.length === clients) void measure();
  });
  server.listen(0, '127.0.0.1', () => out({ type: 'ready', port: (server.address() as { port: number }).port }));
  // ticks paced on the clock (a timer of 1000 / 60 ms fires every 16 ms: 62.5 a second)
  let tick = 0;
  const every = SIM_HZ / sendHz;
  const t0 = performance.now();
  setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * SIM_HZ) / 1000);
    let send = false;
    for (; tick < due; tick++) if ((tick + 1) % every === 0) send = true;
    if (!send) return;
    for (const s of socks) {
      s.write(frame);
      writes++;
    }
  }, 1000 / SIM_HZ);
  const measure = async () => {
    await sleep(warmupS * 1000);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const [r0, w0] = [reads, writes];
    await sleep(measureS * 1000);
    const c = process.cpuUsage(c0);
    const s = (performance.now() - t0) / 1000;
    out({ type: 'result', host_cpu_pct: Math.round((c.user + c.system) / 1e3 / s) / 10, reads_s: Math.round((reads - r0) / s), writes_s: Math.round((writes - w0) / s), reads: direct ? 'direct' : 'stream' });
  };
}

async function clients(port: number, n: number): Promise<void> {
  const socks: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    s.on('data', () => {});
    s.on('error', () => {});
    socks.push(s);
    await new Promise((r) => s.once('connect', r));
  }
  out({ type: 'ready' });
  const input = Buffer.alloc(INPUT_BYTES, 1);
  const slices = Math.round(1000 / INPUT_HZ / SLICE_MS);
  let slice = 0;
  setInterval(() => {
    for (let i = slice; i < n; i += slices) socks[i]!.write(input);
    slice = (slice + 1) % slices;
  }, SLICE_MS);
}

export interface FloorRow {
  system: 'floor';
  transport: 'tcp';
  clients: number;
  entities: number;
  send_hz: number;
  interest: 'off';
  pinned: string;
  host_cpu_pct: number;
  snapshot_bytes: number;
  reads_s: number;
  writes_s: number;
  /** How it read: 'direct' (into one reused buffer, as lanparty's host reads), or 'stream' ('data' events). */
  reads: 'direct' | 'stream';
}

/**
 * One floor run: the host process pinned as the hosts are, one client process as the clients.
 * `script` is this file compiled (the default: this module, when it runs from dist/).
 */
export async function runFloor(
  o: { clients: number; entities: number; sendHz: 20 | 60; bytes: number; warmupS: number; measureS: number; pin: Pinning | null },
  script = fileURLToPath(import.meta.url),
): Promise<FloorRow> {
  const env = { ...process.env };
  const h = spawnChild('floor-host', [script, 'host', '--clients', String(o.clients), '--bytes', String(o.bytes), '--send-hz', String(o.sendHz), '--warmup', String(o.warmupS), '--measure', String(o.measureS)], env, o.pin?.host);
  const children = [h];
  try {
    const { port } = (await h.waitFor((m) => m.type === 'ready', 10_000, 'the floor host to listen')) as unknown as { port: number };
    const c = spawnChild('floor-clients', [script, 'clients', '--port', String(port), '--clients', String(o.clients)], env, o.pin?.clients);
    children.push(c);
    await c.waitFor((m) => m.type === 'ready', 30_000, 'the floor clients to connect');
    const r = (await h.waitFor((m) => m.type === 'result', (o.warmupS + o.measureS + 30) * 1000, 'the floor figures')) as unknown as { host_cpu_pct: number; reads_s: number; writes_s: number; reads: 'direct' | 'stream' };
    return { system: 'floor', transport: 'tcp', clients: o.clients, entities: o.entities, send_hz: o.sendHz, interest: 'off', pinned: pinLabel(o.pin), host_cpu_pct: r.host_cpu_pct, snapshot_bytes: o.bytes, reads_s: r.reads_s, writes_s: r.writes_s, reads: r.reads };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, values: a } = parseArgs({
    allowPositionals: true,
    options: { clients: { type: 'string' }, bytes: { type: 'string' }, 'send-hz': { type: 'string' }, warmup: { type: 'string' }, measure: { type: 'string' }, port: { type: 'string' } },
  });
  // the harness closes our stdin when it is done with us, or dies
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
  if (positionals[0] === 'host') host(Number(a.clients), Number(a.bytes), Number(a['send-hz']), Number(a.warmup), Number(a.measure));
  else void clients(Number(a.port), Number(a.clients));
}
