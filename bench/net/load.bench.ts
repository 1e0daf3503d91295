// The load suite: a lanparty host process and bot client processes over loopback, N clients
// and E moving non-player entities (shooter drones), 60 Hz; same-work rows against Colyseus
// (bench/load/colyseus/, built apart: when it is missing, its rows are skipped with a message
// and the lanparty rows still run); and the idle host. Where `taskset` works, the host runs
// on CPU 0 and every client process on CPU 1 (bench/load/pin.ts), for both systems.
//
// Environment, for quick runs:
//   LOAD_WARMUP_S   warm-up before measuring (default 15: see run())
//   LOAD_MEASURE_S  measured window (default 10)
//   LOAD_IDLE_WARMUP_S  warm-up of the idle row (default LOAD_WARMUP_S)
//   LOAD_CONFIGS    only these points: "NxE" (e.g. "50x1000,200x1000"), "NxE@H" (also the send
//                   rate), "idle" (the host with no clients)
//   LOAD_SYSTEMS    only these systems, e.g. "lanparty" (or "lanparty,floor": the floor takes its
//                   snapshot size from the lanparty row of its point)
//   LOAD_TRANSPORTS only lanparty rows whose clients use these transports: "tcp", "ws" (the
//                   WebSocket row), "udp" (UDP runs only at the points of UDP_POINTS); e.g. LOAD_CONFIGS=200x1000@60 LOAD_INTEREST=off
//                   LOAD_SYSTEMS=lanparty runs the TCP and WebSocket rows of the ws/tcp ratio
//   LOAD_INTEREST   only the rows with interest "on" or "off"
//                   (with any of these four, the rows go to bench/results/subset/load.json,
//                   and bench/results/load.json and docs/benchmarks.md stay as they were)
//   LOAD_BUDGET     bytes per second per client for the interest-on rows (HostServer
//                   budgetBytesPerSec; default 30720, the 30 KB/s target; 0: no budget)
//   LOAD_CLIENTS_PER_PROCESS  clients per client process (default 250)
//   LOAD_CLIENT_DECODE  "sampled" (default: only the ~10 timed clients decode, the others ack
//                   without decoding) or "all" (see bench/load/swarm.ts)
//   LOAD_SAMPLED_CLIENTS  about how many clients decode and time snapshots (default 10; fewer
//                   leave the client processes more headroom when they are the limit)
//   LOAD_PIN        0: do not pin processes to CPUs
//   LOAD_HOST_NODE_FLAGS, LOAD_SWARM_NODE_FLAGS  extra node flags for the host / client
//                   processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   LOAD_VERBOSE    1: a line per second per process
//   LOAD_ROUNDS     run the same-work points this many times, taking turns, and report each
//                   figure from the median run and each ratio as the median of the rounds'
//                   (default 1; bench/load/rounds.ts)
//
// Hermetic: the host binds 127.0.0.1; clients connect to it from loopback addresses only
// (127.0.0.1, and 127.0.0.2-251 for the WebSocket clients: see bench/load/swarm.ts).

import { createServer } from 'node:net';
import { chartSvg, type Series } from '../chart.js';
import { explainLoad, FLOOR_RATIO, LOAD_LEGACY_CELLS, RATIO_SYSTEM, TRANSPORT_RATIO, WS_RATIO_SYSTEM } from '../load/explain.js';
import { runFloor } from '../load/floor.js';
import { runLanparty } from '../load/lanparty.js';
import { pinLabel, pinning, type Pinning } from '../load/pin.js';
import { schedule, summarize } from '../load/rounds.js';
import { envSubset } from '../results-io.js';
import type { Row, SuiteInfo, SuiteResult, Target } from '../types.js';

const TARGET_N = 1000;
const TARGET_E = 10_000;
const BIG = { system: 'lanparty', transport: 'tcp', clients: TARGET_N, entities: TARGET_E, send_hz: 60, interest: 'on' };
const IDLE = { system: 'lanparty', clients: 0 };
/** Same work as Colyseus 0.18 (interest off): [clients, entities, send Hz]. */
const SAME_WORK: Array<[number, number, 20 | 60]> = [
  [50, 500, 20],
  [200, 1000, 20],
  [400, 1000, 20],
  [100, 500, 60],
  [200, 1000, 60],
];
/**
 * The WebSocket row (issue 14): the same-work configuration measured with WebSocket clients
 * too, right after its TCP row: [clients, entities, send Hz], interest off.
 */
const WS_WORK: [number, number, 20 | 60] = [200, 1000, 60];
/** WebSocket host CPU at most this times the TCP host's, same load. */
const WS_CPU_MAX = 1.25;
/**
 * "Same bytes": WebSocket bytes per client, per snapshot received, within this fraction of
 * TCP's. Both count every byte on the wire: TCP a 4-byte length prefix per message, WebSocket
 * its 2/4/10-byte header (4 for messages of 126 bytes to 64 KiB, as the snapshots here are);
 * so framing alone differs by under 0.1 %, and the rest is the run-to-run spread of delta
 * sizes (which players moved, which ticks were acked), under 1 % in our runs. Per snapshot,
 * because bytes per second also move with the snapshots a loaded machine's clients miss (a
 * client at 96 % of the send rate receives 4 % fewer bytes for the same payloads): that is
 * the rate target's business.
 */
const WS_BYTES_TOLERANCE = 0.02;

/**
 * Points where lanparty also runs over UDP, right after its TCP row (same sitting), for the
 * issue-12 target: without loss, host CPU per client over UDP <= TCP's.
 */
