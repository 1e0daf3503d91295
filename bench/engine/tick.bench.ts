// The tick suite: one shooter tick as the sim worker runs it (sim.step(commands) then
// ring.publish(...), with the state hash computed every tick) at 1k, 10k and 100k entities.
// The state is built by shooter-fixture.ts (realistic mix and density).
//
// Keeping the population steady: every tick kills entities, so between timed ticks an
// untimed tinybench `beforeEach` hook tops enemies and lasers back up to their targets
// (and builds that tick's input commands). We top up rather than rebuild the world for every
// sample: a rebuild costs far more than a tick at 100k, and would time the same first tick of
// a fresh world over and over (lasers placed on top of enemies, thousands of kills, a fresh
// entity index); with top-up each sample is a real next tick of one long-running match, as in
// the worker, at the same population. The top-up itself is outside the timed window; what it
// spawns is moved, hit and despawned (ids recycled) inside it, as in a real tick. Before
// timing, SETTLE_TICKS untimed ticks let the start-up transient pass (see measure()).

import { Bench } from 'tinybench';
import { Phase } from '../../src/engine/games/shooter/index.js';
import { HASH_CHUNKS_PER_TICK, hashRound } from '../../src/engine/hash.js';
import { RING_SLOTS } from '../../src/engine/snapshot-ring.js';
import { syncOrderToBlock, syncRngToGlobals } from '../../src/engine/world.js';
import { median, round } from '../stats.js';
import type { Command } from '../../src/engine/input-queue.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';
import { shooterFixture, type ShooterFixture } from './shooter-fixture.js';

/** Entity counts, with tinybench's time budget (ms of timed ticks) for each. */
export const SIZES = [
  { n: 1_000, timeMs: 1_000 },
  { n: 10_000, timeMs: 2_000 },
  { n: 100_000, timeMs: 6_000 },
];
const SETTLE_TICKS = 60;
const PUBLISH_TIME_MS = 300;
const BREAKDOWN_TICKS = 50;
/** Names of the shooter's systems, in game.systems order. */
const SYSTEM_NAMES = ['control', 'match', 'motion', 'drones', 'collision', 'outcome'];

export const info: SuiteInfo = {
  name: 'tick',
  title: 'one shooter tick (step + snapshot publish)',
  description: [
    'One tick as the sim worker runs it: `sim.step(commands)` (input rules, the six systems, ' +
      'the state hash) followed by `ring.publish(...)` into the 32-slot snapshot ring. The match ' +
      'is in PLAYING; players = min(1000, max(2, N/100)), all sending FIRE plus left/right every ' +
      'tick (so ~players/20 lasers spawn per tick); ~20% lasers; the rest enemies. The world ' +
      'grows with N to keep the density of a 16-player match (~200 entities in 750x750): ' +
      'side = max(750, round(750 sqrt(N/200))) px, within the largest world the shooter allows ' +
      '(16,000 x 8,000: positions travel as u16 half pixels), so at 100k the world is ' +
      '16,000 x 8,000 instead of 16,771 square and 2.2 times as dense (`per screen`: entities per ' +
      '750 x 750 px); capacity = 1.3 N.',
    'Between timed ticks an untimed hook spawns enemies and lasers back to their target counts ' +
      '(uniformly over the spawn ranges) and heals the players, so every sample is a next tick of ' +
      'the same long-running match at the same population. Timing starts after ' +
      `${SETTLE_TICKS} untimed ticks: the uniformly placed lasers first clear the screen (thousands ` +
      'of kills per tick at 100k); in the steady state measured here almost all enemies are still ' +
      'above the screen and are shot soon after they come in. `respawned/tick` (median) is how ' +
      'many entities the hook put back per tick, i.e. about how many a tick despawned; ' +
      '`enemies on screen` (median) is how many enemies had y > -50.',
    '`median`, `p99`, `mean`: tinybench latency of step + publish. `publish`: median of ' +
      '`ring.publish` alone (timed separately). The breakdown below times each part of ' +
      `${BREAKDOWN_TICKS} further ticks separately with performance.now() (medians; they need not ` +
      "add up exactly to the tick's median). `input` there is `game.onInput` only, without the " +
      'input-rules bookkeeping of `sim.step`; `sync` is the PRNG + entity-order copy into the block. ' +
      '`hash %` is the median over those ticks of hash / total. `hash round`: ticks the state hash ' +
      'takes to cover the whole state (1: all of it every tick; larger states are hashed in turns ' +
      'of 512 KiB, see src/engine/hash.ts).',
  ],
  columns: [
    { key: 'n', label: 'N' },
    { key: 'entities', label: 'entities' },
    { key: 'players', label: 'players' },
    { key: 'world_px', label: 'world px' },
    { key: 'per_screen', label: 'per screen' },
    { key: 'median_ms', label: 'median ms' },
    { key: 'p99_ms', label: 'p99 ms' },
    { key: 'mean_ms', label: 'mean ms' },
    { key: 'samples', label: 'samples' },
    { key: 'publish_ms', label: 'publish ms' },
    { key: 'respawned_per_tick', label: 'respawned/tick' },
    { key: 'enemies_on_screen', label: 'enemies on screen' },
    { key: 'hash_round', label: 'hash round' },
    { key: 'hash_pct', label: 'hash %' },
  ],
  targets: [
    { label: '10k entities: median tick <= 1 ms', where: { key: 'n', value: 10_000 }, metric: 'median_ms', max: 1 },
    { label: '100k entities: median tick <= 10 ms', where: { key: 'n', value: 100_000 }, metric: 'median_ms', max: 10 },
    { label: '100k entities: state hash <= 15% of the tick', where: { key: 'n', value: 100_000 }, metric: 'hash_pct', max: 15 },
  ],
  breakdownKey: 'breakdown_ms',
};

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const { n, timeMs } of SIZES) {
    process.stdout.write(`tick: ${n.toLocaleString('en-US')} entities ... `);
    const row = await measure(n, timeMs);
    console.log(`median ${row.median_ms} ms, p99 ${row.p99_ms} ms (${row.samples} samples)`);
    rows.push(row);
  }
  return { rows };
}

