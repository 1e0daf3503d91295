import { describe, expect, it } from 'vitest';
import { Interpolator, lerpWorld } from '../../src/client-core/interpolate.js';
import { entity, type WorldState } from '../../src/client-core/world.js';

const TICK = 1000 / 60;
const world = (tick: number, ents: Parameters<typeof entity>[0][]): WorldState => ({ tick, phase: 1, level: 1, matchNo: 1, entities: ents.map(entity) });
const xy = (w: WorldState | null, id: number) => {
  const e = w?.entities.find((v) => v.id === id);
  return e ? [e.x, e.y] : null;
};

const near = (got: number[] | null, want: number[]) => {
  expect(got).not.toBeNull();
  got!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 9));
};

describe('interpolation', () => {
  it('draws the midpoint half an interval after the newest snapshot arrived', () => {
    const ip = new Interpolator();
    ip.push(world(10, [{ id: 3, kind: 'enemy', x: 100, y: 200 }]), 1000);
    ip.push(world(11, [{ id: 3, kind: 'enemy', x: 110, y: 240 }]), 1000 + TICK);
    near(xy(ip.sample(1000 + TICK), 3), [100, 200]); // one interval in the past
    near(xy(ip.sample(1000 + TICK + TICK / 2), 3), [105, 220]); // the midpoint
    near(xy(ip.sample(1000 + 2 * TICK), 3), [110, 240]);
    expect(xy(ip.sample(1000 + 5 * TICK), 3)).toEqual([110, 240]); // late snapshot: hold, no extrapolation
  });

  it('a single snapshot is drawn as is; nothing before the first', () => {
    const ip = new Interpolator();
    expect(ip.sample(0)).toBeNull();
    const w = world(1, [{ id: 1, kind: 'enemy', x: 5, y: 6 }]);
    ip.push(w, 0);
    expect(ip.sample(100)).toBe(w);
  });

  it('new entities appear where the newest snapshot has them, removed ones disappear', () => {
    const a = world(1, [{ id: 1, kind: 'enemy', x: 0, y: 0 }, { id: 2, kind: 'laser', x: 0, y: 500 }]);
    const b = world(2, [{ id: 1, kind: 'enemy', x: 10, y: 0 }, { id: 4, kind: 'laser', x: 300, y: 300 }]);
    const m = lerpWorld(a, b, 0.5);
    expect(m.entities.map((e) => [e.id, e.x, e.y])).toEqual([[1, 5, 0], [4, 300, 300]]);
  });

  it('a respawned row (new gen) or a jump is not interpolated; other fields come from the newest', () => {
    const a = world(1, [{ id: 1, kind: 'enemy', gen: 1, x: 0, y: 0 }, { id: 2, kind: 'player', x: 0, y: 0, health: 100 }]);
    const b = world(2, [{ id: 1, kind: 'enemy', gen: 2, x: 50, y: 0 }, { id: 2, kind: 'player', x: 400, y: 0, health: 90 }]);
    const m = lerpWorld(a, b, 0.5, 150);
    expect(m.entities.map((e) => [e.x, e.health])).toEqual([[50, 0], [400, 90]]);
  });

  it('ignores snapshots older than the newest, and learns the arrival interval', () => {
    const ip = new Interpolator();
    for (let i = 0; i < 100; i++) ip.push(world(i, []), i * 33);
    ip.push(world(50, []), 4000);
    expect(ip.latest!.tick).toBe(99);
    expect(ip.intervalMs).toBeGreaterThan(30);
    expect(ip.intervalMs).toBeLessThan(34);
  });
});
