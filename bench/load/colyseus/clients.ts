// A client process of the Colyseus load benchmark:
//   node dist/bench/load/colyseus/clients.js --port P --clients K --seconds S [--first I]
//     [--decode-every S] [--exit-with-stdin]
// Joins K @colyseus/sdk clients to the room on 127.0.0.1:P, sends each one's direction byte at
// 20 Hz, prints {"type":"ready","clients":K} once all have joined, then one {"type":"clients",...}
// line per second, and leaves after S seconds or on SIGTERM. `--first` numbers this process's
// clients after those of the processes before it, so every client walks its own pattern.
// --exit-with-stdin: also leave when stdin closes (the driver died).
//
// Only clients whose global index is a multiple of S decode (default 1: all): the SDK's schema
// decoder costs about 1 ms per 1000-entity patch, so N=200 at 60 Hz would need ~12 cores of
// decoding on the machine the host runs on, and the clients, not the host, would be measured
// (index.ts samples ~10 in all, as bench/load/swarm.ts does). The others are the same SDK clients
// (same join handshake, same socket, same inputs) whose frames are counted, not decoded: their
// room's onmessage is replaced once joined. The host does exactly the same work for both kinds.
//
// What is measured, per second:
// - patches: ROOM_STATE_PATCH frames received (first byte & 0x1f), per client;
// - bytes: payload sizes of the websocket messages, from a 'message' listener added next to the
//   SDK's own onmessage on the transport's socket (room.connection.transport.ws) — framing and
//   TCP overhead excluded, every server→client message (patches and anything else) included;
// - latency (decoding clients): time when onStateChange runs (decode included) minus the state's
//   `t`, the server's performance.timeOrigin + performance.now() just before encoding that patch
//   (same machine, so both clocks agree).
import { parseArgs } from 'node:util';
import { Client, Protocol, type Room } from '@colyseus/sdk';
import { percentile } from '../../../src/workers/percentile.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    clients: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
    first: { type: 'string', default: '0' },
    'decode-every': { type: 'string', default: '1' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('clients: --port is required');
const count = Number(values.clients);
const first = Number(values.first);
const seconds = Number(values.seconds);
const decodeEvery = Math.max(1, Number(values['decode-every']));

const INPUT_HZ = 20;
const JOIN_BATCH = 25; // concurrent joins: enough to be quick, few enough not to time out seats

const out = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
const round = (v: number): number => Math.round(v * 1000) / 1000;
const now = (): number => performance.timeOrigin + performance.now();

interface Conn {
  room: Room;
  index: number;
  open: boolean;
  patches: number;
  bytes: number;
}
interface Socket {
  addEventListener(type: 'message', cb: (ev: { data: ArrayBuffer | string }) => void): void;
}

let latencies: number[] = [];
const conns: Conn[] = [];
const sdk = new Client(`http://127.0.0.1:${port}`);

async function join(index: number, decode: boolean): Promise<Conn> {
  const room = await sdk.join('bench');
  const c: Conn = { room, index, open: true, patches: 0, bytes: 0 };
  const ws = (room.connection.transport as unknown as { ws: Socket }).ws;
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') return void (c.bytes += Buffer.byteLength(ev.data));
    c.bytes += ev.data.byteLength;
    if (ev.data.byteLength > 0 && (new Uint8Array(ev.data, 0, 1)[0]! & 0x1f) === Protocol.ROOM_STATE_PATCH) c.patches++;
  });
  if (decode) {
    room.onStateChange((state: { t?: number }) => {
      if (state.t) latencies.push(now() - state.t);
    });
  } else {
    room.connection.events.onmessage = () => {};
  }
  room.onLeave(() => void (c.open = false));
  return c;
}

for (let i = 0; i < count; i += JOIN_BATCH) {
  const batch: Promise<Conn>[] = [];
  for (let j = i; j < Math.min(count, i + JOIN_BATCH); j++) batch.push(join(first + j, (first + j) % decodeEvery === 0));
  conns.push(...(await Promise.all(batch)));
}
out({ type: 'ready', clients: count });

// One timer sends every client's input: a direction 1..8 that turns every second, offset by the
// client's index so the players spread out.
const startedAt = performance.now();
const inputTimer = setInterval(() => {
  const sec = Math.floor((performance.now() - startedAt) / 1000);
  for (const c of conns) if (c.open) c.room.send('input', 1 + ((c.index + sec) % 8));
}, 1000 / INPUT_HZ);

let lastWall = performance.now();
let lastCpu = process.cpuUsage();
for (const c of conns) c.patches = c.bytes = 0;
latencies = [];
const statsTimer = setInterval(() => {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const s = (wall - lastWall) / 1000;
  let connected = 0, min = Infinity, sumPatches = 0, sumBytes = 0;
  for (const c of conns) {
    if (c.open) {
      connected++;
      min = Math.min(min, c.patches / s);
      sumPatches += c.patches / s;
      sumBytes += c.bytes / s;
    }
    c.patches = c.bytes = 0;
  }
  const lat = latencies.sort((a, b) => a - b);
  out({
    type: 'clients',
    t: Date.now(),
    connected,
    patches_per_client_s_min: connected ? round(min) : 0,
    patches_per_client_s_mean: connected ? round(sumPatches / connected) : 0,
    bytes_per_client_s_mean: connected ? Math.round(sumBytes / connected) : 0,
    latency_p50_ms: round(percentile(lat, 0.5)),
    latency_p99_ms: round(percentile(lat, 0.99)),
    cpu_pct: round(((cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000 / (wall - lastWall)) * 100),
  });
  latencies = [];
  lastWall = wall;
  lastCpu = cpu;
}, 1000);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(inputTimer);
  clearInterval(statsTimer);
  // Consented leaves, but never wait long: the driver SIGKILLs 3 s after SIGTERM.
  const left = Promise.allSettled(conns.filter((c) => c.open).map((c) => c.room.leave()));
  await Promise.race([left, new Promise((r) => setTimeout(r, 1000))]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
if (values['exit-with-stdin']) process.stdin.on('end', () => void stop()).resume();
setTimeout(() => void stop(), seconds * 1000);