const UDP_POINTS: Array<[number, number, 20 | 60]> = [[200, 1000, 60]];
/** Clients per client process over UDP (at most; LOAD_CLIENTS_PER_PROCESS lowers it). */
const UDP_CLIENTS_PER_PROCESS = 100;
/** The idle row runs the host as `lanparty host` starts it: the CLI's default capacity, no drones. */
const IDLE_CAPACITY = 100_000;

const n = (v: number) => v.toLocaleString('en-US');

function sameWorkTargets(): Target[] {
  return SAME_WORK.flatMap(([clients, entities, hz]) => {
    const at = `${clients} x ${n(entities)} x ${hz} Hz`;
    const ratio = { system: RATIO_SYSTEM, clients, entities, send_hz: hz, interest: 'off' };
    return [
      { label: `same work ${at}: host CPU <= 0.5 x Colyseus`, where: { match: ratio }, metric: 'cpu_ratio', max: 0.5 },
      { label: `same work ${at}: bytes per client <= 0.5 x Colyseus`, where: { match: ratio }, metric: 'bytes_ratio', max: 0.5 },
      { label: `same work ${at}: every lanparty client >= 97 % of the send rate`, where: { match: { ...ratio, system: 'lanparty', transport: 'tcp' } }, metric: 'rate_pct', min: 97 },
    ];
  });
}

function wsTargets(): Target[] {
  const [clients, entities, hz] = WS_WORK;
  const at = `${clients} x ${n(entities)} x ${hz} Hz`;
  const ratio = { system: WS_RATIO_SYSTEM, clients, entities, send_hz: hz, interest: 'off' };
  const pct = Math.round(WS_BYTES_TOLERANCE * 100);
  return [
    { label: `WebSocket ${at}: host CPU <= ${WS_CPU_MAX} x TCP`, where: { match: ratio }, metric: 'cpu_ratio', max: WS_CPU_MAX },
    { label: `WebSocket ${at}: same bytes per client as TCP, per snapshot received (within ${pct} %)`, where: { match: ratio }, metric: 'snapshot_bytes_ratio', min: 1 - WS_BYTES_TOLERANCE, max: 1 + WS_BYTES_TOLERANCE },
    { label: `WebSocket ${at}: every WebSocket client >= 97 % of the send rate`, where: { match: { system: 'lanparty', transport: 'ws', clients, entities, send_hz: hz, interest: 'off' } }, metric: 'rate_pct', min: 97 },
  ];
}

function udpTargets(): Target[] {
  return UDP_POINTS.map(([clients, entities, hz]) => ({
    label: `UDP ${clients} x ${n(entities)} x ${hz} Hz, interest off, no loss: host CPU per client <= TCP's (same sitting, both >= 97 % received)`,
    where: { match: { system: TRANSPORT_RATIO, clients, entities, send_hz: hz, interest: 'off' } },
    metric: 'cpu_ratio',
    max: 1,
  }));
}

