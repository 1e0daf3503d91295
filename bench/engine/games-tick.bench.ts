// The games-tick suite: one tick of each small game (gather, squares, race) as the sim worker
// runs it (sim.step(commands) with the state hash, then ring.publish(...)) at 1k and 10k
// entities. Every player sends an input every tick (the worst case for the input path).
//
// - gather: players = N - 3 (plus the 3 gatherables). Players start on distinct cells, so
//   the board must have more cells than players: the original 59 x 39 board (2,301 cells)
//   holds 1k; for 10k the board grows to keep the same occupancy (43%): cols x rows =
//   round(59 f) x round(39 f), f = sqrt(N / 1000). Each player turns to a new direction
//   every 60 ticks (staggered). Moves happen on one tick in 12, so the median tick is a quiet
//   one: `step tick ms` times the move + gather ticks alone.
// - squares: N players on the original 640 x 480 map (squares may overlap), each holding a
//   random heading for 90 ticks (staggered).
// - race: N racers driven by the game's own bot (it reads only its own row, so deciding is
//   O(1) per racer); one in 50 taps random keys instead and crashes now and then. Untimed
//   upkeep takes 900 points off anyone past 990, so nobody wins and the race stays on.
//
// Commands and upkeep are built between timed ticks (tinybench beforeEach), as in tick.bench.ts.