async function measure(n: number, timeMs: number): Promise<Row> {
  const fx = shooterFixture(n);
  const { sim } = fx;

  // ---- settle: untimed ticks until the start-up transient is over ---------------------------
  // Lasers placed uniformly overlap many enemies at first: the first ticks kill thousands of
  // entities at 100k, and within ~30 ticks the lasers have cleared the screen; from then on
  // enemies mostly wait above it and are shot soon after they come in (as in a real match).
  // Time the steady state, not that artefact of the set-up.
  for (let t = 0; t < SETTLE_TICKS; t++) {
    fx.topUp();
    sim.step(fx.commands());
    fx.publish();
  }

  // ---- step + publish -----------------------------------------------------------------------
  let cmds: Command[] = [];
  let ticks = 0;
  let entities = -1;
  let minAlive = Infinity;
  let maxAlive = 0;
  const respawned: number[] = [];
  const onScreen: number[] = [];
  const startTick = sim.tick;
  const bench = new Bench({ time: timeMs, iterations: 32, warmupTime: 250, warmupIterations: 16, throws: true });
  bench.add(
    `tick ${n}`,
    () => {
      sim.step(cmds);
      fx.publish();
    },
    {
      async: false, // else tinybench calls the task once at add() to detect a promise
      beforeEach(mode) {
        const added = fx.topUp();
        const alive = sim.aliveCount;
        if (alive < minAlive) minAlive = alive;
        if (alive > maxAlive) maxAlive = alive;
        if (mode === 'run') {
          if (entities < 0) entities = alive;
          respawned.push(added);
          onScreen.push(fx.onScreenEnemies());
        }
        cmds = fx.commands();
        ticks++;
      },
    },
  );
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`tick ${n}: tinybench task ${r.state}`);
  check(fx, startTick + ticks, minAlive, maxAlive);

  // ---- publish alone, rotating through the ring's slots like the worker ---------------------
  const pub = new Bench({ time: PUBLISH_TIME_MS, iterations: 32, warmupTime: 50, throws: true });
  let k = 0;
  const base = sim.tick;
  const h = sim.lastHash;
  pub.add(`publish ${n}`, () => {
    fx.ring.publish(base + (k++ % RING_SLOTS), fx.block, {
      maxEid: sim.maxEid,
      aliveCount: sim.aliveCount,
      hashHi: h.hi,
      hashLo: h.lo,
    });
  }, { async: false });
  await pub.run();
  const pr = pub.tasks[0]!.result;
  if (pr.state !== 'completed') throw new Error(`publish ${n}: tinybench task ${pr.state}`);
  const parts = breakdown(fx);

  return {
    n,
    entities,
    players: fx.players,
    world_px: `${fx.width.toLocaleString('en-US')} x ${fx.height.toLocaleString('en-US')}`,
    per_screen: fx.perScreen,
    median_ms: round(r.latency.p50),
    p99_ms: round(r.latency.p99),
    mean_ms: round(r.latency.mean),
    samples: r.latency.samplesCount,
    publish_ms: round(pr.latency.p50),
    respawned_per_tick: Math.round(median(respawned)),
    enemies_on_screen: Math.round(median(onScreen)),
    hash_round: hashRound(sim.game.schema, sim.maxEid, HASH_CHUNKS_PER_TICK),
    hash_pct: parts.hashPct,
    breakdown_ms: parts.ms,
  };
}

