// The failover suite: how long a LAN session is without a host when the host dies.
//
// A 5-node `lanparty up` cluster on loopback (127.0.0.40-44, real processes, default election
// timing: src/net/lan/election.ts DEFAULT_TIMING), each node with its own player, plus 3
// players (SessionClients, bot-driven) in this process on 127.0.0.50-52. RUNS times: kill -9
// the host, time until every one of the 3 players got a snapshot from the new host (the
// first 'snapshot' of a connection whose welcome epoch is newer than the killed host's),
// then restart a node on the killed one's address so there are 5 again, and wait until all
// 5 agree and all 8 players are connected before the next kill.
//
// Where the time goes, per run, from the kill (clock: Date.now() here and in the nodes'
// JSON logs, the same machine clock):
//   detect_elect  until the winner logs "taking over as host" (it noticed the host gone and
//                 won the election; the node logs nothing between the two)
//   sim_start     until its client listener logs "listening" (sim worker started from the
//                 replica, sessions imported)
//   rejoin        until it logged "client joined" for the last of the 3 players (they found
//                 it in its beacon, connected and were welcomed back with their tokens)
//   snapshot      until the last of the 3 players had a snapshot from it
// The nodes' own players are not timed (their status lines come once a second); they must be
// back on the new host before the next run, and their status-line time is reported apart.
//
// Hermetic: loopback addresses only, LANPARTY_TEST=1 in this process and every node.

