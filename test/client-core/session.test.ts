// The client session's ack rule (src/client-core/session.ts, docs/protocol.md
// "Acknowledgements"): one ack per ACK_EVERY-tick window, riding the next input; alone only
// when the next window's ack falls due while one still waits, or for the first. And the
// states it keeps for predicted columns, with the host's choice of base2 (AckedBases).

import { describe, expect, it } from 'vitest';
import { ACK_EVERY, ClientSession, type SessionEvents } from '../../src/client-core/session.js';
import { createShooter } from '../../src/engine/games/shooter/index.js';
import { Simulation } from '../../src/engine/simulation.js';
import type { WelcomeMsg } from '../../src/net/protocol/messages.js';
import { createSnapshotCodec, encodeDelta, encodeFull, type SnapshotSource } from '../../src/net/protocol/snapshot/index.js';
import { AckedBases } from '../../src/net/server/acked-bases.js';
import { copyOf, newBlock, wire } from '../helpers/snapshot.js';

const noEvents = new Proxy({}, { get: () => () => {} }) as SessionEvents;

function session(implicitAcks: boolean) {
  const sent: Record<string, unknown>[] = [];
  const s = new ClientSession(false, (m) => sent.push(m as Record<string, unknown>), noEvents);
  s.welcome = { implicitAcks } as WelcomeMsg;
  return { s, sent, acks: () => sent.filter((m) => m.type === 'ack').map((m) => m.tick), inputAcks: () => sent.filter((m) => m.type === 'input').map((m) => m.ack) };
}

describe('client session acks', () => {
  it('with inputs at 20 Hz and snapshots at 60: the first ack alone, every later one on an input, none lost or late by more than a window', () => {
    const { s, acks, inputAcks } = session(false);
    for (let t = 100; t < 160; t++) {
      s.decoded(t);
      if (t % 3 === 1) s.input(0); // an input every third tick, one tick into each window
    }
    expect(acks()).toEqual([100]);
    // each input carries the ack of its window: the window's first tick (102, 105, ...)
    const want = [100];
    for (let t = 103; t < 160; t += 3) want.push(t - 1);
    expect(inputAcks()).toEqual(want);
    expect(new Set(inputAcks()).size).toBe(Math.ceil(60 / ACK_EVERY));
  });

  it('without inputs: an ack alone every other window (the one waiting is replaced by the newer)', () => {
    const { s, acks } = session(false);
    for (let t = 0; t < 30; t++) s.decoded(t);
    expect(acks()).toEqual([0, 6, 12, 18, 24]);
  });

  it('an input between two windows takes the waiting ack; the next window waits for the next input again', () => {
    const { s, acks, inputAcks } = session(false);
    s.decoded(0); // first: alone
    s.decoded(3); // waits
    s.input(1); // carries 3
    s.decoded(6); // waits (3 went out)
    s.decoded(9); // 6 still waiting: 9 goes alone
    s.input(2); // carries 9, the newest
    expect(acks()).toEqual([0, 9]);
    expect(inputAcks()).toEqual([3, 9]);
  });

  it('with predicted columns granted, an ack sent alone while another waits names the waiting one as prev; without, it does not', () => {
    for (const pred of [true, false]) {
      const { s, sent } = session(false);
      s.welcome = { implicitAcks: false, pred } as WelcomeMsg;
      s.decoded(0); // first: alone
      s.decoded(3); // waits
      s.decoded(6); // 3 still waiting: 6 goes alone, naming 3
      const acks = sent.filter((m) => m.type === 'ack');
      expect(acks, `pred ${pred}`).toEqual(pred ? [{ type: 'ack', tick: 0 }, { type: 'ack', tick: 6, prev: 3 }] : [{ type: 'ack', tick: 0 }, { type: 'ack', tick: 6 }]);
    }
  });

  it('implicit acks: no ack at all, and inputs carry none', () => {
    const { s, sent } = session(true);
    for (let t = 0; t < 30; t++) {
      s.decoded(t);
      s.input(0);
    }
    expect(sent.filter((m) => m.type === 'ack')).toEqual([]);
    expect(sent.filter((m) => 'ack' in m)).toEqual([]);
  });
});

describe('client session and predicted columns', () => {
  // a shooter with moving drones, its states copied per tick as the host's ring holds them
  const capacity = 400;
  function world() {
    const game = createShooter({ capacity, drones: 200, width: 1000, height: 1000 });
    const block = newBlock(game.schema, capacity);
    const sim = new Simulation(game, block, { capacity, seed: 9 });
    const ctx = createSnapshotCodec(game.schema, capacity);
    const ring = new Map<number, SnapshotSource>();
    const step = (): number => {
      sim.step([]);
      ring.set(sim.tick, { block: copyOf(game.schema, capacity, block), maxEid: sim.maxEid });
      return sim.tick;
    };
    /** What the host would send: full, or a delta from base (and base2), through msgpack bytes. */
    const snapshot = (tick: number, base: number, base2: number): Record<string, unknown> => {
      const now = ring.get(tick)!;
      return wire(
        ctx,
        base < 0
          ? encodeFull(ctx, now, tick)
          : encodeDelta(ctx, now, tick, ring.get(base)!, base, undefined, undefined, true, base2 >= 0 ? { src: ring.get(base2)!, tick: base2 } : null),
      );
    };
    return { step, snapshot };
  }
  const welcome = (implicitAcks: boolean) => ({ type: 'welcome', game: 'shooter', capacity, implicitAcks, diffs: true, pred: true });

  it('implicit acks: the session keeps the snapshot before the newest, the base2 of the next delta, and decodes every one', () => {
    const w = world();
    const { s } = session(true);
    s.message(welcome(true));
    const bases = new AckedBases(true);
    let ack = -1;
    let named = 0;
    for (let i = 0; i < 40; i++) {
      const t = w.step();
      const base2 = ack >= 0 ? bases.base2For(t, ack, 32) : -1;
      if (base2 >= 0) named++;
      s.message(w.snapshot(t, ack, base2));
      ack = t;
      bases.acked(t);
    }
    expect(named).toBe(38);
    expect(s.decodeErrors).toBe(0);
    expect(s.snapshots).toBe(40);
  });

  it('explicit acks (UDP), a third of the snapshots lost: the host names only acks the session still holds, and it decodes every one that arrives', () => {
    const w = world();
    const { s, sent } = session(false);
    s.message(welcome(false));
    const bases = new AckedBases(false);
    let ack = -1;
    let read = 0;
    let named = 0;
    for (let i = 0; i < 120; i++) {
      const t = w.step();
      // the host reads the acks the session sent (alone or on its inputs: one every 3 ticks here)
      if (i % 3 === 0) s.input(0);
      for (; read < sent.length; read++) {
        const m = sent[read]!;
        const a = (m.type === 'ack' ? m.tick : m.type === 'input' ? m.ack : -1) as number;
        if (a > ack) {
          // as the host's NetServer: an older ack named as prev first
          if (typeof m.prev === 'number' && m.prev > ack) bases.acked(m.prev);
          ack = a;
          bases.acked(a);
        }
      }
      const base2 = ack >= 0 ? bases.base2For(t, ack, 32) : -1;
      bases.sent(ack, base2);
      if (base2 >= 0) named++;
      const m = w.snapshot(t, ack, base2);
      if (i % 3 !== 2) s.message(m); // every third one is lost on the way
    }
    expect(named).toBeGreaterThan(90);
    expect(s.decodeErrors).toBe(0);
    expect(s.snapshots).toBe(80);
  });
});
