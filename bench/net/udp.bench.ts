// The udp suite: snapshots over a lossy, jittery link, UDP mode against TCP mode, on the same
// simulator (src/net/netsim/relays.ts) in real time.
//
// A shooter host (sim worker + network thread) on 127.0.0.1 in this process; CLIENTS
// LanpartyClients connect through a relay that applies LATENCY +- JITTER ms and LOSS to every
// datagram each way (UDP), or to every TCP chunk the way TCP suffers it (a lost segment comes
// again after 200 ms, everything behind it waits). For DURATION_S seconds: snapshots decoded
// per client per second (the slowest client), and the delivery time of each snapshot through
// the relay, host -> client: UDP, from its first fragment entering the relay until the last
// fragment it needed left it (snapshots never completed are not delivered); TCP, from the
// chunk ending the frame entering the relay until it left. p99 over every snapshot of every
// client.
//
// Hermetic: loopback only. Noisy when the machine is shared.

import { Button } from '../../src/engine/games/shooter/schema.js';
import { LanpartyClient } from '../../src/net/client/client.js';
import { TcpRelay, UdpRelay } from '../../src/net/netsim/index.js';
import { HEADER_BYTES, UdpType } from '../../src/net/protocol/udp.js';
import { HostServer } from '../../src/net/server/host-server.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { quantile, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const CLIENTS = 50;
const LATENCY = 20;
const JITTER = 10;
const LOSS = 0.05;
const DURATION_S = 10;
const IP = '127.0.0.1';
const TICK_MS = 1000 / 60;

export const info: SuiteInfo = {
  name: 'udp',
  title: `UDP mode against TCP mode at ${LOSS * 100} % loss, ${LATENCY} ± ${JITTER} ms, ${CLIENTS} clients, 60 Hz`,
  description: [
    `A shooter host on loopback and ${CLIENTS} clients in the bench process, connected through a relay that ` +
      `applies ${LATENCY} ± ${JITTER} ms one way and ${LOSS * 100} % loss (src/net/netsim/relays.ts), for ${DURATION_S} s. ` +
      'UDP: every datagram goes through the simulator. TCP: the same latency and jitter per chunk, and a lost ' +
      "segment delays its chunk and everything behind it by Linux's 200 ms minimum retransmission timeout.",
    '`delivery_p99_ms`: host-to-client time through the relay per snapshot (UDP: its first datagram in, the ' +
      'datagram completing it out (its last fragment, or a PAIR carrying a copy of it when its own was lost); TCP: the chunk ending the frame in, out). `min_snapshots_s`: the slowest ' +
      'client\'s snapshots decoded per second. Target: UDP delivery p99 <= 1.5 x latency + one tick, every ' +
      'client >= 55 snapshots/s.',
    'The other target of this transport, host CPU per client over UDP <= TCP\'s without loss (N = 200, E = 1,000, 60 Hz), is measured ' +
      'by the load suite (`npm run bench -- load`; only those rows: `LOAD_CONFIGS=200x1000@60 LOAD_SYSTEMS=lanparty`): its `udp/tcp` row.',
  ],
  columns: [
    { key: 'transport', label: 'transport' },
    { key: 'loss', label: 'loss' },
    { key: 'latency_ms', label: 'latency ms' },
    { key: 'clients', label: 'clients' },
    { key: 'delivery_p50_ms', label: 'delivery p50 ms' },
    { key: 'delivery_p99_ms', label: 'delivery p99 ms' },
    { key: 'min_snapshots_s', label: 'min snapshots/s' },
    { key: 'mean_snapshots_s', label: 'mean snapshots/s' },
    { key: 'rate_lowered', label: 'rate steps down' },
  ],
  targets: [
    { label: 'UDP delivery p99 <= 1.5 x latency + 1 tick', where: { match: { transport: 'udp', loss: LOSS } }, metric: 'delivery_p99_ms', max: round(1.5 * LATENCY + TICK_MS, 1) },
    { label: 'UDP: every client >= 55 snapshots/s', where: { match: { transport: 'udp', loss: LOSS } }, metric: 'min_snapshots_s', min: 55 },
  ],
};

/**
 * Snapshot delivery times seen at the relay, UDP: per client and snapshot number, from the
 * first datagram of a snapshot entering the relay (`entered`, lost ones too) until the
 * datagram that completed it left (`left`): its last FRAGMENT, or a PAIR carrying it or a
 * copy of it.
 */