/** The timed ticks really ran, on the intended population: throw otherwise. */
function check(fx: ShooterFixture, expectedTick: number, minAlive: number, maxAlive: number): void {
  const { sim, ring, n } = fx;
  const fail = (what: string) => {
    throw new Error(`tick ${n}: ${what}`);
  };
  if (sim.tick !== expectedTick) fail(`sim is at tick ${sim.tick}, expected ${expectedTick}`);
  if (ring.newestTick() !== sim.tick) fail(`ring newest tick ${ring.newestTick()} != sim tick ${sim.tick}`);
  const token = ring.beginRead(sim.tick);
  const slot = ring.info(sim.tick);
  if (token < 0 || !ring.endRead(sim.tick, token)) fail('newest ring slot not readable');
  if (slot.hashHi !== sim.lastHash.hi || slot.hashLo !== sim.lastHash.lo) fail('ring slot hash != sim hash');
  if (slot.hashHi === 0 && slot.hashLo === 0) fail('zero state hash');
  const w = sim.world;
  if (w.g[w.G.phase] !== Phase.PLAYING) fail(`match left PLAYING (phase ${w.g[w.G.phase]})`);
  const c = fx.counts();
  if (c.players !== fx.players || c.lost !== 0) fail(`players ${c.players} (lost ${c.lost}), expected ${fx.players} standing`);
  const lo = 0.8 * n;
  const hi = 1.2 * n;
  if (minAlive < lo || maxAlive > hi) fail(`alive count ranged ${minAlive}..${maxAlive} at tick starts, outside +-20% of ${n}`);
  if (sim.aliveCount < lo || sim.aliveCount > hi) fail(`alive count ${sim.aliveCount} after the last tick, outside +-20% of ${n}`);
  let score = 0;
  for (const [, e] of sim.clients()) score += w.c.Player.score[e]!;
  if (score === 0) fail('no laser ever hit an enemy: collision did not run');
  if (w.counters.spawnRefused > 0) fail(`${w.counters.spawnRefused} spawns refused (capacity)`);
}

/**
 * Where the time of a tick goes: the parts of sim.step (and the publish after it) run one by
 * one for BREAKDOWN_TICKS ticks, each timed with performance.now(); medians in ms.
 */
function breakdown(fx: ShooterFixture): { ms: Record<string, number>; hashPct: number } {
  const { sim } = fx;
  const w = sim.world;
  const game = sim.game;
  const systems = game.systems;
  // a breakdown with the wrong names would blame the wrong system: fail instead
  if (systems.length !== SYSTEM_NAMES.length) throw new Error(`tick: the shooter has ${systems.length} systems, SYSTEM_NAMES ${SYSTEM_NAMES.length}`);
  const names = SYSTEM_NAMES;
  const parts: Record<string, number[]> = { input: [] };
  for (const s of names) parts[s] = [];
  Object.assign(parts, { sync: [], hash: [], publish: [], total: [] });
  const hashShare: number[] = [];
  const startTick = sim.tick;
  for (let t = 0; t < BREAKDOWN_TICKS; t++) {
    fx.topUp();
    const cmds = fx.commands();
    // the entities, looked up untimed: sim.step gets them from the input rules with the input
    const eids = cmds.map((c) => sim.entityOf(c.client));
    const t0 = performance.now();
    for (let i = 0; i < cmds.length; i++) game.onInput(w, eids[i]!, cmds[i]!);
    let a = performance.now();
    parts.input!.push(a - t0);
    for (let i = 0; i < systems.length; i++) {
      systems[i]!(w);
      const b = performance.now();
      parts[names[i]!]!.push(b - a);
      a = b;
    }
    w.g[w.G.tick] = sim.tick + 1;
    syncRngToGlobals(w);
    syncOrderToBlock(w);
    let b = performance.now();
    parts.sync!.push(b - a);
    a = b;
    sim.lastHash = sim.computeHash();
    b = performance.now();
    parts.hash!.push(b - a);
    a = b;
    fx.publish();
    b = performance.now();
    parts.publish!.push(b - a);
    parts.total!.push(b - t0);
    hashShare.push((100 * parts.hash!.at(-1)!) / (b - t0));
  }
  if (sim.tick !== startTick + BREAKDOWN_TICKS || fx.ring.newestTick() !== sim.tick) {
    throw new Error(`tick ${fx.n}: breakdown ticks did not run`);
  }
  const ms: Record<string, number> = {};
  for (const [k, v] of Object.entries(parts)) ms[k] = round(median(v));
  return { ms, hashPct: Math.round(10 * median(hashShare)) / 10 };
}
