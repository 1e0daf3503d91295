// The bench fixtures must be games the engine really allows: a fixture the game refuses
// crashes `npm run bench` (as the shooter's 16,771 px world once did), and one whose entities
// leave the wire's quantization range would time a state no client can be sent. This builds
// every fixture at the sizes the suites use and runs a few ticks, without timing anything.

import { describe, expect, it } from 'vitest';
import { GAMES, gamesFixture } from '../../bench/engine/games-fixtures.js';
import { SIZES as GAMES_TICK_SIZES } from '../../bench/engine/games-tick.bench.js';
import { shooterFixture } from '../../bench/engine/shooter-fixture.js';
import { SIZES as TICK_SIZES } from '../../bench/engine/tick.bench.js';
import { MAX_WORLD, Phase } from '../../src/engine/games/shooter/index.js';
import type { Simulation } from '../../src/engine/simulation.js';

const TICKS = 20;

/** Live rows whose quantized fields lie outside the field's wire range, as "Field.x=value". */
function outOfWireRange(sim: Simulation<any>): string[] {
  const { schema, block } = sim.world;
  const archetype = block.fields[0]!;
  const bad: string[] = [];
  schema.fields.forEach((f, i) => {
    if (!f.quant) return;
    const values = block.fields[i]!;
    for (let e = 1; e <= sim.maxEid; e++) {
      const v = values[e]!;
      if (archetype[e] !== 0 && !(v >= f.quant.min && v <= f.quant.max)) bad.push(`${f.key}[${e}]=${v}`);
    }
  });
  return bad;
}

describe('bench fixtures', () => {
  for (const { n } of TICK_SIZES) {
    it(`tick fixture: the shooter at ${n.toLocaleString('en-US')} entities is a world the game allows, its positions fit the wire`, () => {
      const fx = shooterFixture(n);
      expect(fx.width).toBeLessThanOrEqual(MAX_WORLD.width);
      expect(fx.height).toBeLessThanOrEqual(MAX_WORLD.height);
      for (let t = 0; t < TICKS; t++) {
        fx.topUp();
        fx.sim.step(fx.commands());
      }
      const w = fx.sim.world;
      expect(w.g[w.G.phase]).toBe(Phase.PLAYING);
      expect(fx.counts()).toMatchObject({ players: fx.players, lost: 0 });
      expect(fx.sim.aliveCount).toBeGreaterThan(0.8 * n);
      expect(fx.sim.aliveCount).toBeLessThan(1.2 * n);
      expect(w.counters.spawnRefused).toBe(0);
      expect(w.counters.drops).toEqual({});
      expect(outOfWireRange(fx.sim)).toEqual([]);
    });
  }

  for (const game of GAMES) {
    for (const { n } of GAMES_TICK_SIZES) {
      it(`games-tick fixture: ${game} at ${n.toLocaleString('en-US')} entities joins every player and stays on the wire`, () => {
        const fx = gamesFixture(game, n);
        for (let t = 0; t < TICKS; t++) fx.sim.step(fx.next());
        const w = fx.sim.world;
        expect([...fx.sim.clients()].length).toBe(fx.players);
        expect(fx.sim.aliveCount).toBe(n);
        expect(w.counters.spawnRefused).toBe(0);
        expect(w.counters.drops).toEqual({});
        expect(outOfWireRange(fx.sim)).toEqual([]);
      });
    }
  }
});