function udpObserver(delivery: number[]) {
  const firstIn = new Map<string, number>();
  const sets = new Map<string, Set<number>>();
  const done = (key: string, leftAt: number) => {
    const at = firstIn.get(key);
    if (at === undefined) return;
    delivery.push(leftAt - at);
    firstIn.delete(key);
    sets.delete(key);
  };
  const entered = (toClient: boolean, client: string, b: Buffer, enteredAt: number) => {
    if (!toClient || (b[5] !== UdpType.FRAGMENT && b[5] !== UdpType.PAIR)) return;
    const key = `${client}/${b.readUInt32LE(HEADER_BYTES)}`;
    if (!firstIn.has(key)) firstIn.set(key, enteredAt);
  };
  const left = (toClient: boolean, client: string, b: Buffer, _enteredAt: number, leftAt: number) => {
    if (!toClient || (b[5] !== UdpType.FRAGMENT && b[5] !== UdpType.PAIR)) return;
    const no = b.readUInt32LE(HEADER_BYTES);
    if (b[5] === UdpType.PAIR) {
      done(`${client}/${no - 1}`, leftAt);
      return done(`${client}/${no}`, leftAt);
    }
    const key = `${client}/${no}`;
    let got = sets.get(key);
    if (!got) sets.set(key, (got = new Set()));
    got.add(b[HEADER_BYTES + 4]!);
    if (got.size === b[HEADER_BYTES + 5]!) done(key, leftAt);
  };
  return { entered, left };
}

/** TCP: frames (after the 5-byte preamble) host -> client, timed by the chunk that ends each. */
function tcpObserver(delivery: number[]) {
  const streams = new Map<string, { skip: number; need: number; head: Buffer }>();
  return (toClient: boolean, client: string, b: Buffer, enteredAt: number, leftAt: number) => {
    if (!toClient) return;
    let st = streams.get(client);
    if (!st) streams.set(client, (st = { skip: 5, need: 0, head: Buffer.alloc(0) }));
    let at = 0;
    while (at < b.length) {
      if (st.skip > 0) {
        const n = Math.min(st.skip, b.length - at);
        st.skip -= n;
        at += n;
        if (st.skip === 0 && st.need > 0) {
          st.need = 0;
          delivery.push(leftAt - enteredAt);
        }
        continue;
      }
      // read a 4-byte length (possibly split over chunks), then skip the payload
      const n = Math.min(4 - st.head.length, b.length - at);
      st.head = Buffer.concat([st.head, b.subarray(at, at + n)]);
      at += n;
      if (st.head.length === 4) {
        st.skip = st.head.readUInt32LE(0);
        st.need = 1;
        st.head = Buffer.alloc(0);
        if (st.skip === 0) delivery.push(leftAt - enteredAt);
      }
    }
  };
}

async function measure(transport: 'udp' | 'tcp'): Promise<Row> {
  const sim = await SimHost.start({ capacity: 2000, gameOptions: { maxPlayers: CLIENTS + 10 } });
  const host = await HostServer.start({ gameName: 'shooter', gameOptions: { maxPlayers: CLIENTS + 10 }, sim, bind: IP, port: 0 });
  const delivery: number[] = [];
  const conditions = { latencyMs: LATENCY, jitterMs: JITTER, loss: LOSS };
  const target = { host: IP, port: host.port };
  const udp = udpObserver(delivery);
  const relay = transport === 'udp' ? new UdpRelay(target, conditions, 42, udp.left, udp.entered) : new TcpRelay(target, conditions, 42, tcpObserver(delivery));
  const port = await relay.listen(IP);
  const clients: LanpartyClient[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await LanpartyClient.connect({ host: IP, port, transport, timeoutMs: 15_000 }));
    const counts = clients.map(() => 0);
    clients.forEach((c, i) => c.on('snapshot', () => counts[i]!++));
    const inputs = setInterval(() => {
      for (const c of clients) c.input(Button.RIGHT);
    }, TICK_MS);
    await new Promise((r) => setTimeout(r, 1000)); // settle
    counts.fill(0);
    delivery.length = 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, DURATION_S * 1000));
    const secs = (performance.now() - t0) / 1000;
    clearInterval(inputs);
    const perSec = counts.map((n) => n / secs);
    if (delivery.length === 0) throw new Error(`udp bench: no snapshot delivered over ${transport}`);
    return {
      transport,
      loss: LOSS,
      latency_ms: LATENCY,
      clients: CLIENTS,
      delivery_p50_ms: round(quantile(delivery, 0.5), 1),
      delivery_p99_ms: round(quantile(delivery, 0.99), 1),
      min_snapshots_s: round(Math.min(...perSec), 1),
      mean_snapshots_s: round(perSec.reduce((a, b) => a + b, 0) / perSec.length, 1),
      rate_lowered: host.stats().rates.lowered,
    };
  } finally {
    for (const c of clients) c.close();
    relay.close();
    await host.stop();
    await sim.stop();
  }
}

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const t of ['udp', 'tcp'] as const) {
    console.log(`udp: ${t} at ${LOSS * 100} % loss ...`);
    rows.push(await measure(t));
  }
  return { rows };
}
