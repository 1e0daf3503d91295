// A shooter match of N entities, set up for benchmarking the tick the sim worker runs
// (sim.step + ring.publish) at a realistic density:
//
// - players = min(1000, max(2, N / 100)), joined through JOIN commands, readied with FIRE in
//   the lobby (which starts the match), then every tick pressing FIRE and moving left or right
//   (the direction flips every 90 ticks, staggered per player; the fire cooldowns are
//   staggered too, so ~players / 20 lasers spawn on every tick rather than all on one);
// - ~20% lasers, placed anywhere above the players; the rest enemies, x in [50, W - 100),
//   y in [-1500 H / 750, H - 100): the ranges of the game's own waves, scaled with the world;
// - the world grows with N so the density stays that of a 16-player match (about 200
//   entities in 750 x 750): side = max(750, round(750 sqrt(N / 200))), W = H = side, as long
//   as the game allows it. The shooter's largest world is MAX_WORLD (16,000 x 8,000: positions
//   travel as u16 half pixels); past it W = min(side, 16,000) and H = min(side, 8,000), so the
//   density rises (at 100k: 16,000 x 8,000 instead of 16,771 x 16,771, 2.2 times as dense);
// - capacity = round(1.3 N).
//
// Every tick kills entities (lasers and the enemies they hit, enemies leaving the bottom),
// so `topUp()` (meant to run untimed, between ticks) spawns enemies and lasers back to their
// target counts (and trims lasers the players fired beyond it), uniformly over the same ranges, and resets the players' health so nobody
// loses and the match stays in PLAYING.

import { query } from 'bitecs';
import { Cmd, type Command } from '../../src/engine/input-queue.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { nextFloat, nextInt, seedRng } from '../../src/engine/prng.js';
import { Simulation } from '../../src/engine/simulation.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import { despawn, spawn } from '../../src/engine/world.js';
import {
  Button,
  COOLDOWN_TICKS,
  createShooter,
  ENEMY_H,
  MAX_WORLD,
  Phase,
  SHOOTER_MAX_PLAYERS,
  START_HEALTH,
  type ShooterSpec,
} from '../../src/engine/games/shooter/index.js';

export interface ShooterFixture {
  readonly n: number;
  readonly players: number;
  readonly lasers: number;
  readonly enemies: number;
  readonly width: number;
  readonly height: number;
  /** Entities per 750 x 750 px of world (a 16-player match has about 200). */
  readonly perScreen: number;
  readonly capacity: number;
  readonly sim: Simulation<ShooterSpec>;
  readonly block: StateBlock;
  readonly ring: SnapshotRing;
  /** Untimed: spawn enemies and lasers back to their targets, heal players; returns how many spawned. */
  topUp(): number;
  /** The inputs of the next tick: one per player, FIRE plus left or right. */
  commands(): Command[];
  /** What the sim worker does after each step. */
  publish(): void;
  counts(): { enemies: number; lasers: number; players: number; lost: number };
  /** Enemies at least partly inside the world (y > -ENEMY_H); the rest are still above it. */
  onScreenEnemies(): number;
}

/** The fixture's world at N entities: a 16-player match's density, within the game's MAX_WORLD. */
export function shooterWorldSize(n: number): { width: number; height: number } {
  const side = Math.max(750, Math.round(750 * Math.sqrt(n / 200)));
  return { width: Math.min(side, MAX_WORLD.width), height: Math.min(side, MAX_WORLD.height) };
}

