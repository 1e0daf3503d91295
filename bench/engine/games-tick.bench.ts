// The games-tick suite: one tick of each small game (gather, squares, race) as the sim worker
// runs it (sim.step(commands) with the state hash, then ring.publish(...)) at 1k and 10k
// entities, on the fixtures of games-fixtures.ts (every player sends an input every tick).
// gather moves on one tick in 12 only, so its median tick is a quiet one: `step tick ms`
// times the move + gather ticks alone.
//
// Commands and upkeep are built between timed ticks (tinybench beforeEach), as in tick.bench.ts.

import { Bench } from 'tinybench';
import type { Command } from '../../src/engine/input-queue.js';
import { InputRules } from '../../src/engine/input-rules.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import { syncOrderToBlock, syncRngToGlobals } from '../../src/engine/world.js';
import { median, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';
import { GAMES, gamesFixture, type GameName, type GamesFixture } from './games-fixtures.js';

export const SIZES = [
  { n: 1_000, timeMs: 1_000 },
  { n: 10_000, timeMs: 2_000 },
];
const SETTLE_TICKS = 120;
/** Ticks timed one by one (performance.now) for `step tick ms` and the breakdown: 20 gather steps each. */
const STEP_SAMPLE_TICKS = 240;

export const info: SuiteInfo = {
  name: 'games-tick',
  title: 'one tick of gather, squares and race (step + snapshot publish)',
  description: [
    'One tick as the sim worker runs it: `sim.step(commands)` (input rules, the game\'s systems, ' +
      'the state hash) followed by `ring.publish(...)`, every player sending an input every tick. ' +
      '**gather**: N - 3 players and 3 gatherables; the original 59 x 39 board at 1k, grown to ' +
      '187 x 123 at 10k (players start on distinct cells: 2,301 cells cannot hold 10k; the ' +
      'occupancy stays 43%); directions change every 60 ticks. **squares**: N squares on the ' +
      'original 640 x 480 map, random headings held for 90 ticks. **race**: N racers driven by ' +
      "the game's bot (1 in 50 tapping at random, so some crash); untimed upkeep takes 900 " +
      'points off anyone past 990 so the race never ends.',
    '`median`, `p99`, `mean`: tinybench latency of step + publish, after ' +
      `${SETTLE_TICKS} untimed ticks. gather moves and gathers on one tick in 12 only: its median ` +
      'is a quiet tick, its p99 a move tick. `step tick` is the median of the ticks where the ' +
      `game's main work runs (gather: the move ticks; the others: every tick), timed one by one ` +
      `over ${STEP_SAMPLE_TICKS} further ticks with performance.now().`,
    `The breakdown times the parts of ${STEP_SAMPLE_TICKS} more such ticks one by one (medians over ` +
      "the same main-work ticks): `rules` is the engine's input rules (`InputRules.arrive` for " +
      'every command, then `takeForTick`) run on a separate instance with the same clients and ' +
      "commands; `input` is `game.onInput` per command; `systems` the game's systems; " +
      '`sync` the PRNG + entity-order copy; `hash` the state hash; `publish` the ring copy.',
  ],
  columns: [
    { key: 'game', label: 'game' },
    { key: 'n', label: 'N' },
    { key: 'entities', label: 'entities' },
    { key: 'players', label: 'players' },
    { key: 'board', label: 'board' },
    { key: 'median_ms', label: 'median ms' },
    { key: 'p99_ms', label: 'p99 ms' },
    { key: 'mean_ms', label: 'mean ms' },
    { key: 'step_tick_ms', label: 'step tick ms' },
    { key: 'samples', label: 'samples' },
  ],
  targets: GAMES.map((game) => ({
    label: `${game}, 10k entities: mean tick <= 1 ms`,
    where: { match: { game, n: 10_000 } },
    metric: 'mean_ms',
    max: 1,
  })),
  breakdownKey: 'breakdown_ms',
  labelKeys: ['game', 'n'],
};

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const game of GAMES) {
    for (const { n, timeMs } of SIZES) {
      process.stdout.write(`games-tick: ${game} ${n.toLocaleString('en-US')} entities ... `);
      const row = await measure(game, n, timeMs);
      console.log(`median ${row.median_ms} ms, p99 ${row.p99_ms} ms, step tick ${row.step_tick_ms} ms`);
      rows.push(row);
    }
  }
  return { rows };
}

