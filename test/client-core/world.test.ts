import { describe, expect, it } from 'vitest';
import { shooterSchema } from '../../src/engine/games/shooter/schema.js';
import { createSnapshotCodec, newSnapshotState, stateField, type JsonSnapshot } from '../../src/net/protocol/snapshot/index.js';
import { entity, fromJsonSnapshot, fromSnapshotState, ownShip } from '../../src/client-core/world.js';

describe('snapshots to entity lists', () => {
  it('from a decoded msgpack state', () => {
    const codec = createSnapshotCodec(shooterSchema, 50);
    const s = newSnapshotState(codec);
    s.tick = 77;
    s.top = 9;
    const set = (key: string, e: number, v: number) => (stateField(codec, s, key)![e] = v);
    for (const [e, arch] of [[2, 1], [9, 2]] as const) {
      s.live[e] = 1;
      set('Entity.archetype', e, arch);
      set('Entity.gen', e, 3);
    }
    s.count = 2;
    set('Entity.owner', 2, 5);
    set('Position.x', 2, 220.5);
    set('Position.y', 2, 630);
    set('Player.slot', 2, 1);
    set('Player.health', 2, 90);
    set('Player.ready', 2, 1);
    set('Enemy.color', 9, 2);
    s.globals[codec.globalNames.indexOf('phase')] = 1;
    s.globals[codec.globalNames.indexOf('level')] = 4;
    const w = fromSnapshotState(codec, s);
    expect(w).toMatchObject({ tick: 77, phase: 1, level: 4, matchNo: 0 });
    expect(w.entities).toEqual([
      entity({ id: 2, gen: 3, kind: 'player', owner: 5, x: 220.5, y: 630, slot: 1, health: 90, ready: true }),
      entity({ id: 9, gen: 3, kind: 'enemy', color: 2 }),
    ]);
    expect(ownShip(w, 5)?.id).toBe(2);
    expect(ownShip(w, 6)).toBeUndefined();
  });

  it('from a JSON-mode snapshot (lasers carry their shooter slot)', () => {
    const snap: JsonSnapshot = {
      type: 'snapshot',
      tick: 5,
      base: -1,
      ids: [1, 4],
      fields: {
        'Entity.archetype': [1, 3],
        'Entity.gen': [1, 1],
        'Entity.owner': [8, 0],
        'Position.x': [10, 20],
        'Position.y': [30, 40],
        'Player.slot': [2, 0],
        'Laser.slot': [0, 2],
      },
      globals: { phase: 2, level: 1, matchNo: 3 },
    };
    const w = fromJsonSnapshot(snap, ['player', 'enemy', 'laser']);
    expect(w).toMatchObject({ tick: 5, phase: 2, level: 1, matchNo: 3 });
    expect(w.entities.map((e) => [e.kind, e.slot, e.owner])).toEqual([['player', 2, 8], ['laser', 2, 0]]);
  });
});
