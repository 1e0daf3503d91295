// Which older acks a client taking predicted columns still holds (src/net/server/acked-bases.ts)
// and the base the host shares among such clients (Snapshots' commonBase). That the session
// keeps exactly these states is tested in ../client-core/session.test.ts.

import { describe, expect, it } from 'vitest';
import { AckedBases } from '../../src/net/server/acked-bases.js';
import { commonBase } from '../../src/net/server/snapshots.js';

function explicit(...acks: number[]): AckedBases {
  const b = new AckedBases(false);
  for (const a of acks) b.acked(a);
  return b;
}

describe('acked bases', () => {
  it('explicit acks: base2 is the newest ack at least as far behind the base as the tick is ahead, else the oldest held; never below the floor or out of the ring', () => {
    const b = explicit(90, 93, 96, 99);
    expect(b.base2For(100, 99, 32)).toBe(96); // 1 ahead: 3 behind will do
    expect(b.base2For(104, 99, 32)).toBe(93); // 5 ahead: 6 behind
    expect(b.base2For(111, 99, 32)).toBe(90); // 12 ahead: none that far, the oldest
    expect(b.base2For(126, 99, 32)).toBe(96); // 90 and 93 have left a 32-tick ring
    b.sent(99, 96); // the client drops what is below 96 when this arrives
    expect(b.base2For(104, 99, 32)).toBe(96);
    expect(b.holds(93, 104, 32)).toBe(false);
    expect(b.holds(96, 104, 32)).toBe(true);
    b.sent(96, -1); // an older base, without base2: the floor never goes down
    expect(b.holds(96, 104, 32)).toBe(true);
    b.reset(); // ack -1: nothing held
    expect(b.base2For(104, 99, 32)).toBe(-1);
    expect(b.holds(99, 104, 32)).toBe(false);
  });

  it('implicit acks: base2 is the snapshot written before the base, and only that one', () => {
    const b = new AckedBases(true);
    b.acked(10);
    expect(b.base2For(11, 10, 32)).toBe(-1);
    b.acked(11);
    b.acked(12);
    expect(b.base2For(13, 12, 32)).toBe(11);
    expect(b.base2For(14, 11, 32)).toBe(-1); // 11 is not the newest: the client keeps 12 and 11, not 10
    expect(b.holds(11, 13, 32)).toBe(false); // implicit: the base is always the newest written
  });

  it('commonBase: the oldest newest ack within a window of the newest, among clients that keep several; stragglers and others do not pull it back', () => {
    const peers = [
      { bases: explicit(93, 96, 99), ack: 99 },
      { bases: explicit(93, 96), ack: 96 },
      { bases: explicit(90, 96, 99), ack: 99 },
      { bases: explicit(60, 63), ack: 63 }, // far behind: its own base
      { bases: undefined, ack: 90 }, // no predicted columns
      { bases: new AckedBases(true), ack: 91 }, // implicit acks
    ];
    expect(commonBase(peers)).toBe(96);
    expect(commonBase(peers.slice(0, 1))).toBe(99);
    expect(commonBase(peers.slice(4))).toBe(-1);
  });
});