export const info: SuiteInfo = {
  name: 'load',
  title: 'host under load (N clients, E moving entities, loopback)',
  description: [
    'One host process and ceil(N / 250) client processes on 127.0.0.1. The host runs the shooter with E drones ' +
      '(non-player entities bouncing around a 1000 x 1000 world) and N players; each client is a real lanparty client ' +
      '(own TCP connection, msgpack, implicit acks as the reference client asks: it sends no acks, the host takes every snapshot it writes as received) sending a movement input at 20 Hz, a random walk over ' +
      'the arrow keys, never firing (no lasers, the match stays in the lobby), so the host\'s work is the simulation and ' +
      'sending state. About 10 sampled clients decode every snapshot; the others count the ticks they receive ' +
      'without decoding them, and acknowledge them where a decoding client would (over UDP: the first snapshot of each 3-tick window, repeated on inputs) (`LOAD_CLIENT_DECODE=all` ' +
      'makes every client decode): the host sees the same messages and sends the same ' +
      'bytes, but decoding for hundreds of clients would saturate the client processes on a small machine long before ' +
      'the host. `interest` on: each client gets the entities near its player (HostServer `interest`) within a byte ' +
      'budget of 30 KB/s (LOAD_BUDGET, bytes per second; 0: none), nearer and busier cells first; off: everyone ' +
      'gets the whole world, as Colyseus does. Warm-up 15 s, then a 10 s window (LOAD_WARMUP_S, LOAD_MEASURE_S): for ' +
      'the first 10-15 s V8\'s optimizing compiler is still at work on each thread (about 14 ms/s of helper-thread CPU ' +
      'on a lanparty host in seconds 5-15, 2 ms/s after), and V8 compacts every thread\'s heap once or twice about 8-10 s ' +
      'after start: start-up costs, not a host\'s steady cost, for either system. ' +
      '`pinned`: where `taskset` works, the host process runs on CPU 0 and every client process on CPU 1, for lanparty and ' +
      'Colyseus alike (LOAD_PIN=0: not pinned), so that on a small machine the host has a core of its own and a CPU ratio ' +
      'compares hosts. The idle row (N = 0) is the host as `lanparty host` starts it (capacity 100,000, no drones) with no client at all, ' +
      'and without the bench\'s own sampling: it prints its figures only when asked, at the two edges of the window, and runs no publish ' +
      'watcher (sampled every second as in the other rows, its main thread used 10-20 ms/s more in our runs: the bench\'s work, not the host\'s).',
    '`host CPU %`: CPU time of the host process (every thread: main, sim worker, network thread; process.cpuUsage) minus the ' +
      'bench\'s own publish-watcher thread (its CPU measured by itself), 100 = one core. ' +
      '`clients CPU %`: the client processes together; `clients ELU`: event-loop utilization of the busiest client process (near 1: the ' +
      'clients, not the host, limit snapshots/s and delivery). `tick p50/p99`: the sim worker\'s tick time over its last 600 ticks at the ' +
      'end of the window (max of the per-line p99s for longer windows); `skipped`: ticks the loop gave up in the window. ' +
      '`snap/s min`: snapshots per second of the slowest client over the window; `rate %`: that as a percentage of the send rate. `delivery`: from the tick\'s ' +
      'publish (stamped by a watcher thread woken by the sim worker) to the decoded snapshot in a client (about 10 clients sampled), ' +
      '`performance.timeOrigin + now()` on both sides (same machine). `B/client/s`: bytes received per client per ' +
      'second. `heap KB/client`: host heapUsed (main thread + network thread, where the connections live) with N clients minus before any client, after a full GC, over the clients that joined.',
    'Same-work rows (interest off, at the configurations of the targets) run lanparty and Colyseus 0.18 on the same ' +
      'load, one after the other; the `lanparty/colyseus` rows give the ratios of host CPU and bytes per client per second (< 1: lanparty ' +
      'uses less). Next to them, `lanparty recv %` and `Colyseus recv %`: the snapshots (patches) each side\'s clients received per second, ' +
      'mean over the clients, as a percentage of the send rate; `same work` is yes when both are at least 97 %. When it is no, one side ' +
      '(its host or its client processes) delivered less than the load asked for, did less work than the other, and the CPU ratio does ' +
      'not compare the same work. With LOAD_ROUNDS=n the same-work points run n times, the systems of a point taking turns (lanparty ' +
      'tcp, ws, udp, Colyseus, then again), so that a slow minute of a shared machine falls on both sides: each row is then the point\'s ' +
      'median run by host CPU (`runs`; `host CPU % by run` in run order), and each ratio the median of the ratios taken within each ' +
      'round (`CPU ratio by run`). The `floor` rows (bench/load/floor.ts) are what any Node host of the same load pays before it simulates ' +
      'or encodes anything: one process, one event loop, Node\'s own sockets, reading the same inputs (20 a second per client, 24 bytes) the cheapest way ' +
      'Node can (into one reused buffer, as lanparty\'s host reads; `reads` in its results row says direct) and writing ' +
      'every client a snapshot of the lanparty row\'s size at the send rate from a 60 Hz timer, pinned as the hosts are. `floor/colyseus` is its CPU over ' +
      'Colyseus\'s: a lanparty/colyseus CPU ratio cannot go below it on the machine that measured it. On loopback every host also pays its clients\' ' +
      'TCP receive (the kernel runs it inside the sender\'s write), which a host on a real LAN does not: perf put it at 18 % of lanparty\'s network ' +
      'thread at 200 x 1,000 x 60 Hz (2026-12-07); Colyseus and the floor pay it too, per write. An unmet CPU ratio is explained with the floor, and ' +
      'with it plus the lanparty host\'s own sim and encode stages: what is left under the target for everything else (decoding and queuing the ' +
      'inputs, the write path above Node\'s send, the wake-ups), or that nothing is.',
    `The WebSocket row (transport \`ws\`, ${n(WS_WORK[0])} x ${n(WS_WORK[1])} x ${WS_WORK[2]} Hz, interest off) runs the same load right after its TCP row, ` +
      'with every client on a WebSocket to the host\'s game port (`/ws`, the `ws` package; docs/protocol.md "WebSocket mode": one binary message per ' +
      'msgpack payload), as the web page connects; the ack-only and decoding clients are the TCP row\'s own code over another socket ' +
      '(src/net/client/ws-socket.ts), so the host builds the same payloads and sends them to the same acks. Each WebSocket client connects from ' +
      'a loopback address of its own (127.0.0.2 and up), as LAN guests do, under the host\'s per-address upgrade limit. The `ws/tcp` row gives ' +
      `the WebSocket host's CPU over the TCP host's (target <= ${WS_CPU_MAX}) and the bytes per client over TCP's, per second (\`bytes ratio\`) and per ` +
      'snapshot received (`bytes/snapshot ratio`, the target: bytes per second also move with the snapshots a loaded machine\'s clients miss). Both count ' +
      'every byte on the wire, TCP\'s 4-byte length prefixes and WebSocket\'s frame headers (4 bytes for a 126-byte to 64 KiB message), so the same ' +
      `payloads give a ratio of 1 within ${Math.round(WS_BYTES_TOLERANCE * 100)} % (framing differs by under 0.1 %, the rest is the run-to-run spread of delta sizes). ` +
      '`tcp recv %` and `ws recv %`: each row\'s mean snapshots per client per second as a percentage of the send rate.',
    `Over UDP (\`transport\` udp; every other row is TCP): at ${UDP_POINTS.map(([c, e, h]) => `${c} x ${n(e)} x ${h} Hz`).join(', ')}, interest off, lanparty runs a ` +
      'second time right after its TCP row, its clients in UDP mode (docs/protocol.md "UDP mode"; at most 100 per client process), on loopback without loss (`loss` 0, `latency_ms` 0: no ' +
      'network simulator). Its ack-only clients count and ack snapshots from the datagram headers (bench/load/udp-ack-only.ts: the same packet ' +
      'acks and snapshot acks as a decoding client, a snapshot counted once all its fragments arrived). The `udp/tcp` row gives the UDP host\'s CPU ' +
      'over the TCP host\'s (`CPU ratio`, target <= 1) and bytes over bytes, with `tcp recv %` and `udp recv %` (each side\'s clients\' snapshots ' +
      'as a percentage of the send rate; `same work` yes when both are at least 97 %). The same point with interest on (and the 30 KB/s budget) ' +
      'runs over UDP too, for comparison only (no target). Every datagram is its own `send` (Node has no sendmmsg; a few µs of CPU each ' +
      'on loopback, most of it in the kernel), so a snapshot\'s size in datagrams counts: the clients take predicted columns ' +
      '(docs/snapshot-encoding.md), and a whole-world delta of 1,000 moving drones is 0.8 to 1 KB four to eight ticks after its base, ' +
      'one datagram (2.2 KB, two, with difference columns alone); with interest and the budget a snapshot fits one too. The UDP clients ' +
      'ack on their inputs at their own phases; the host sends those that keep several acked states one delta from a shared base ' +
      '(docs/protocol.md, "Acknowledgements").',
    'Where the host\'s CPU goes (ms per second of wall time; 1,000 = one core): every host thread reports its own CPU time ' +
      '(/proc/thread-self/schedstat) and the time of the stages it runs (src/engine/thread-cpu.ts: wall time of each piece of work, ' +
      'less the time the thread waited for a core meanwhile, GC pauses moved to `gc`): `sim` the sim worker\'s ticks; `read` reading, decoding and ' +
      'handling client messages (with the network thread\'s polls at its looks: epoll finding the sockets with data and the first read ' +
      'syscall); `encode` picking the clients due and building their snapshots; `write` ' +
      'writing frames to sockets; `gc` GC pauses of every thread; `other` the host\'s CPU that no stage covers (event-loop and stream machinery, ' +
      'threads sleeping and waking between ticks and looks, message passing between threads, V8\'s helper threads); `other %` is that share of the host\'s CPU. The by-thread table gives each ' +
      'kind of thread\'s CPU, and `outside` the CPU of threads that report nothing (V8 helpers, libuv\'s pool).',
  ],
  columns: [
    { key: 'system', label: 'system' },
    { key: 'transport', label: 'transport' },
    { key: 'loss', label: 'loss' },
    { key: 'latency_ms', label: 'latency ms' },
    { key: 'clients', label: 'N' },
    { key: 'entities', label: 'E' },
    { key: 'send_hz', label: 'Hz' },
    { key: 'interest', label: 'interest' },
    { key: 'budget_kb_s', label: 'budget KB/s' },
    { key: 'pinned', label: 'pinned' },
    { key: 'host_cpu_pct', label: 'host CPU %' },
    { key: 'runs', label: 'runs' },
    { key: 'host_cpu_pct_runs', label: 'host CPU % by run' },
    { key: 'other_pct', label: 'other %' },
    { key: 'swarm_cpu_pct', label: 'clients CPU %' },
    { key: 'swarm_elu_max', label: 'clients ELU' },
    { key: 'tick_p50_ms', label: 'tick p50 ms' },
    { key: 'tick_p99_ms', label: 'tick p99 ms' },
    { key: 'skipped_ticks', label: 'skipped' },
    { key: 'snapshots_per_client_s_min', label: 'snap/s min' },
    { key: 'rate_pct', label: 'rate %' },
    { key: 'delivery_p50_ms', label: 'delivery p50 ms' },
    { key: 'delivery_p99_ms', label: 'delivery p99 ms' },
    { key: 'bytes_per_client_s', label: 'B/client/s' },
    { key: 'host_rss_mb', label: 'RSS MB' },
    { key: 'heap_per_client_kb', label: 'heap KB/client' },
    { key: 'cpu_ratio', label: 'CPU ratio' },
    { key: 'cpu_ratio_runs', label: 'CPU ratio by run' },
    { key: 'bytes_ratio', label: 'bytes ratio' },
    { key: 'snapshot_bytes_ratio', label: 'bytes/snapshot ratio' },
    { key: 'lanparty_recv_pct', label: 'lanparty recv %' },
    { key: 'colyseus_recv_pct', label: 'Colyseus recv %' },
    { key: 'tcp_recv_pct', label: 'tcp recv %' },
    { key: 'ws_recv_pct', label: 'ws recv %' },
    { key: 'udp_recv_pct', label: 'udp recv %' },
    { key: 'same_work', label: 'same work' },
  ],
  targets: [
    ...sameWorkTargets(),
    ...wsTargets(),
    ...udpTargets(),
    { label: `${n(TARGET_N)} clients x ${n(TARGET_E)} entities, 60 Hz, interest, 30 KB/s budget: tick p99 <= 16.7 ms`, where: { match: BIG }, metric: 'tick_p99_ms', max: 16.7 },
    { label: `${n(TARGET_N)} x ${n(TARGET_E)}: no skipped ticks`, where: { match: BIG }, metric: 'skipped_ticks', max: 0 },
    { label: `${n(TARGET_N)} x ${n(TARGET_E)}: every client >= 58 snapshots/s`, where: { match: BIG }, metric: 'snapshots_per_client_s_min', min: 58 },
    { label: `${n(TARGET_N)} x ${n(TARGET_E)}: delivery p99 <= 50 ms`, where: { match: BIG }, metric: 'delivery_p99_ms', max: 50 },
    { label: `${n(TARGET_N)} x ${n(TARGET_E)}: <= 30 KB/s per client`, where: { match: BIG }, metric: 'bytes_per_client_s', max: 30 * 1024 },
    { label: `${n(TARGET_N)} x ${n(TARGET_E)}: host CPU not covered by a stage ("other") <= 15 %`, where: { match: BIG }, metric: 'other_pct', max: 15 },
    { label: 'same work 200 x 1,000 x 60 Hz: host CPU not covered by a stage ("other") <= 15 %', where: { match: { system: 'lanparty', transport: 'tcp', clients: 200, entities: 1000, send_hz: 60, interest: 'off' } }, metric: 'other_pct', max: 15 },
    { label: 'idle host (no clients): <= 1 % of a core', where: { match: IDLE }, metric: 'host_cpu_pct', max: 1 },
    { label: `host heap <= 16 KB per connection (${n(TARGET_N)} x ${n(TARGET_E)})`, where: { match: BIG }, metric: 'heap_per_client_kb', max: 16 },
  ],
  breakdownKey: 'breakdown',
  breakdownTitle: 'Host CPU by stage (ms per second)',
  tables: [{ key: 'threads', title: 'Host CPU by thread (ms per second)' }],
  legacyCells: LOAD_LEGACY_CELLS,
  labelKeys: ['system', 'transport', 'clients', 'entities', 'send_hz', 'interest'],
  explain: explainLoad,
  chart: { file: 'load-chart.svg', alt: 'load: host CPU, tick p99 and bytes per client per second against clients', render: renderChart },
};