import { randomBytes } from 'node:crypto';
import { quantile, median, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const RUNS = 20;
const TARGET_P99_MS = 1500;
const NODE_IPS = [40, 41, 42, 43, 44].map((i) => `127.0.0.${i}`);
const PLAYER_IPS = [50, 51, 52].map((i) => `127.0.0.${i}`);
const WATCHER_IP = '127.0.0.59';
const SCENARIO = 'kill -9 of the host';

export const info: SuiteInfo = {
  name: 'failover',
  title: 'host failover (kill -9 of the host, 5 nodes, 8 players)',
  description: [
    `A 5-node \`lanparty up\` cluster on loopback (real processes, default election timing), each node with ` +
      `its own player, plus 3 players (SessionClients) in the bench process. ${RUNS} times: \`kill -9\` of ` +
      'the host, then the time until each of the 3 players has received a snapshot from the new host ' +
      "(its first `snapshot` on a connection whose welcome epoch is newer than the killed host's); then a " +
      'node is restarted on the dead one\'s address, and the next run waits until all 5 nodes agree and all ' +
      '8 players are connected. The nodes\' own players are not timed (their status lines come once a ' +
      'second): `node players` is the median time until all of them printed a status line connected to the ' +
      'new host, an upper bound.',
    'Where the time goes (medians over the runs, ms from the kill, from the nodes\' JSON logs and this ' +
      'process\'s clock): `detect_elect` until the winner logs "taking over as host" (noticing the dead host ' +
      'and winning the election; the node logs nothing in between: the highest id left wins as soon as it ' +
      'notices, since it has no higher peer to ask); `sim_start` from there until its client listener is up ' +
      '(sim worker started from the replicated checkpoint); `rejoin` until it logged the last of the 3 players ' +
      'joined (found in its beacon, connected, welcomed back with their tokens); `snapshot` until the last of ' +
      'them had a snapshot from it. In each run the parts add up to its time (their medians need not add up to the median).',
  ],
  columns: [
    { key: 'scenario', label: 'scenario' },
    { key: 'runs', label: 'runs' },
    { key: 'p50_ms', label: 'p50 ms' },
    { key: 'p99_ms', label: 'p99 ms' },
    { key: 'max_ms', label: 'max ms' },
    { key: 'min_ms', label: 'min ms' },
    { key: 'node_players_p50_ms', label: 'node players p50 ms (status lines)' },
  ],
  targets: [
    { label: `kill -9 of the host: p99 until every player has a snapshot from the new host <= ${TARGET_P99_MS} ms`, where: { key: 'scenario', value: SCENARIO }, metric: 'p99_ms', max: TARGET_P99_MS },
  ],
  breakdownKey: 'breakdown',
};

interface RunResult {
  total: number;
  parts: { detect_elect: number; sim_start: number; rejoin: number; snapshot: number };
  nodePlayers: number;
  epoch: number;
  host: string;
}

export async function run(): Promise<SuiteResult> {
  // before the helpers load the engine's logger: quiet, and hermetic like the tests
  process.env.LANPARTY_TEST = '1';
  process.env.LANPARTY_LOG ??= 'silent';
  const h = await import('../../test/helpers/cluster.js');
  const tag = randomBytes(3).toString('hex');
  const spec = {
    session: `fo-${tag}`,
    discoveryPort: 47150,
    port: 47350,
    peerPort: 47351,
    duration: 900,
    logLevel: 'info', // "taking over as host" (warn) and "listening" (info) are read from the logs
  };
  const cluster = new h.Cluster(spec);
  const players: InstanceType<typeof h.Player>[] = [];
  let watcher: InstanceType<typeof h.BeaconWatcher> | null = null;
  const t0 = performance.now();
  try {
    watcher = await new h.BeaconWatcher({ bind: WATCHER_IP, port: spec.discoveryPort }).start();
    await cluster.startTogether(NODE_IPS);
    let cons = await cluster.waitConsensus(60_000, { clients: true });
    for (const ip of PLAYER_IPS) players.push(new h.Player({ bind: ip, session: spec.session, discoveryPort: spec.discoveryPort }));
    await Promise.all(players.map((p) => p.start(30_000)));
    console.log(`failover: 5 nodes agreed on ${cons.hostId.slice(0, 8)} and 8 players joined in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const results: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      // steady: all 5 agree, all 8 players on the host, replicas flowing for a while
      cons = await cluster.waitConsensus(60_000, { clients: true, minEpoch: cons.epoch });
      await h.waitFor(() => players.every((p) => p.connectedAt(cons.epoch)), 30_000, 'every bench player on the host');
      await h.sleep(700);
      const killed = cons.host;
      const epoch = cons.epoch;
      const survivors = cluster.alive().filter((n) => n !== killed);
      const tKill = performance.now();
      const dKill = Date.now();
      killed.kill();

      const firstFromNew = (p: InstanceType<typeof h.Player>) => {
        let t = Infinity;
        for (const [e, at] of p.firstSnapshot) if (e > epoch) t = Math.min(t, at);
        return t;
      };
      await h.waitFor(() => players.every((p) => firstFromNew(p) < Infinity), 30_000, `every bench player on a host newer than epoch ${epoch}`, () => cluster.describe());
      const tAll = Math.max(...players.map(firstFromNew));
      const next = await cluster.waitConsensus(30_000, { clients: true, minEpoch: epoch + 1, among: () => survivors });
      const nodePlayers =
        Math.max(...survivors.map((n) => n.statuses.find((s) => s.at > tKill && s.client?.epoch === next.epoch && !s.migrating)?.at ?? NaN)) - tKill;

      const take = next.host.logs.find((l) => l.msg === 'taking over as host' && (l.epoch as number) > epoch);
      const listening = next.host.logs.find((l) => l.msg === 'listening' && take && l.time >= take.time);
      const ids = new Set(players.map((p) => p.welcome!.client));
      const joined = next.host.logs.filter((l) => l.msg === 'client joined' && ids.has(l.client as number) && take && l.time >= take.time);
      const total = tAll - tKill;
      const tTake = take ? take.time - dKill : NaN;
      const tListen = listening ? listening.time - dKill : NaN;
      const tJoined = joined.length === players.length ? Math.max(...joined.map((l) => l.time)) - dKill : NaN;
      const r: RunResult = {
        total,
        parts: { detect_elect: tTake, sim_start: tListen - tTake, rejoin: tJoined - tListen, snapshot: total - tJoined },
        nodePlayers,
        epoch: next.epoch,
        host: next.hostId,
      };
      results.push(r);
      const extra = watcher.hostClaims(tKill).filter((c) => c.epoch > epoch && (c.id !== next.hostId || c.epoch !== next.epoch));
      console.log(
        `run ${String(i + 1).padStart(2)}: ${total.toFixed(0).padStart(5)} ms  (detect+elect ${tTake.toFixed(0)}, sim start ${r.parts.sim_start.toFixed(0)}, ` +
          `rejoin ${r.parts.rejoin.toFixed(0)}, snapshot ${r.parts.snapshot.toFixed(0)}; node players by ${nodePlayers.toFixed(0)}) ` +
          `epoch ${epoch} -> ${next.epoch}, host ${next.hostId.slice(0, 8)}` +
          (extra.length ? `  WARNING: other host claims ${extra.map((c) => `${c.id.slice(0, 8)}@${c.epoch}`).join(', ')}` : ''),
      );

      // 5 again: a fresh node (new id) on the dead one's address
      cluster.start(killed.ip);
      cons = next;
    }

    const samples = results.map((r) => r.total);
    const part = (k: keyof RunResult['parts']) => round(median(results.map((r) => r.parts[k]).filter(Number.isFinite)), 1);
    const breakdown = { detect_elect: part('detect_elect'), sim_start: part('sim_start'), rejoin: part('rejoin'), snapshot: part('snapshot') };
    const row = {
      scenario: SCENARIO,
      runs: RUNS,
      p50_ms: round(quantile(samples, 0.5), 1),
      p99_ms: round(quantile(samples, 0.99), 1),
      max_ms: round(Math.max(...samples), 1),
      min_ms: round(Math.min(...samples), 1),
      node_players_p50_ms: round(median(results.map((r) => r.nodePlayers)), 1),
      samples_ms: samples.map((s) => round(s, 1)),
      breakdown,
    };
    const p99 = row.p99_ms;
    console.log(
      `\nfailover: p50 ${row.p50_ms} ms, p99 ${p99} ms, max ${row.max_ms} ms over ${RUNS} kills: target p99 <= ${TARGET_P99_MS} ms ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`,
    );
    if (p99 > TARGET_P99_MS) {
      const worst = results.reduce((a, b) => (b.total > a.total ? b : a));
      console.log(
        `where the time goes (medians): detection + election ${breakdown.detect_elect} ms, sim start ${breakdown.sim_start} ms, ` +
          `client rejoin ${breakdown.rejoin} ms, first snapshot ${breakdown.snapshot} ms; slowest run: ` +
          Object.entries(worst.parts).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', '),
      );
    }
    // the row also carries every sample (an array: not a table cell)
    return { rows: [row as unknown as Row] };
  } finally {
    for (const p of players) p.stop();
    watcher?.stop();
    await h.killAllNodes();
  }
}
