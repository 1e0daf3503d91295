// The welcome over a real socket: every key docs/protocol.md lists, with the host's real
// values (tick rate, epoch, capacity, the schema descriptor).

import { Unpackr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { shooterSchema } from '../../src/engine/games/shooter/index.js';
import { createSnapshotCodec, decodeSnapshot, type SnapshotState } from '../../src/net/protocol/snapshot/index.js';
import { RawPeer, cleanupNet, startHost } from '../helpers/net.js';

afterEach(cleanupNet);

describe('welcome', () => {
  it('welcome: carries every documented key; hz is the sim\'s tick rate (a 30 Hz host says 30) and epoch the host\'s', async () => {
    const th = await startHost({ epoch: 7, simOptions: { capacity: 2000, hz: 30 } });
    const { welcome } = await RawPeer.joined(th.port, 'msgpack');
    expect(Object.keys(welcome).sort()).toEqual(
      ['type', 'protocol', 'client', 'token', 'entity', 'tick', 'hz', 'game', 'schema', 'capacity', 'epoch', 'reconnected', 'implicitAcks', 'diffs', 'pred'].sort(),
    );
    expect(welcome).toMatchObject({ type: 'welcome', protocol: 1, hz: 30, game: 'shooter', capacity: 2000, epoch: 7, reconnected: false, implicitAcks: false, diffs: false, pred: false });
  });

  it('welcome: diffs are granted to a msgpack join that asks, never in JSON mode; only such a client gets difference columns, and both decode', async () => {
    const capacity = 2000;
    const th = await startHost({ interest: false, simOptions: { capacity, gameOptions: { drones: 300 } } });
    const json = await RawPeer.joined(th.port, 'json', { type: 'join', protocol: 1, diffs: true });
    expect(json.welcome.diffs).toBe(false);
    const peers = await Promise.all(
      [true, false].map((diffs) => RawPeer.joined(th.port, 'msgpack', { type: 'join', protocol: 1, implicitAcks: true, ...(diffs ? { diffs } : {}) })),
    );
    expect(peers.map((p) => p.welcome.diffs)).toEqual([true, false]);
    const codec = createSnapshotCodec(shooterSchema, capacity);
    const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
    const diffColumns = await Promise.all(
      peers.map(async ({ peer }) => {
        let state: SnapshotState | null = null;
        let found = 0;
        for (let deltas = 0; deltas < 30; ) {
          const m = unpackr.unpack(await peer.nextPayload()) as Record<string, unknown>;
          if (m.type !== 'snapshot') continue;
          if ((m.base as number) >= 0) deltas++;
          found += ((m.vals as unknown[] | undefined) ?? []).filter((c) => Array.isArray(c) && c.length === 1).length;
          const r = decodeSnapshot(codec, m, state);
          if (!r.ok) throw new Error(`tick ${String(m.tick)}: ${r.reason}`);
          state = r.state;
        }
        return found;
      }),
    );
    // 300 drones move every tick: x and y of nearly every delta
    expect(diffColumns[0]).toBeGreaterThan(40);
    expect(diffColumns[1]).toBe(0);
  });

  it('welcome: pred is granted to a msgpack join that asks for it with diffs; its deltas name base2 (the snapshot before the base) and carry predicted columns, which decode', async () => {
    const capacity = 2000;
    const th = await startHost({ interest: false, simOptions: { capacity, gameOptions: { drones: 300 } } });
    const json = await RawPeer.joined(th.port, 'json', { type: 'join', protocol: 1, diffs: true, pred: true });
    expect(json.welcome.pred).toBe(false);
    const alone = await RawPeer.joined(th.port, 'msgpack', { type: 'join', protocol: 1, pred: true });
    expect(alone.welcome.pred).toBe(false); // predicted columns build on difference columns
    const { peer, welcome } = await RawPeer.joined(th.port, 'msgpack', { type: 'join', protocol: 1, implicitAcks: true, diffs: true, pred: true });
    expect(welcome.pred).toBe(true);
    const codec = createSnapshotCodec(shooterSchema, capacity);
    const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
    const held: SnapshotState[] = [];
    let predicted = 0;
    let named = 0;
    for (let deltas = 0; deltas < 30; ) {
      const m = unpackr.unpack(await peer.nextPayload()) as Record<string, unknown>;
      if (m.type !== 'snapshot') continue;
      const base = held.find((s) => s.tick === m.base) ?? null;
      const base2 = m.base2 === undefined ? null : (held.find((s) => s.tick === m.base2) ?? null);
      if ((m.base as number) >= 0) {
        deltas++;
        // implicit acks: the base is the snapshot written last, base2 the one before it
        if (m.base2 !== undefined) {
          named++;
          expect(m.base2).toBe(held.at(-2)?.tick);
        }
        expect(m.base).toBe(held.at(-1)?.tick);
      }
      predicted += ((m.vals as unknown[] | undefined) ?? []).filter((c) => Array.isArray(c) && typeof c[0] === 'number').length;
      const r = decodeSnapshot(codec, m, base, undefined, base2);
      if (!r.ok) throw new Error(`tick ${String(m.tick)}: ${r.reason}`);
      held.push(r.state);
      if (held.length > 2) held.shift();
    }
    expect(named).toBeGreaterThan(25);
    // 300 drones move every tick: x and y of nearly every delta
    expect(predicted).toBeGreaterThan(40);
  });

  it('welcome: the schema says which fields each archetype has (shooter: a laser has a position and a slot, no health)', async () => {
    const th = await startHost();
    const { welcome } = await RawPeer.joined(th.port, 'json');
    const { fields, archetypes, archetypeFields } = welcome.schema as { fields: { key: string }[]; archetypes: string[]; archetypeFields: number[][] };
    const of = (a: string) => archetypeFields[archetypes.indexOf(a)]!.map((i) => fields[i]!.key);
    const engine = ['Entity.archetype', 'Entity.gen', 'Entity.owner'];
    expect(of('laser')).toEqual([...engine, 'Position.x', 'Position.y', 'Laser.slot']);
    expect(of('enemy')).toEqual([...engine, 'Position.x', 'Position.y', 'Enemy.color']);
    expect(of('player')).toEqual([...engine, 'Position.x', 'Position.y', 'Player.slot', 'Player.health', 'Player.score', 'Player.ready', 'Player.lost', 'Player.won']);
    expect(archetypeFields).toHaveLength(archetypes.length);
  });
});