interface Point {
  system: 'lanparty' | 'colyseus' | 'floor';
  /** lanparty: how its clients connect. */
  transport: 'tcp' | 'ws' | 'udp';
  clients: number;
  entities: number;
  sendHz: 20 | 60;
  interest: boolean;
}

function plan(): Point[] {
  // the idle host first (the quietest moment), then same work (both systems, one after the
  // other), then the interest rows up to the big one
  const out: Point[] = [{ system: 'lanparty', transport: 'tcp', clients: 0, entities: 0, sendHz: 60, interest: false }];
  for (const [clients, entities, sendHz] of SAME_WORK) {
    out.push({ system: 'lanparty', transport: 'tcp', clients, entities, sendHz, interest: false });
    // the WebSocket row right after its TCP row: the two hosts are compared in one sitting
    if (clients === WS_WORK[0] && entities === WS_WORK[1] && sendHz === WS_WORK[2]) out.push({ system: 'lanparty', transport: 'ws', clients, entities, sendHz, interest: false });
    // and UDP: the three transports' hosts compared in one sitting
    if (UDP_POINTS.some(([c, e, h]) => c === clients && e === entities && h === sendHz)) out.push({ system: 'lanparty', transport: 'udp', clients, entities, sendHz, interest: false });
    out.push({ system: 'colyseus', transport: 'ws', clients, entities, sendHz, interest: false });
    // and the floor of that load (bench/load/floor.ts), with the lanparty row's snapshot size
    out.push({ system: 'floor', transport: 'tcp', clients, entities, sendHz, interest: false });
  }
  for (const entities of [1000, TARGET_E])
    for (const clients of [50, 200, 500, TARGET_N]) {
      out.push({ system: 'lanparty', transport: 'tcp', clients, entities, sendHz: 60, interest: true });
      // with interest and the budget a snapshot fits one datagram too: UDP sends as many times as TCP writes
      if (UDP_POINTS.some(([c, e, h]) => c === clients && e === entities && h === 60)) out.push({ system: 'lanparty', transport: 'udp', clients, entities, sendHz: 60, interest: true });
    }
  const list = (name: string) => process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean);
  const configs = list('LOAD_CONFIGS');
  const systems = list('LOAD_SYSTEMS');
  const transports = list('LOAD_TRANSPORTS');
  const interest = list('LOAD_INTEREST');
  const named = (p: Point) => (p.clients === 0 ? ['idle'] : [`${p.clients}x${p.entities}`, `${p.clients}x${p.entities}@${p.sendHz}`]);
  return out.filter(
    (p) =>
      (!configs || named(p).some((c) => configs.includes(c))) &&
      (!systems || systems.includes(p.system)) &&
      (!transports || p.system !== 'lanparty' || p.clients === 0 || transports.includes(p.transport)) &&
      (!interest || p.clients === 0 || interest.includes(p.interest ? 'on' : 'off')),
  );
}

