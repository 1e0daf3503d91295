// The shooter's rules, driven through the real Simulation (input rules, join/leave, systems in
// order) with scripted commands. Precise situations are set up by spawning entities and writing
// their components between ticks, exactly as a system would.

import { describe, expect, it } from 'vitest';
import {
  Button,
  COOLDOWN_TICKS,
  Color,
  ENEMY_SPEED,
  LASER_STEP,
  PLAYER_H,
  PLAYER_SPEED,
  PLAYER_W,
  Phase,
  START_HEALTH,
  createShooter,
  type ShooterOptions,
  type ShooterSpec,
} from '../../../src/engine/games/shooter/index.js';
import { despawn, spawn } from '../../../src/engine/world.js';
import { GameHarness, type HarnessOptions } from '../../helpers/game-harness.js';

const HZ = 60;
const PLAYER_STEP = PLAYER_SPEED / HZ; // 10/3 px per tick
const ENEMY_STEP = ENEMY_SPEED / HZ; // 7/3 px per tick
const SIZE = 750;

type Kind = 'player' | 'enemy' | 'laser';

/** A shooter Simulation plus a scripted client side: joins, leaves, inputs with rising seq. */
class ShooterHarness extends GameHarness<ShooterSpec> {
  constructor(options: HarnessOptions<ShooterOptions> = {}) {
    const capacity = options.capacity ?? 256;
    super(createShooter({ capacity, ...options.game }), capacity, options.seed ?? 3);
  }

  get phase(): number {
    return this.global('phase');
  }

  get level(): number {
    return this.global('level');
  }

  get matchNo(): number {
    return this.global('matchNo');
  }

  player(client: number) {
    const e = this.eid(client);
    const { Position, Player } = this.w.c;
    return {
      x: Position.x[e]!,
      y: Position.y[e]!,
      slot: Player.slot[e]!,
      health: Player.health[e]!,
      score: Player.score[e]!,
      ready: Player.ready[e]!,
      lost: Player.lost[e]!,
      won: Player.won[e]!,
    };
  }

  addEnemy(x: number, y: number, color: number = Color.RED): number {
    const e = spawn(this.w, this.w.A.enemy);
    expect(e).toBeGreaterThan(0);
    this.w.c.Position.x[e] = x;
    this.w.c.Position.y[e] = y;
    this.w.c.Enemy.color[e] = color;
    return e;
  }

  /**
   * Remove every enemy but leave one far above the world, so no new wave comes and nothing
   * reaches a player or a laser for thousands of ticks.
   */
  clearEnemies(): this {
    for (const e of this.all('enemy')) despawn(this.w, e);
    this.addEnemy(640, -20_000);
    return this;
  }

  /** Everyone readies (FIRE) in the lobby, then releases: the match starts and wave 1 comes. */
  startMatch(...clients: number[]): this {
    for (const c of clients) this.press(c, Button.FIRE);
    this.step();
    expect(this.phase).toBe(Phase.PLAYING);
    for (const c of clients) this.press(c, 0);
    this.step();
    return this;
  }

  alive(e: number, kind: Kind): boolean {
    return this.w.c.Entity.archetype[e] === this.w.A[kind] + 1;
  }
}