import { Bench } from 'tinybench';
import type { GameDef } from '../../src/engine/game.js';
import { Button as GatherButton, createGather, GATHERABLES, STEP_TICKS } from '../../src/engine/games/gather/index.js';
import { createRace, Phase as RacePhase } from '../../src/engine/games/race/index.js';
import { createSquares } from '../../src/engine/games/squares/index.js';
import { hashState } from '../../src/engine/hash.js';
import { Cmd, type Command } from '../../src/engine/input-queue.js';
import { InputRules } from '../../src/engine/input-rules.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { nextInt, seedRng } from '../../src/engine/prng.js';
import type { SchemaSpec } from '../../src/engine/schema.js';
import { Simulation } from '../../src/engine/simulation.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import { viewOf } from '../../src/engine/snapshot-view.js';
import { syncOrderToBlock, syncRngToGlobals } from '../../src/engine/world.js';
import { median, round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const SIZES = [
  { n: 1_000, timeMs: 1_000 },
  { n: 10_000, timeMs: 2_000 },
];
const GAMES = ['gather', 'squares', 'race'] as const;
type GameName = (typeof GAMES)[number];
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
      "commands; `input` is `entityOf` + `game.onInput` per command; `systems` the game's systems; " +
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

interface Fixture {
  // any game's simulation (Simulation<GatherSpec> is not a Simulation<SchemaSpec>: its
  // systems take the narrower world), as GameFactory.create returns GameDef<any>
  readonly sim: Simulation<any>;
  readonly players: number;
  readonly board: string;
  /** Untimed, before each tick: game-specific upkeep, then that tick's commands. */
  next(): Command[];
  /** Whether the coming tick runs the game's main work. */
  heavy(tick: number): boolean;
  /** Throws when the run did not exercise the game as intended. */
  check(): void;
}

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
  const capacity = Math.round(n * 1.1);
  const fx = fixture(game, n, capacity);
  const { sim } = fx;
  const block = sim.world.block;
  const ring = SnapshotRing.create(sim.game.schema, capacity);
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
function breakdown(fx: Fixture, publish: () => void): Record<string, number> {
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
    for (const c of cmds) game.onInput(w, sim.entityOf(c.client), c);
    time('input');
    for (const system of game.systems) system(w);
    time('systems');
    w.g[w.G.tick] = sim.tick + 1;
    syncRngToGlobals(w);
    syncOrderToBlock(w);
    time('sync');
    sim.lastHash = hashState(game.schema, w.block, sim.maxEid);
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

function fixture(game: GameName, n: number, capacity: number): Fixture {
  switch (game) {
    case 'gather':
      return gatherFixture(n, capacity);
    case 'squares':
      return squaresFixture(n, capacity);
    case 'race':
      return raceFixture(n, capacity);
  }
}

/** A Simulation of `game` with `players` clients joined (clients 1..players) in one tick. */
function start<S extends SchemaSpec>(game: GameDef<S>, players: number, capacity: number) {
  const block: StateBlock = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  const sim = new Simulation(game, block, { capacity, seed: 1 });
  const clients = Array.from({ length: players }, (_, i) => i + 1);
  sim.step(clients.map((client): Command => ({ type: Cmd.JOIN, client, seq: 0, buttons: 0, ax: 0, ay: 0 })));
  const eids = clients.map((c) => sim.entityOf(c));
  if (eids.some((e) => e < 0)) throw new Error(`${game.name}: a join was refused`);
  let seq = 0;
  /** One input per client, buttons chosen per client index. */
  const inputs = (buttons: (i: number, eid: number) => number): Command[] => {
    seq++;
    return clients.map((client, i): Command => ({ type: Cmd.INPUT, client, seq, buttons: buttons(i, eids[i]!), ax: 0, ay: 0 }));
  };
  return { sim, eids, inputs };
}

function gatherFixture(n: number, capacity: number): Fixture {
  const players = n - GATHERABLES;
  const f = Math.max(1, Math.sqrt(n / 1000));
  const cols = Math.round(59 * f);
  const rows = Math.round(39 * f);
  const { sim, eids, inputs } = start(createGather({ maxPlayers: players, cols, rows, capacity }), players, capacity);
  const dirs = [GatherButton.RIGHT, GatherButton.DOWN, GatherButton.LEFT, GatherButton.UP];
  const w = sim.world;
  return {
    sim,
    players,
    board: `${cols} x ${rows} cells`,
    next: () => inputs((i) => dirs[(Math.floor((sim.tick + i * 7) / 60) + i) % 4]!),
    heavy: (tick) => tick % STEP_TICKS === 0,
    check() {
      let points = 0;
      for (const e of eids) points += w.c.Player.points[e]!;
      let gatherables = 0;
      for (let e = 1; e <= sim.maxEid; e++) if (w.c.Entity.archetype[e] === w.A.gatherable + 1) gatherables++;
      if (gatherables !== GATHERABLES) throw new Error(`gather ${n}: ${gatherables} gatherables`);
      if (points === 0 && w.g[w.G.round] === 1) throw new Error(`gather ${n}: nobody ever gathered`);
    },
  };
}

function squaresFixture(n: number, capacity: number): Fixture {
  const { sim, eids, inputs } = start(createSquares({ maxPlayers: n, capacity }), n, capacity);
  const w = sim.world;
  const x0 = eids.map((e) => w.c.Position.x[e]!);
  return {
    sim,
    players: n,
    board: '640 x 480 px',
    next: () => inputs((i) => (Math.imul(i + 1, 0x9e3779b1) ^ Math.floor((sim.tick + i * 13) / 90)) & 0x0f),
    heavy: () => true,
    check() {
      if (eids.every((e, i) => w.c.Position.x[e] === x0[i])) throw new Error(`squares ${n}: nothing moved`);
    },
  };
}

function raceFixture(n: number, capacity: number): Fixture {
  const game = createRace({ maxPlayers: n, capacity });
  const { sim, eids, inputs } = start(game, n, capacity);
  const w = sim.world;
  const rng = seedRng(4);
  let crashes = 0;
  return {
    sim,
    players: n,
    board: '800 x 600 px',
    next() {
      for (const e of eids) {
        if (w.c.Racer.points[e]! > 990) w.c.Racer.points[e] = w.c.Racer.points[e]! - 900;
        if (w.c.Racer.crashed[e] === 1) crashes++;
      }
      const view = viewOf(game.schema, w.block, sim.tick, sim.maxEid);
      return inputs((i, e) => (i % 50 === 0 ? (nextInt(rng, 0, 8) < 1 ? nextInt(rng, 1, 3) : 0) : game.bot(view, e)));
    },
    heavy: () => true,
    check() {
      if (w.g[w.G.phase] !== RacePhase.RACING) throw new Error(`race ${n}: the race ended`);
      let points = 0;
      for (const e of eids) points += w.c.Racer.points[e]!;
      if (points === 0) throw new Error(`race ${n}: nobody scored`);
      if (crashes === 0) throw new Error(`race ${n}: nobody crashed (the random tappers should)`);
    },
  };
}