const envSeconds = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`load: ${name} must be a number of seconds > 0 (got "${v}")`);
  return n;
};

const envCount = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`load: ${name} must be an integer >= 1 (got "${v}")`);
  return n;
};

/** A free TCP port on 127.0.0.1 (the Colyseus runner wants a fixed one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

type RunColyseus = (o: { clients: number; entities: number; sendHz: 20 | 60; warmupS: number; measureS: number; port: number; clientProcesses?: number; sampled?: number; pin?: Pinning | null }) => Promise<Row>;

/** The Colyseus runner, or why there is none. */
async function loadColyseus(): Promise<RunColyseus | string> {
  // a variable specifier: this compiles whether or not bench/load/colyseus exists yet
  const spec = '../load/colyseus/index.js';
  try {
    const m = (await import(spec)) as { runColyseus?: RunColyseus };
    return typeof m.runColyseus === 'function' ? m.runColyseus : `${spec} has no runColyseus export`;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ERR_MODULE_NOT_FOUND' ? `bench/load/colyseus is not built (${spec} not found)` : `cannot load ${spec}: ${e.message}`;
  }
}

/** Both sides' clients received at least this much of the send rate (mean): the ratio compares the same work. */
const SAME_WORK_RECV_PCT = 97;

const key = (r: Row) => `${r.clients}x${r.entities}@${r.send_hz}/${r.interest}`;