export function shooterFixture(n: number, seed = 1): ShooterFixture {
  const players = Math.min(SHOOTER_MAX_PLAYERS, Math.max(2, Math.round(n / 100)));
  const lasers = Math.round(n * 0.2);
  const enemies = n - players - lasers;
  const { width, height } = shooterWorldSize(n);
  const capacity = Math.round(n * 1.3);
  const game = createShooter({ maxPlayers: players, width, height, capacity });
  const block = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  const sim = new Simulation(game, block, { capacity, seed });
  const ring = SnapshotRing.create(game.schema, capacity);
  const w = sim.world;
  const { Position, Player, Enemy, Laser, Entity } = w.c;
  const rng = seedRng(seed ^ 0x5eed);
  const uniform = (lo: number, hi: number) => lo + nextFloat(rng) * (hi - lo);

  const publish = () =>
    ring.publish(sim.tick, block, {
      maxEid: sim.maxEid,
      aliveCount: sim.aliveCount,
      hashHi: sim.lastHash.hi,
      hashLo: sim.lastHash.lo,
    });

  // join everyone and ready up with FIRE: the match starts in this same tick
  let seq = 1;
  const clients = Array.from({ length: players }, (_, i) => i + 1);
  const join = clients.map((client): Command => ({ type: Cmd.JOIN, client, seq: 0, buttons: 0, ax: 0, ay: 0 }));
  const ready = clients.map((client): Command => ({ type: Cmd.INPUT, client, seq, buttons: Button.FIRE, ax: 0, ay: 0 }));
  sim.step([...join, ...ready]);
  publish();
  if (w.g[w.G.phase] !== Phase.PLAYING) throw new Error(`fixture(${n}): the match did not start`);
  const playerEids = clients.map((c) => sim.entityOf(c));
  if (playerEids.some((e) => e < 0)) throw new Error(`fixture(${n}): a player was refused`);
  playerEids.forEach((e, i) => (Player.cooldown[e] = i % (COOLDOWN_TICKS + 1)));

  const top = -Math.round((1500 * height) / 750);
  const addEnemy = (): boolean => {
    const e = spawn(w, w.A.enemy);
    if (e < 0) return false;
    Position.x[e] = uniform(50, width - 100);
    Position.y[e] = uniform(top, height - 100);
    Enemy.color[e] = nextInt(rng, 0, 3);
    return true;
  };
  const addLaser = (): boolean => {
    const s = playerEids[nextInt(rng, 0, players)]!;
    const e = spawn(w, w.A.laser);
    if (e < 0) return false;
    Position.x[e] = uniform(0, width - 100);
    Position.y[e] = uniform(0, height - 120); // players stand at y = height - 120
    Laser.slot[e] = Player.slot[s]!;
    Laser.shooter[e] = s;
    Laser.shooterGen[e] = Entity.gen[s]!;
    return true;
  };

  const counts = () => {
    let lost = 0;
    for (const e of playerEids) lost += Player.lost[e]!;
    return {
      enemies: query(w, [Enemy]).length,
      lasers: query(w, [Laser]).length,
      players: query(w, [Player]).length,
      lost,
    };
  };

  const onScreenEnemies = (): number => {
    const list = query(w, [Enemy]);
    let k = 0;
    for (let i = 0; i < list.length; i++) if (Position.y[list[i]!]! > -ENEMY_H) k++;
    return k;
  };

  const topUp = (): number => {
    for (const e of playerEids) Player.health[e] = START_HEALTH;
    const c = counts();
    let added = 0;
    for (let i = c.enemies; i < enemies; i++) if (addEnemy()) added++;
    for (let i = c.lasers; i < lasers; i++) if (addLaser()) added++;
    // players fire ~players/20 lasers a tick and a laser lives up to height/10 ticks: without a
    // trim the laser count would climb for the whole run instead of staying at its target
    if (c.lasers > lasers) {
      const list = query(w, [Laser]).slice(0, c.lasers - lasers);
      for (const e of list) despawn(w, e);
    }
    return added;
  };
  topUp();

  const commands = (): Command[] => {
    seq++;
    const t = sim.tick;
    return clients.map((client, i): Command => {
      const left = Math.floor((t + i * 37) / 90) % 2 === 0;
      return { type: Cmd.INPUT, client, seq, buttons: Button.FIRE | (left ? Button.LEFT : Button.RIGHT), ax: 0, ay: 0 };
    });
  };

  const perScreen = Math.round((n * 750 * 750) / (width * height));
  return { n, players, lasers, enemies, width, height, perScreen, capacity, sim, block, ring, topUp, commands, publish, counts, onScreenEnemies };
}