describe('shooter game', () => {
  it('shooter: joining assigns slots 1 and 2 at the original spawn points, in the lobby', () => {
    const h = new ShooterHarness().join(10, 20).step();
    const a = h.player(10);
    const b = h.player(20);
    expect([a.slot, a.x, a.y]).toEqual([1, 220, 630]);
    expect([b.slot, b.x, b.y]).toEqual([2, 400, 630]);
    expect(a.health).toBe(START_HEALTH);
    expect(b.health).toBe(START_HEALTH);
    expect([a.score, a.ready, a.lost, a.won]).toEqual([0, 0, 0, 0]);
    expect(h.w.c.Entity.owner[h.eid(10)]).toBe(10);
    expect(h.w.c.Entity.owner[h.eid(20)]).toBe(20);
    expect(h.phase).toBe(Phase.LOBBY);
    expect(h.all('player')).toHaveLength(2);
    expect(h.sim.entityOf(30)).toBe(-1);
  });

  it('shooter: the lobby starts a match only once every present player has pressed FIRE', () => {
    const h = new ShooterHarness();
    h.step(5);
    expect(h.phase).toBe(Phase.LOBBY); // nobody present: nothing starts
    h.join(1, 2).step();
    h.press(1, Button.FIRE).press(2, Button.LEFT).step(3);
    expect(h.player(1).ready).toBe(1);
    expect(h.player(2).ready).toBe(0);
    expect(h.player(2).x).toBe(400); // no movement outside a match
    expect(h.phase).toBe(Phase.LOBBY);
    expect(h.all('laser')).toHaveLength(0); // FIRE in the lobby readies, it does not shoot
    h.press(2, Button.FIRE).step();
    expect(h.phase).toBe(Phase.PLAYING);
    expect(h.matchNo).toBe(1);
    expect(h.player(1).ready).toBe(0);
    expect(h.player(2).ready).toBe(0);
  });

  it('shooter: ships move 200 px/s (10/3 px per tick) in four directions', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.press(1, Button.LEFT).step();
    expect(h.player(1).x).toBeCloseTo(220 - PLAYER_STEP, 4);
    expect(h.player(1).y).toBe(630);
    h.step(59); // one second in all
    expect(h.player(1).x).toBeCloseTo(20, 2);
    h.press(1, Button.RIGHT).step(30);
    expect(h.player(1).x).toBeCloseTo(120, 2);
    h.press(1, Button.UP).step(60);
    expect(h.player(1).y).toBeCloseTo(430, 2);
    h.press(1, Button.DOWN).step(6);
    expect(h.player(1).y).toBeCloseTo(450, 2);
    h.press(1, Button.UP | Button.RIGHT).step(3);
    expect(h.player(1).x).toBeCloseTo(130, 2);
    expect(h.player(1).y).toBeCloseTo(440, 2);
    h.press(1, Button.LEFT | Button.RIGHT | Button.UP | Button.DOWN).step(3); // opposite keys cancel out
    expect(h.player(1).x).toBeCloseTo(130, 2);
    expect(h.player(1).y).toBeCloseTo(440, 2);
  });

  it("shooter: ships stay inside the original's bounds, with 15 px kept free at the bottom", () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.press(1, Button.LEFT | Button.UP).step(300);
    let p = h.player(1);
    expect(p.x).toBeGreaterThan(0);
    expect(p.x - PLAYER_STEP).toBeLessThanOrEqual(0);
    expect(p.y).toBeGreaterThan(0);
    expect(p.y - PLAYER_STEP).toBeLessThanOrEqual(0);
    h.press(1, Button.RIGHT | Button.DOWN).step(300);
    p = h.player(1);
    expect(p.x + PLAYER_W).toBeLessThan(SIZE);
    expect(p.x + PLAYER_STEP + PLAYER_W).toBeGreaterThanOrEqual(SIZE);
    expect(p.y + PLAYER_H + 15).toBeLessThan(SIZE);
    expect(p.y + PLAYER_STEP + PLAYER_H + 15).toBeGreaterThanOrEqual(SIZE);
    const at = [p.x, p.y];
    h.step(10); // pressing against the corner does not move the ship
    expect([h.player(1).x, h.player(1).y]).toEqual(at);
  });

  it('shooter: holding FIRE shoots once every 20 ticks', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.press(1, Button.FIRE);
    const shotTicks: number[] = [];
    let lasers = 0;
    for (let t = 0; t < 61; t++) {
      h.step();
      const n = h.all('laser').length;
      if (n > lasers) shotTicks.push(t);
      lasers = n;
    }
    expect(shotTicks).toEqual([0, 20, 40, 60]);
    expect(COOLDOWN_TICKS).toBe(20);
  });

  it('shooter: pressing FIRE again during the cooldown does not shoot', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.press(1, Button.FIRE).step();
    expect(h.all('laser')).toHaveLength(1);
    h.press(1, 0).step(9);
    h.press(1, Button.FIRE).step(10); // ticks 10..19 after the shot: still cooling down
    expect(h.all('laser')).toHaveLength(1);
    h.step(); // tick 20
    expect(h.all('laser')).toHaveLength(2);
    h.press(1, 0).step(30); // released long enough: the next press shoots at once
    h.press(1, Button.FIRE).step();
    expect(h.all('laser')).toHaveLength(3);
  });

  it("shooter: a laser starts at the ship, rises 10 px per tick and vanishes once above the top", () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.press(2, Button.FIRE).step().press(2, 0);
    const [l] = h.all('laser');
    expect(l).toBeDefined();
    const laser = l!;
    expect(h.w.c.Laser.slot[laser]).toBe(2);
    expect(h.w.c.Position.x[laser]).toBe(400);
    expect(h.w.c.Position.y[laser]).toBe(630 - LASER_STEP); // moved in the tick it was fired
    h.step();
    expect(h.w.c.Position.y[laser]).toBe(610);
    h.step(61);
    expect(h.w.c.Position.y[laser]).toBe(0); // still on screen at y = 0
    expect(h.alive(laser, 'laser')).toBe(true);
    h.step();
    expect(h.alive(laser, 'laser')).toBe(false);
    expect(h.all('laser')).toHaveLength(0);
    expect(h.player(2).score).toBe(0);
  });

  it('shooter: a laser that overlaps enemies removes each of them, scores for the shooter, and vanishes', () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.press(2, Button.FIRE).step().press(2, 0).step(20);
    const laser = h.all('laser')[0]!;
    const lx = h.w.c.Position.x[laser]!;
    const ly = h.w.c.Position.y[laser]!;
    expect([lx, ly]).toEqual([400, 420]);
    // after the next tick the laser box is (lx, ly - 10, 100, 90), enemies are 7/3 px lower
    const above = h.addEnemy(lx + 10, ly - 60, Color.RED); // bottom edge dips into the laser
    const side = h.addEnemy(lx + 80, ly - 20, Color.BLUE); // 50 wide: overlaps the last 20 px
    const beside = h.addEnemy(lx + 100, ly - 20, Color.GREEN); // starts where the laser ends
    const higher = h.addEnemy(lx + 10, ly - 120, Color.RED); // still 57 px above the laser
    h.step();
    expect(h.alive(above, 'enemy')).toBe(false);
    expect(h.alive(side, 'enemy')).toBe(false);
    expect(h.alive(beside, 'enemy')).toBe(true);
    expect(h.alive(higher, 'enemy')).toBe(true);
    expect(h.alive(laser, 'laser')).toBe(false);
    expect(h.player(2).score).toBe(2);
    expect(h.player(1).score).toBe(0);
  });

  it('shooter: enemy boxes are 70 px wide (red, green) and 50 px wide (blue)', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.press(1, Button.FIRE).step().press(1, 0).step(20);
    const laser = h.all('laser')[0]!;
    const lx = h.w.c.Position.x[laser]!;
    const ly = h.w.c.Position.y[laser]!;
    // 60 px left of the laser: a 70 px enemy reaches 10 px into it, a 50 px one stops short
    const blue = h.addEnemy(lx - 60, ly - 20, Color.BLUE);
    h.step();
    expect(h.alive(blue, 'enemy')).toBe(true);
    expect(h.alive(laser, 'laser')).toBe(true);
    const green = h.addEnemy(lx - 60, h.w.c.Position.y[laser]! - 20, Color.GREEN);
    h.step();
    expect(h.alive(green, 'enemy')).toBe(false);
    expect(h.alive(blue, 'enemy')).toBe(true);
    expect(h.player(1).score).toBe(1);
  });

  it('shooter: a laser whose shooter left still removes enemies but scores for no one', () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.press(2, Button.FIRE).step().leave(2).step();
    expect(h.all('player')).toHaveLength(1);
    const laser = h.all('laser')[0]!;
    const enemy = h.addEnemy(h.w.c.Position.x[laser]! + 10, h.w.c.Position.y[laser]! - 60);
    h.step();
    expect(h.alive(enemy, 'enemy')).toBe(false);
    expect(h.alive(laser, 'laser')).toBe(false);
    // the leaver's row was reused by an enemy (a new generation): nobody's score moved
    for (let e = 1; e <= h.sim.maxEid; e++) expect(h.w.c.Player.score[e]).toBe(0);
    expect(h.phase).toBe(Phase.PLAYING);
  });

  it('shooter: an enemy touching a live player removes itself and costs 10 health', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    // player box: (220, 630, 100, 90)
    const hit = h.addEnemy(250, 590); // after falling 7/3 px its bottom is at 642
    const near = h.addEnemy(250, 576); // bottom at 628.3: not touching yet, 2 px short
    const aside = h.addEnemy(330, 640); // level with the ship, 10 px to its right
    h.step();
    expect(h.alive(hit, 'enemy')).toBe(false);
    expect(h.alive(near, 'enemy')).toBe(true);
    expect(h.alive(aside, 'enemy')).toBe(true);
    expect(h.player(1).health).toBe(90);
    h.addEnemy(230, 640);
    h.addEnemy(280, 660, Color.BLUE);
    h.step(); // `near` arrives too: three hits in one tick
    expect(h.alive(near, 'enemy')).toBe(false);
    expect(h.player(1).health).toBe(60);
    expect(h.player(1).score).toBe(0);
    expect(h.phase).toBe(Phase.PLAYING);
  });

  it('shooter: an enemy whose bottom passes y = 750 is removed', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    const past = h.addEnemy(600, 698); // 700.33 + 50 > 750
    const edge = h.addEnemy(500, 697); // 699.33 + 50 < 750, then past on the next tick
    h.step();
    expect(h.alive(past, 'enemy')).toBe(false);
    expect(h.alive(edge, 'enemy')).toBe(true);
    expect(h.w.c.Position.y[edge]).toBeCloseTo(697 + ENEMY_STEP, 3);
    h.step();
    expect(h.alive(edge, 'enemy')).toBe(false);
    expect(h.player(1).health).toBe(START_HEALTH);
  });

  it('shooter: waves grow by 10 (20, 30, 40) and spawn in x [50, 650), y [-1500, -100)', () => {
    const h = new ShooterHarness({ seed: 12345 }).join(1, 2);
    h.press(1, Button.FIRE).press(2, Button.FIRE).step();
    expect(h.level).toBe(0); // the match starts; its first wave comes on the next tick
    expect(h.all('enemy')).toHaveLength(0);
    h.press(1, 0).press(2, 0);
    for (const [level, count] of [
      [1, 20],
      [2, 30],
      [3, 40],
    ] as const) {
      h.step();
      expect(h.level).toBe(level);
      const enemies = h.all('enemy');
      expect(enemies).toHaveLength(count);
      const colors = new Set<number>();
      for (const e of enemies) {
        const x = h.w.c.Position.x[e]!;
        const y0 = h.w.c.Position.y[e]! - ENEMY_STEP; // spawned, then fell one step this tick
        expect(Number.isInteger(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(50);
        expect(x).toBeLessThan(650);
        expect(Math.abs(y0 - Math.round(y0))).toBeLessThan(1e-3);
        expect(Math.round(y0)).toBeGreaterThanOrEqual(-1500);
        expect(Math.round(y0)).toBeLessThan(-100);
        colors.add(h.w.c.Enemy.color[e]!);
      }
      expect([...colors].every((c) => c === Color.RED || c === Color.GREEN || c === Color.BLUE)).toBe(true);
      expect(colors.size).toBeGreaterThan(1);
      // no new wave while one enemy of this one is left
      for (const e of enemies.slice(1)) despawn(h.w, e);
      h.step();
      expect(h.level).toBe(level);
      expect(h.all('enemy')).toHaveLength(1);
      despawn(h.w, enemies[0]!);
    }
  });

  it('shooter: a player at 0 health loses, the last one standing wins, and the match is over', () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.w.c.Player.health[h.eid(1)] = 10;
    h.addEnemy(250, 600);
    h.step();
    const a = h.player(1);
    const b = h.player(2);
    expect(a.health).toBe(0);
    expect([a.lost, a.won]).toEqual([1, 0]);
    expect([b.lost, b.won]).toEqual([0, 1]);
    expect(h.phase).toBe(Phase.OVER);
    // the world stands still once the match is over
    const [sentinel] = h.all('enemy');
    const y = h.w.c.Position.y[sentinel!];
    h.press(2, Button.LEFT).step(5);
    expect(h.w.c.Position.y[sentinel!]).toBe(y);
    expect(h.player(2).x).toBe(b.x);
    expect(h.phase).toBe(Phase.OVER);
  });

  it('shooter: with three players the match goes on until only one is standing', () => {
    const h = new ShooterHarness().join(1, 2, 3).startMatch(1, 2, 3).clearEnemies();
    h.w.c.Player.health[h.eid(1)] = 10;
    const px = h.player(1).x;
    h.addEnemy(px + 5, h.player(1).y - 40, Color.BLUE); // clear of slot 3's ship at x = 301
    h.step();
    expect(h.player(1).lost).toBe(1);
    expect(h.phase).toBe(Phase.PLAYING);
    // a lost ship neither moves, nor shoots, nor gets hit
    h.press(1, Button.LEFT | Button.FIRE).step(3);
    expect(h.player(1).x).toBe(px);
    expect(h.all('laser')).toHaveLength(0);
    const ghostHit = h.addEnemy(px + 5, h.player(1).y + 10, Color.BLUE);
    h.step();
    expect(h.alive(ghostHit, 'enemy')).toBe(true);
    expect(h.player(1).health).toBe(0);
    expect(h.player(3).won).toBe(0);
    expect([h.player(2).health, h.player(3).health]).toEqual([START_HEALTH, START_HEALTH]);
    // the second one falls: the third wins
    h.w.c.Player.health[h.eid(2)] = 5;
    h.addEnemy(h.player(2).x + 30, h.player(2).y - 40);
    h.step();
    expect(h.player(2).lost).toBe(1);
    expect(h.player(2).health).toBe(-5);
    expect([h.player(3).lost, h.player(3).won]).toEqual([0, 1]);
    expect([h.player(1).won, h.player(2).won]).toEqual([0, 0]);
    expect(h.phase).toBe(Phase.OVER);
  });

  it('shooter: a FIRE still held when the match ends does not ready up; a fresh press (FIRE or READY) does', () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.press(1, Button.FIRE).press(2, Button.FIRE).step();
    h.w.c.Player.health[h.eid(1)] = 0;
    h.step(30); // both keep holding FIRE through the end of the match
    expect(h.phase).toBe(Phase.OVER);
    expect([h.player(1).ready, h.player(2).ready]).toEqual([0, 0]);
    expect(h.player(2).won).toBe(1); // the result stays visible
    h.press(1, 0).press(2, 0).step();
    h.press(1, Button.FIRE).press(2, Button.READY).step();
    expect(h.phase).toBe(Phase.PLAYING);
    expect(h.matchNo).toBe(2);
  });

  it('shooter: a lone player who reaches 0 health ends the match with no winner', () => {
    const h = new ShooterHarness().join(1).startMatch(1).clearEnemies();
    h.w.c.Player.health[h.eid(1)] = 20;
    h.addEnemy(250, 600);
    h.addEnemy(280, 610, Color.BLUE);
    h.step();
    expect(h.player(1).health).toBe(0);
    expect([h.player(1).lost, h.player(1).won]).toEqual([1, 0]);
    expect(h.phase).toBe(Phase.OVER);
  });

  it('shooter: once over, a new match starts when all are ready, with health, positions, level and entities reset', () => {
    const h = new ShooterHarness().join(1, 2).startMatch(1, 2).clearEnemies();
    h.press(2, Button.FIRE | Button.RIGHT).step().press(2, Button.RIGHT).step(20).press(2, 0);
    expect(h.all('laser')).toHaveLength(1);
    h.w.c.Player.score[h.eid(2)] = 7;
    h.w.c.Player.health[h.eid(1)] = 10;
    h.addEnemy(250, 600);
    h.step();
    expect(h.phase).toBe(Phase.OVER);
    expect(h.player(2).x).toBeGreaterThan(400);
    h.press(1, Button.FIRE).step(3); // only one ready: still over
    expect(h.phase).toBe(Phase.OVER);
    expect(h.player(1).ready).toBe(1);
    expect(h.matchNo).toBe(1);
    h.press(1, 0).press(2, Button.FIRE).step();
    expect(h.phase).toBe(Phase.PLAYING);
    expect(h.matchNo).toBe(2);
    expect(h.level).toBe(0);
    expect(h.all('enemy')).toHaveLength(0);
    expect(h.all('laser')).toHaveLength(0);
    for (const [client, x] of [
      [1, 220],
      [2, 400],
    ] as const) {
      const p = h.player(client);
      expect([p.x, p.y, p.health, p.lost, p.won, p.ready]).toEqual([x, 630, START_HEALTH, 0, 0, 0]);
    }
    expect(h.player(2).score).toBe(7); // the score is kept across matches
    h.press(2, 0).step();
    expect(h.level).toBe(1);
    expect(h.all('enemy')).toHaveLength(20);
  });

  it('shooter: more than two players join (up to the default 16), spread along the bottom, and a 17th is refused', () => {
    const h = new ShooterHarness();
    const clients = Array.from({ length: 16 }, (_, i) => 101 + i);
    h.join(...clients).step();
    const slots = clients.map((c) => h.player(c).slot);
    expect(slots).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    for (const c of clients) {
      const p = h.player(c);
      expect(p.y).toBe(630);
      expect(p.x).toBeGreaterThan(0);
      expect(p.x + PLAYER_W).toBeLessThan(SIZE);
    }
    expect(h.w.counters.drops['join.refused']).toBeUndefined();
    h.join(117).step();
    expect(h.sim.entityOf(117)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(1);
    expect(h.all('player')).toHaveLength(16);
    // the third player takes part in the match like the first two
    h.startMatch(...clients).clearEnemies();
    h.press(103, Button.UP).step(3);
    expect(h.player(103).y).toBeCloseTo(620, 3);
  });

  it('shooter: joins past a smaller maxPlayers are refused and counted', () => {
    const h = new ShooterHarness({ game: { maxPlayers: 3 } });
    h.join(1, 2, 3, 4, 5).step();
    expect(h.all('player')).toHaveLength(3);
    expect(h.sim.entityOf(4)).toBe(-1);
    expect(h.sim.entityOf(5)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(2);
    h.press(4, Button.FIRE).step(); // a refused client is not a member
    expect(h.w.counters.drops['input.unknown-client']).toBe(1);
  });

  it('shooter: leaving frees the entity and the slot for the next player', () => {
    const h = new ShooterHarness({ game: { maxPlayers: 2 } });
    h.join(1, 2, 3).step();
    expect(h.sim.entityOf(3)).toBe(-1);
    const e1 = h.eid(1);
    h.leave(1).step();
    expect(h.sim.entityOf(1)).toBe(-1);
    expect(h.w.c.Entity.archetype[e1]).toBe(0);
    expect(h.w.c.Entity.owner[e1]).toBe(0);
    expect(h.all('player')).toHaveLength(1);
    h.join(3).step(); // the refused client tries again
    const p = h.player(3);
    expect([p.slot, p.x, p.y, p.health]).toEqual([1, 220, 630, START_HEALTH]);
    expect(h.player(2).slot).toBe(2);
    expect(h.w.counters.drops['join.refused']).toBe(1);
  });

  it('shooter: spawning past capacity is refused and counted, never thrown', () => {
    const capacity = 8;
    const h = new ShooterHarness({ capacity }).join(1);
    expect(() => h.startMatch(1)).not.toThrow();
    expect(h.level).toBe(1);
    expect(h.all('enemy')).toHaveLength(capacity - 1); // the wave of 20 is cut short
    expect(h.sim.aliveCount).toBe(capacity);
    expect(h.w.counters.spawnRefused).toBe(1);
    h.press(1, Button.FIRE);
    expect(() => h.step()).not.toThrow();
    expect(h.all('laser')).toHaveLength(0);
    expect(h.w.counters.spawnRefused).toBe(2);
    h.join(2);
    expect(() => h.step()).not.toThrow();
    expect(h.sim.entityOf(2)).toBe(-1);
    expect(h.w.counters.drops['join.refused']).toBe(1);
    // the join only: a refused shot still starts the cooldown, so a held FIRE is not retried every tick
    expect(h.w.counters.spawnRefused).toBe(3);
    // room again: the held FIRE shoots once the cooldown is over
    despawn(h.w, h.all('enemy')[0]!);
    h.step(18); // cooldown 2..20 after the refused shot
    expect(h.all('laser')).toHaveLength(0);
    h.step();
    expect(h.all('laser')).toHaveLength(1);
    expect(h.w.counters.spawnRefused).toBe(3);
  });

  it('shooter: createShooter rejects a bad maxPlayers with a RangeError naming the option', () => {
    for (const maxPlayers of [0, -1, 1.5, 1001, Number.NaN]) {
      expect(() => createShooter({ maxPlayers })).toThrow(RangeError);
      expect(() => createShooter({ maxPlayers })).toThrow(/maxPlayers/);
    }
    expect(createShooter({ maxPlayers: 1 }).maxPlayers).toBe(1);
    expect(createShooter({ maxPlayers: 1000 }).maxPlayers).toBe(1000);
    expect(createShooter().maxPlayers).toBe(16);
    expect(() => createShooter({ width: 200 })).toThrow(/width/);
  });

  it('shooter: the same commands and seed give the same state hash every tick', () => {
    const run = (seed: number) => {
      const h = new ShooterHarness({ seed }).join(1, 2).startMatch(1, 2);
      const hashes: string[] = [];
      for (let t = 0; t < 120; t++) {
        h.press(1, t % 40 < 20 ? Button.FIRE | Button.LEFT : Button.RIGHT);
        h.press(2, t % 3 === 0 ? Button.FIRE | Button.UP : Button.DOWN);
        h.step();
        hashes.push(`${h.sim.lastHash.hi}:${h.sim.lastHash.lo}`);
      }
      return hashes;
    };
    const a = run(99);
    expect(run(99)).toEqual(a);
    expect(run(100)).not.toEqual(a);
  });
});