/** A row's point and system: the runs of one point in rounds share it (bench/load/rounds.ts). */
export const pointId = (r: Row) => `${r.system}/${r.transport ?? ''}/${key(r)}`;

/** Rows of lanparty over TCP (results from before the transport column are TCP). */
const overTcp = (r: Row) => r.system === 'lanparty' && (r.transport ?? 'tcp') === 'tcp';

/** Mean snapshots per client per second as a percentage of the send rate. */
const recvPct = (r: Row) => (typeof r.snapshots_per_client_s_mean === 'number' && typeof r.send_hz === 'number' && r.send_hz > 0 ? Number(((100 * r.snapshots_per_client_s_mean) / r.send_hz).toFixed(1)) : NaN);

/** Bytes per client per snapshot received (as a row, for ratioOf). */
const perSnapshot = (r: Row): Row => {
  const b = r.bytes_per_client_s;
  const s = r.snapshots_per_client_s_mean;
  return typeof b === 'number' && typeof s === 'number' && s > 0 ? { bytes: b / s } : {};
};

/** a / b of a figure of two rows, 3 decimals (NaN when either is missing). */
const ratioOf = (a: Row, b: Row, k: string) => {
  const x = a[k];
  const y = b[k];
  return typeof x === 'number' && typeof y === 'number' && y > 0 ? Number((x / y).toFixed(3)) : NaN;
};

/**
 * udp/tcp rows: lanparty over UDP against lanparty over TCP at the same point (the TCP row
 * measured just before it). Host CPU over host CPU is per client too: both served the same N.
 */
export function transportRatios(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const u of rows.filter((r) => r.system === 'lanparty' && r.transport === 'udp')) {
    const t = rows.find((r) => overTcp(r) && key(r) === key(u));
    if (!t) continue;
    const tcpRecv = recvPct(t);
    const udpRecv = recvPct(u);
    out.push({
      system: TRANSPORT_RATIO,
      clients: u.clients!,
      entities: u.entities!,
      send_hz: u.send_hz!,
      interest: u.interest!,
      transport: 'udp/tcp',
      pinned: t.pinned === u.pinned ? u.pinned! : `tcp ${String(t.pinned)}, udp ${String(u.pinned)}`,
      cpu_ratio: ratioOf(u, t, 'host_cpu_pct'),
      bytes_ratio: ratioOf(u, t, 'bytes_per_client_s'),
      tcp_recv_pct: tcpRecv,
      udp_recv_pct: udpRecv,
      same_work: tcpRecv >= SAME_WORK_RECV_PCT && udpRecv >= SAME_WORK_RECV_PCT ? 'yes' : Number.isFinite(tcpRecv) && Number.isFinite(udpRecv) ? 'no' : '?',
    });
  }
  return out;
}

/** The ratio rows: lanparty/colyseus (same work), floor/colyseus, ws/tcp (the WebSocket row against its TCP row) and udp/tcp. */
export function ratios(rows: Row[]): Row[] {
  return [...colyseusRatios(rows), ...floorRatios(rows), ...wsRatios(rows), ...transportRatios(rows)];
}

/**
 * floor/colyseus rows: the I/O floor's CPU (bench/load/floor.ts: the reads and writes of the
 * point, nothing else) over Colyseus's at the same point. No host of this load can use less
 * than the floor, so a lanparty/colyseus CPU ratio cannot go below this one.
 */
export function floorRatios(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const f of rows.filter((r) => r.system === 'floor')) {
    const c = rows.find((r) => r.system === 'colyseus' && key(r) === key(f));
    if (!c) continue;
    out.push({
      system: FLOOR_RATIO,
      clients: f.clients!,
      entities: f.entities!,
      send_hz: f.send_hz!,
      interest: 'off',
      pinned: f.pinned === c.pinned ? f.pinned! : `floor ${String(f.pinned)}, colyseus ${String(c.pinned)}`,
      cpu_ratio: ratioOf(f, c, 'host_cpu_pct'),
    });
  }
  return out;
}

/** ws/tcp rows: the WebSocket host against the TCP host at the same load. */
export function wsRatios(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const w of rows.filter((r) => r.system === 'lanparty' && r.transport === 'ws')) {
    const t = rows.find((r) => overTcp(r) && key(r) === key(w));
    if (!t) continue;
    const tcpRecv = recvPct(t);
    const wsRecv = recvPct(w);
    out.push({
      system: WS_RATIO_SYSTEM,
      clients: w.clients!,
      entities: w.entities!,
      send_hz: w.send_hz!,
      interest: w.interest!,
      transport: 'ws/tcp',
      pinned: w.pinned === t.pinned ? w.pinned! : `ws ${String(w.pinned)}, tcp ${String(t.pinned)}`,
      cpu_ratio: ratioOf(w, t, 'host_cpu_pct'),
      bytes_ratio: ratioOf(w, t, 'bytes_per_client_s'),
      snapshot_bytes_ratio: ratioOf(perSnapshot(w), perSnapshot(t), 'bytes'),
      tcp_recv_pct: tcpRecv,
      ws_recv_pct: wsRecv,
      same_work: tcpRecv >= SAME_WORK_RECV_PCT && wsRecv >= SAME_WORK_RECV_PCT ? 'yes' : Number.isFinite(tcpRecv) && Number.isFinite(wsRecv) ? 'no' : '?',
    });
  }
  return out;
}

