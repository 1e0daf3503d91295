// The welcome over a real socket: every key docs/protocol.md lists, with the host's real
// values (tick rate, epoch, capacity, the schema descriptor).

import { afterEach, describe, expect, it } from 'vitest';
import { RawPeer, cleanupNet, startHost } from '../helpers/net.js';

afterEach(cleanupNet);

describe('welcome', () => {
  it('welcome: carries every documented key; hz is the sim\'s tick rate (a 30 Hz host says 30) and epoch the host\'s', async () => {
    const th = await startHost({ epoch: 7, simOptions: { capacity: 2000, hz: 30 } });
    const { welcome } = await RawPeer.joined(th.port, 'msgpack');
    expect(Object.keys(welcome).sort()).toEqual(
      ['type', 'protocol', 'client', 'token', 'entity', 'tick', 'hz', 'game', 'schema', 'capacity', 'epoch', 'reconnected', 'implicitAcks'].sort(),
    );
    expect(welcome).toMatchObject({ type: 'welcome', protocol: 1, hz: 30, game: 'shooter', capacity: 2000, epoch: 7, reconnected: false, implicitAcks: false });
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