describe('shooter drones (the load option)', () => {
  it('drones: `drones` E spawn at setup inside the world, drift in every phase and bounce off the edges', async () => {
    const { DRONE_SIZE, DRONE_MAX_SPEED } = await import('../../../src/engine/games/shooter/schema.js');
    const h = new ShooterHarness({ capacity: 600, game: { drones: 500, width: 1000, height: 1000 } });
    const drones = h.all('drone');
    expect(drones.length).toBe(500);
    const { x, y } = h.w.c.Position;
    const { vx } = h.w.c.Drift;
    const step = DRONE_MAX_SPEED / 60;
    let bounces = 0;
    const wasVx = new Map(drones.map((e) => [e, vx[e]!]));
    // one expect at the end: a million of them would take the test's time
    const bad: string[] = [];
    for (let t = 0; t < 600; t++) {
      const before = drones.map((e) => [x[e]!, y[e]!] as const);
      h.step(); // lobby: no players, no match, drones still move
      drones.forEach((e, i) => {
        const inside = x[e]! >= 0 && x[e]! <= 1000 - DRONE_SIZE && y[e]! >= 0 && y[e]! <= 1000 - DRONE_SIZE;
        const slow = Math.abs(x[e]! - before[i]![0]) <= step + 1e-3 && Math.abs(y[e]! - before[i]![1]) <= step + 1e-3;
        if (!inside || !slow) bad.push(`tick ${t} drone ${e}: ${x[e]}, ${y[e]}`);
      });
    }
    expect(bad.slice(0, 5)).toEqual([]);
    for (const e of drones) if (Math.sign(vx[e]!) !== Math.sign(wasVx.get(e)!)) bounces++;
    expect(h.phase).toBe(Phase.LOBBY);
    expect(bounces).toBeGreaterThan(0);
    expect(h.all('drone').length).toBe(500);
  });

  it('drones: the same seed gives the same drones, another seed others; bad counts are refused', () => {
    const pos = (seed: number) => {
      const h = new ShooterHarness({ capacity: 64, seed, game: { drones: 50 } });
      h.step(30);
      return h.all('drone').map((e) => [h.w.c.Position.x[e], h.w.c.Position.y[e]]);
    };
    expect(pos(5)).toEqual(pos(5));
    expect(pos(6)).not.toEqual(pos(5));
    expect(() => createShooter({ drones: -1 })).toThrow(/drones/);
    expect(() => createShooter({ drones: 1.5 })).toThrow(/drones/);
  });
});