/** lanparty/colyseus rows for the points where both ran the same work. */
function colyseusRatios(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const l of rows.filter((r) => overTcp(r) && r.interest === 'off')) {
    const c = rows.find((r) => r.system === 'colyseus' && key(r) === key(l));
    if (!c) continue;
    const ratio = (k: string) => ratioOf(l, c, k);
    const pinned = l.pinned === c.pinned ? l.pinned! : `lanparty ${String(l.pinned)}, colyseus ${String(c.pinned)}`;
    // how much of its send rate each side's clients received: a ratio compares the same work
    // only when both sides delivered (nearly) all of it; else one side's clients, or its host,
    // fell behind and that side did less work than the other
    const lanRecv = recvPct(l);
    const colRecv = recvPct(c);
    const same = lanRecv >= SAME_WORK_RECV_PCT && colRecv >= SAME_WORK_RECV_PCT ? 'yes' : Number.isFinite(lanRecv) && Number.isFinite(colRecv) ? 'no' : '?';
    out.push({
      system: RATIO_SYSTEM,
      clients: l.clients!,
      entities: l.entities!,
      send_hz: l.send_hz!,
      interest: 'off',
      pinned,
      cpu_ratio: ratio('host_cpu_pct'),
      bytes_ratio: ratio('bytes_per_client_s'),
      lanparty_recv_pct: lanRecv,
      colyseus_recv_pct: colRecv,
      same_work: same,
    });
  }
  return out;
}

export async function run(): Promise<SuiteResult> {
  // A host that has run a while, for both systems: in its first 10-15 s V8 is still
  // optimizing (a lanparty host has four isolates, each compiling its own hot functions on
  // V8's helper threads: at 50 x 500 x 20 Hz they took 16.5 ms/s of CPU in a window after 5 s
  // of warm-up, 2.6 after 15 s, 1.8 after 30 s; Colyseus's host 4.2 % -> 3.4 % after 30 s),
  // and its memory reducer compacts each thread's heap once or twice ~8-10 s after start.
  const warmupS = envSeconds('LOAD_WARMUP_S', 15);
  const measureS = envSeconds('LOAD_MEASURE_S', 10);
  const idleWarmupS = envSeconds('LOAD_IDLE_WARMUP_S', warmupS);
  const rounds = envCount('LOAD_ROUNDS', 1);
  const points = plan();
  const decode = process.env.LOAD_CLIENT_DECODE === 'all' ? 'all' : 'sampled';
  const perProcess = process.env.LOAD_CLIENTS_PER_PROCESS ? Number(process.env.LOAD_CLIENTS_PER_PROCESS) : 250;
  if (!(Number.isInteger(perProcess) && perProcess > 0)) throw new Error(`load: LOAD_CLIENTS_PER_PROCESS must be an integer > 0 (got "${process.env.LOAD_CLIENTS_PER_PROCESS}")`);
  const sampled = process.env.LOAD_SAMPLED_CLIENTS ? Number(process.env.LOAD_SAMPLED_CLIENTS) : 10;
  if (!(Number.isInteger(sampled) && sampled > 0)) throw new Error(`load: LOAD_SAMPLED_CLIENTS must be an integer > 0 (got "${process.env.LOAD_SAMPLED_CLIENTS}")`);
  const budget = process.env.LOAD_BUDGET !== undefined ? Number(process.env.LOAD_BUDGET) : 30 * 1024;
  if (!(budget >= 0)) throw new Error(`load: LOAD_BUDGET must be bytes per second >= 0 (got "${process.env.LOAD_BUDGET}")`);
  if (!points.length) throw new Error(`load: LOAD_CONFIGS="${process.env.LOAD_CONFIGS}" / LOAD_SYSTEMS="${process.env.LOAD_SYSTEMS}" select nothing`);
  const colyseus = points.some((p) => p.system === 'colyseus') ? await loadColyseus() : undefined;
  if (typeof colyseus === 'string') console.log(`load: skipping the Colyseus rows: ${colyseus}`);
  const pin = pinning();
  console.log(pin ? `load: host processes pinned to CPU ${pin.host}, client processes to CPU ${pin.clients} (taskset)` : 'load: processes not pinned (LOAD_PIN=0, no taskset, or fewer than 2 CPUs)');

  const rows: Row[] = [];
  const failed: string[] = [];
  // same-work points (interest off) of one configuration take turns, LOAD_ROUNDS times
  const order = schedule(
    points.map((p) => ({ point: p, group: p.clients > 0 && !p.interest ? `${p.clients}x${p.entities}@${p.sendHz}` : null })),
    rounds,
  );
  if (rounds > 1) console.log(`load: ${rounds} rounds of the same-work points, taking turns; each figure from the median run`);
  for (const { point: p, round } of order) {
    const name =
      (p.clients === 0 ? `${p.system} idle host (no clients)` : `${p.system}${p.system === 'lanparty' ? ` ${p.transport}` : ''} N=${p.clients} E=${p.entities} ${p.sendHz} Hz interest ${p.interest ? 'on' : 'off'}`) +
      (rounds > 1 ? ` (round ${round})` : '');
    const inRound: Row = rounds > 1 ? { round } : {};
    if (p.system === 'colyseus' && typeof colyseus !== 'function') continue;
    console.log(`load: ${name}`);
    try {
      if (p.system === 'floor') {
        // the snapshot size the lanparty host sent at this point, this round
        const lan = rows.find((r) => overTcp(r) && r.clients === p.clients && r.entities === p.entities && r.send_hz === p.sendHz && r.interest === 'off' && (rounds === 1 || r.round === round));
        const perSnap = lan ? perSnapshot(lan).bytes : undefined;
        if (typeof perSnap !== 'number') {
          console.log(`load: ${name}: skipped (no lanparty tcp row at this point to take the snapshot size from)`);
          continue;
        }
        const row = await runFloor({ clients: p.clients, entities: p.entities, sendHz: p.sendHz, bytes: Math.max(1, Math.round(perSnap) - 4), warmupS, measureS, pin });
        console.log(`  floor: ${row.host_cpu_pct}% CPU (${row.reads_s} reads/s (${row.reads}), ${row.writes_s} writes/s of ${row.snapshot_bytes + 4} bytes)`);
        rows.push({ ...row, ...inRound });
      } else if (p.system === 'lanparty') {
        const row = await runLanparty({
          clients: p.clients,
          entities: p.entities,
          sendHz: p.sendHz,
          interest: p.interest,
          transport: p.transport,
          warmupS: p.clients === 0 ? idleWarmupS : warmupS,
          measureS,
          decode,
          sampled,
          // a UDP client process takes a datagram event per 1,200 bytes (two per snapshot
          // here, 24,000 a second for 200 clients): more than the TCP clients' CPU; in two
          // processes a GC pause or a preemption of one holds back half the clients, not all
          clientsPerProcess: p.transport === 'udp' ? Math.min(perProcess, UDP_CLIENTS_PER_PROCESS) : perProcess,
          pin,
          ...(p.interest && budget ? { budgetBytesPerSec: budget } : {}),
          ...(p.clients === 0 ? { capacity: IDLE_CAPACITY } : {}),
        });
        // no network simulator in this suite: loopback, nothing lost, nothing delayed
        rows.push({ ...row, transport: p.transport, loss: 0, latency_ms: 0, budget_kb_s: p.interest && budget ? Math.round(budget / 1024) : '-', ...inRound });
      } else {
        const row = await (colyseus as RunColyseus)({ clients: p.clients, entities: p.entities, sendHz: p.sendHz, warmupS, measureS, port: await freePort(), clientProcesses: Math.ceil(p.clients / perProcess), sampled, pin });
        // the keys the targets and the ratios match on, whatever the runner put there
        const clientCpu = row.swarm_cpu_pct ?? row.client_cpu_pct;
        const min = row.snapshots_per_client_s_min;
        rows.push({
          ...row,
          system: 'colyseus',
          clients: p.clients,
          entities: p.entities,
          send_hz: p.sendHz,
          interest: 'off',
          transport: 'ws',
          pinned: pinLabel(pin),
          ...(clientCpu === undefined ? {} : { swarm_cpu_pct: clientCpu }),
          ...(typeof min === 'number' ? { rate_pct: Math.round((1000 * min) / p.sendHz) / 10 } : {}),
          ...inRound,
        });
      }
    } catch (err) {
      // one point failing (e.g. too many clients for the machine) must not lose the others
      const msg = (err as Error).message;
      console.log(`load: ${name} FAILED: ${msg}`);
      failed.push(`${name}: ${msg.split('\n')[0]}`);
    }
  }
  if (failed.length) console.log(`load: ${failed.length} point(s) failed:\n  ${failed.join('\n  ')}`);
  if (!rows.length) throw new Error('load: every point failed');
  return {
    rows: summarize(rows, rounds, ratios, pointId),
    subset: envSubset(['LOAD_CONFIGS', 'LOAD_SYSTEMS', 'LOAD_TRANSPORTS', 'LOAD_INTEREST']),
  };
}