async function measure(game: GameName, n: number, timeMs: number): Promise<Row> {
  const fx = gamesFixture(game, n);
  const { sim } = fx;
  const block = sim.world.block;
  const ring = SnapshotRing.create(sim.game.schema, sim.world.capacity);
  const publish = () =>
    ring.publish(sim.tick, block, { maxEid: sim.maxEid, aliveCount: sim.aliveCount, hashHi: sim.lastHash.hi, hashLo: sim.lastHash.lo });

  for (let t = 0; t < SETTLE_TICKS; t++) {
    sim.step(fx.next());
    publish();
  }
  let cmds: Command[] = [];
  let ticks = 0;
  const startTick = sim.tick;
  const bench = new Bench({ time: timeMs, iterations: 64, warmupTime: 250, warmupIterations: 16, throws: true });
  bench.add(
    `${game} ${n}`,
    () => {
      sim.step(cmds);
      publish();
    },
    {
      async: false,
      beforeEach() {
        cmds = fx.next();
        ticks++;
      },
    },
  );
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${game} ${n}: tinybench task ${r.state}`);
  if (sim.tick !== startTick + ticks || ring.newestTick() !== sim.tick) throw new Error(`${game} ${n}: the timed ticks did not all run`);
  if (sim.lastHash.hi === 0 && sim.lastHash.lo === 0) throw new Error(`${game} ${n}: zero state hash`);

  const heavy: number[] = [];
  for (let t = 0; t < STEP_SAMPLE_TICKS; t++) {
    const c = fx.next();
    const isHeavy = fx.heavy(sim.tick);
    const t0 = performance.now();
    sim.step(c);
    publish();
    if (isHeavy) heavy.push(performance.now() - t0);
  }
  const parts = breakdown(fx, publish);
  fx.check();
  if (sim.world.counters.spawnRefused > 0) throw new Error(`${game} ${n}: ${sim.world.counters.spawnRefused} spawns refused`);

  return {
    game,
    n,
    entities: sim.aliveCount,
    players: fx.players,
    board: fx.board,
    median_ms: round(r.latency.p50),
    p99_ms: round(r.latency.p99),
    mean_ms: round(r.latency.mean),
    step_tick_ms: round(median(heavy)),
    samples: r.latency.samplesCount,
    breakdown_ms: parts,
  };
}

/** Where a main-work tick goes, part by part (see the description); medians in ms. */
function breakdown(fx: GamesFixture, publish: () => void): Record<string, number> {
  const { sim } = fx;
  const w = sim.world;
  const game = sim.game;
  const rules = new InputRules(() => {});
  for (const [client, eid] of sim.clients()) rules.adoptClient(client, eid);
  const noop = () => {};
  const parts: Record<string, number[]> = { rules: [], input: [], systems: [], sync: [], hash: [], publish: [], total: [] };
  const startTick = sim.tick;
  for (let t = 0; t < STEP_SAMPLE_TICKS; t++) {
    const cmds = fx.next();
    const heavy = fx.heavy(sim.tick);
    // the entities, looked up untimed: sim.step gets them from the input rules with the input
    const eids = cmds.map((c) => sim.entityOf(c.client));
    const t0 = performance.now();
    let a = t0;
    const time = (part: string) => {
      const b = performance.now();
      if (heavy) parts[part]!.push(b - a);
      a = b;
    };
    for (const c of cmds) rules.arrive(c, noop);
    rules.takeForTick(noop);
    time('rules');
    for (let i = 0; i < cmds.length; i++) game.onInput(w, eids[i]!, cmds[i]!);
    time('input');
    for (const system of game.systems) system(w);
    time('systems');
    w.g[w.G.tick] = sim.tick + 1;
    syncRngToGlobals(w);
    syncOrderToBlock(w);
    time('sync');
    sim.lastHash = sim.computeHash();
    time('hash');
    publish();
    time('publish');
    if (heavy) parts.total!.push(a - t0);
  }
  if (sim.tick !== startTick + STEP_SAMPLE_TICKS) throw new Error(`${game.name}: breakdown ticks did not run`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parts)) out[k] = round(median(v));
  return out;
}
