import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeReplica, encodeReplica, type Replica } from '../../../src/net/lan/replication.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

const replica: Replica = {
  epoch: 3,
  checkpoint: {
    tick: 120,
    maxEid: 2,
    globals: Float64Array.from([120, 1.5, -2]),
    order: new Uint8Array(12).fill(7),
    fields: [new Uint8Array([1, 2, 3]), new Uint8Array(12).fill(9)],
  },
  sessions: {
    records: [
      { client: 1, token: 'a3bb189e-8bf9-4888-9912-ace4e6543002', entity: 2, name: 'ada' },
      { client: 2, token: 'b3bb189e-8bf9-4888-9912-ace4e6543002', entity: 1 },
    ],
    nextClient: 3,
  },
};

const wire = (r: Replica) => unpackr.unpack(packr.pack(encodeReplica(r))) as Record<string, unknown>;

describe('replication', () => {
  it('replication: state, sessions and nicknames survive the wire to a backup', () => {
    const back = decodeReplica(wire(replica), [1, 4], 3)!;
    expect(back.epoch).toBe(3);
    expect(back.checkpoint.tick).toBe(120);
    expect(Array.from(back.checkpoint.globals)).toEqual([120, 1.5, -2]);
    expect(Array.from(back.checkpoint.fields[1]!)).toEqual(new Array(12).fill(9));
    expect(back.sessions).toEqual(replica.sessions);
  });

  it('replication: a malformed state message is refused (null), never thrown', () => {
    const good = wire(replica);
    const bad: Array<Record<string, unknown>> = [
      { ...good, epoch: -1 },
      { ...good, globals: new Uint8Array(5) },
      { ...good, fields: [new Uint8Array(3)] },
      { ...good, fields: [new Uint8Array(3), new Uint8Array(11)] },
      { ...good, order: 'x' },
      { ...good, sessions: [[1, 'tok', 'e']] },
      { ...good, sessions: [[1, 'tok', 1, 'x'.repeat(40)]] },
      {},
    ];
    for (const m of bad) expect(decodeReplica(m, [1, 4], 3)).toBeNull();
  });
});