/** Three panels against clients: host CPU, tick p99 and KB per client per second, a line per series. */
function renderChart(rows: readonly Row[]): string {
  const byName = new Map<string, Row[]>();
  for (const r of rows) {
    if (r.system === RATIO_SYSTEM || r.system === FLOOR_RATIO || r.system === WS_RATIO_SYSTEM || r.system === TRANSPORT_RATIO || typeof r.clients !== 'number' || r.clients === 0) continue;
    const over = r.system !== 'lanparty' ? '' : r.transport === 'ws' ? ' WebSocket' : r.transport === 'udp' ? ' UDP' : '';
    const name = `${r.system}${over} E=${n(r.entities as number)} ${r.send_hz} Hz${r.interest === 'on' ? ' interest' : ''}`;
    byName.set(name, [...(byName.get(name) ?? []), r]);
  }
  // a series with nothing to show in a panel (the floor has no ticks and counts no bytes) is left out of it
  const series = (metric: string, scale = 1): Series[] =>
    [...byName]
      .map(([name, rs]) => ({
        name,
        dashed: rs[0]!.system !== 'lanparty',
        points: rs.map((r) => [r.clients as number, typeof r[metric] === 'number' ? (r[metric] as number) / scale : NaN] as [number, number]),
      }))
      .filter((x) => x.points.some(([, y]) => Number.isFinite(y)));
  return chartSvg(
    [
      { title: 'host CPU (% of one core)', xLabel: 'clients', yLabel: '%', series: series('host_cpu_pct') },
      { title: 'tick p99 (ms)', xLabel: 'clients', yLabel: 'ms', series: series('tick_p99_ms'), hlines: [{ y: 16.7, label: 'one tick at 60 Hz' }] },
      { title: 'received per client (KB/s)', xLabel: 'clients', yLabel: 'KB/s', series: series('bytes_per_client_s', 1024), hlines: [{ y: 30, label: 'target at 1,000 x 10k: 30 KB/s' }] },
    ],
    'load: host CPU, tick p99 and bytes per client against clients',
  );
}

