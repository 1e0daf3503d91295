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
import { runLanparty } from '../load/lanparty.js';
import { pinLabel, pinning } from '../load/pin.js';
import { quantile, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const CLIENTS = 50;
const LATENCY = 20;
const JITTER = 10;
const LOSS = 0.05;
const DURATION_S = 10;
const IP = '127.0.0.1';
const TICK_MS = 1000 / 60;
/** The host-CPU rows: no loss, no simulator, N clients and E drones, as the load bench runs them. */
const CPU_CLIENTS = 200;
const CPU_ENTITIES = 1000;

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
    `The rows with \`entities\`: host CPU without loss or simulator, ${CPU_CLIENTS} clients, ${CPU_ENTITIES} drones, 60 Hz, interest on, ` +
      'run by the load bench\'s harness (bench/load/lanparty.ts: a host process and client processes that decode ' +
      'only ~10 sampled clients), TCP then UDP in one sitting, the host pinned to one CPU and the clients to the other ' +
      '(`pinned`). `host_ms_per_client_s`: host CPU ms per second per client; `host_cpu_vs_tcp`: the UDP host\'s CPU over ' +
      'the TCP host\'s. Target: UDP <= TCP. `delivery_p99_ms` there is tick publish to receive in a sampled client. ' +
      'A `busiest client process ELU` near 1 means the client process could not keep up: the row then describes ' +
      'clients falling behind (a TCP host skips them, a UDP host sends on), not a comparison of the transports.',
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
    { key: 'entities', label: 'entities' },
    { key: 'host_cpu_pct', label: 'host CPU %' },
    { key: 'host_ms_per_client_s', label: 'host CPU ms/s per client' },
    { key: 'host_cpu_vs_tcp', label: 'host CPU vs TCP' },
    { key: 'client_elu_max', label: 'busiest client process ELU' },
    { key: 'pinned', label: 'pinned' },
  ],
  targets: [
    { label: 'UDP delivery p99 <= 1.5 x latency + 1 tick', where: { match: { transport: 'udp', loss: LOSS } }, metric: 'delivery_p99_ms', max: round(1.5 * LATENCY + TICK_MS, 1) },
    { label: 'UDP: every client >= 55 snapshots/s', where: { match: { transport: 'udp', loss: LOSS } }, metric: 'min_snapshots_s', min: 55 },
    { label: `UDP host CPU per client <= TCP's (N = ${CPU_CLIENTS}, E = ${CPU_ENTITIES}, no loss)`, where: { match: { transport: 'udp', entities: CPU_ENTITIES } }, metric: 'host_cpu_vs_tcp', max: 1 },
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

/** Host CPU per client without loss: the load bench's host and client processes, pinned. */
async function measureCpu(transport: 'udp' | 'tcp'): Promise<Row> {
  const pin = pinning();
  const r = await runLanparty({ clients: CPU_CLIENTS, entities: CPU_ENTITIES, sendHz: 60, interest: true, warmupS: 3, measureS: 10, pin, transport, log: (l) => console.log(l) });
  const hostCpu = r.host_cpu_pct as number;
  return {
    transport,
    loss: 0,
    latency_ms: 0,
    clients: CPU_CLIENTS,
    entities: CPU_ENTITIES,
    delivery_p50_ms: r.delivery_p50_ms as number,
    delivery_p99_ms: r.delivery_p99_ms as number,
    min_snapshots_s: r.snapshots_per_client_s_min as number,
    mean_snapshots_s: r.snapshots_per_client_s_mean as number,
    host_cpu_pct: hostCpu,
    host_ms_per_client_s: round((hostCpu * 10) / CPU_CLIENTS, 3),
    // 1: the client process was saturated, and the host's figures describe a host whose
    // clients fall behind (TCP then skips them, UDP sends on), not the target's conditions
    client_elu_max: r.swarm_elu_max as number,
    pinned: pinLabel(pin),
  };
}

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const t of ['udp', 'tcp'] as const) {
    console.log(`udp: ${t} at ${LOSS * 100} % loss ...`);
    rows.push(await measure(t));
  }
  const cpu: Row[] = [];
  for (const t of ['tcp', 'udp'] as const) {
    console.log(`udp: host CPU over ${t}, ${CPU_CLIENTS} clients, ${CPU_ENTITIES} entities ...`);
    // a run the machine cannot carry (clients that cannot join, a starved client process) is
    // a row without figures ("no result"), not the loss of the lossy rows measured before it
    cpu.push(
      await measureCpu(t).catch((e: Error) => {
        console.log(`udp: host CPU over ${t} not measured: ${e.message}`);
        return { transport: t, loss: 0, latency_ms: 0, clients: CPU_CLIENTS, entities: CPU_ENTITIES, pinned: pinLabel(pinning()) } as Row;
      }),
    );
  }
  const [tcp, udp] = cpu as [Row, Row];
  if (typeof udp.host_cpu_pct === 'number' && typeof tcp.host_cpu_pct === 'number') udp.host_cpu_vs_tcp = round(udp.host_cpu_pct / tcp.host_cpu_pct, 2);
  return { rows: [...rows, ...cpu] };
}
