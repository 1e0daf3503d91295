import { describe, expect, it } from 'vitest';
import { Cmd, InputQueue, type Command } from '../../src/engine/input-queue.js';
import { InputRules } from '../../src/engine/input-rules.js';

const input = (client: number, seq: number, buttons = 0): Command => ({ type: Cmd.INPUT, client, seq, buttons, ax: 0, ay: 0 });
const join = (client: number): Command => ({ type: Cmd.JOIN, client, seq: 0, buttons: 0, ax: 0, ay: 0 });

function rules() {
  const drops: Record<string, number> = {};
  const r = new InputRules((reason) => (drops[reason] = (drops[reason] ?? 0) + 1));
  const take = () => {
    const out: number[] = [];
    r.takeForTick((c) => out.push(c.seq));
    return out;
  };
  return { r, drops, take };
}

describe('input rules', () => {
  it('inputs: at most one input per client per tick, the backlog of 3 spreads a burst over the next ticks', () => {
    const { r, take } = rules();
    r.arrive(join(1), () => {});
    for (let s = 1; s <= 4; s++) r.arrive(input(1, s), () => {});
    expect(take()).toEqual([1]);
    expect(take()).toEqual([2]);
    expect(take()).toEqual([3]);
    expect(take()).toEqual([4]);
    expect(take()).toEqual([]);
  });

  it('inputs: past the backlog the oldest waiting inputs are dropped and counted', () => {
    const { r, drops, take } = rules();
    r.arrive(join(1), () => {});
    for (let s = 1; s <= 7; s++) r.arrive(input(1, s), () => {});
    expect(drops['input.backlog']).toBe(3);
    expect([take(), take(), take(), take()].flat()).toEqual([4, 5, 6, 7]);
  });

  it('inputs: repeated or older sequence numbers are dropped as duplicates', () => {
    const { r, drops, take } = rules();
    r.arrive(join(1), () => {});
    r.arrive(input(1, 5), () => {});
    r.arrive(input(1, 5), () => {});
    r.arrive(input(1, 3), () => {});
    expect(drops['input.duplicate']).toBe(2);
    expect(take()).toEqual([5]);
  });

  it('inputs: each client gets its own input each tick, in join order', () => {
    const { r, take } = rules();
    r.arrive(join(2), () => {});
    r.arrive(join(1), () => {});
    r.arrive(input(1, 10), () => {});
    r.arrive(input(2, 20), () => {});
    expect(take()).toEqual([20, 10]);
  });

  it('inputs: from unknown clients, duplicate joins and unknown leaves are dropped and counted', () => {
    const { r, drops } = rules();
    let membership = 0;
    r.arrive(input(9, 1), () => membership++);
    r.arrive(join(1), () => membership++);
    r.arrive(join(1), () => membership++);
    r.arrive({ ...join(3), type: Cmd.LEAVE }, () => membership++);
    expect(membership).toBe(1);
    expect(drops).toEqual({ 'input.unknown-client': 1, 'join.duplicate': 1, 'leave.unknown-client': 1 });
  });
});

describe('input queue', () => {
  it('queue: records come out in order, and a full queue refuses and counts instead of blocking', () => {
    const q = InputQueue.create(4);
    for (let i = 0; i < 6; i++) q.push(Cmd.INPUT, 1, i, i * 2, -i, i);
    expect(q.droppedFull()).toBe(2);
    const seen: Command[] = [];
    expect(q.drain((c) => seen.push(c))).toBe(4);
    expect(seen.map((c) => [c.seq, c.buttons, c.ax, c.ay])).toEqual([
      [0, 0, 0, 0],
      [1, 2, -1, 1],
      [2, 4, -2, 2],
      [3, 6, -3, 3],
    ]);
    // wraps around after draining
    for (let i = 10; i < 13; i++) expect(q.push(Cmd.INPUT, 1, i)).toBe(true);
    expect(q.drain(() => {})).toBe(3);
    expect(q.pending()).toBe(0);
  });
});
