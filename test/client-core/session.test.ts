// The client session's ack rule (src/client-core/session.ts, docs/protocol.md
// "Acknowledgements"): one ack per ACK_EVERY-tick window, riding the next input; alone only
// when the next window's ack falls due while one still waits, or for the first.

import { describe, expect, it } from 'vitest';
import { ACK_EVERY, ClientSession, type SessionEvents } from '../../src/client-core/session.js';
import type { WelcomeMsg } from '../../src/net/protocol/messages.js';

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
