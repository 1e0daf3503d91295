import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cmd, InputQueue, type Command } from '../../src/engine/input-queue.js';
import { INPUT_BACKLOG, InputRules } from '../../src/engine/input-rules.js';

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

describe('input rules against their specification', () => {
  it('inputs: leaving and joining again puts a client last in join order, also within one tick', () => {
    const { r, take } = rules();
    for (const c of [1, 2, 3]) r.arrive(join(c), () => {});
    r.arrive({ ...join(1), type: Cmd.LEAVE }, () => {});
    r.arrive(join(1), () => {});
    for (const c of [1, 2, 3]) r.arrive(input(c, c * 10), () => {});
    expect(take()).toEqual([20, 30, 10]);
    r.arrive({ ...join(2), type: Cmd.LEAVE }, () => {});
    r.arrive(join(4), () => {});
    r.arrive(join(2), () => {});
    for (const c of [1, 2, 3, 4]) r.arrive(input(c, c * 10 + 1), () => {});
    expect(take()).toEqual([31, 11, 41, 21]);
  });

  it('inputs: 10,000 clients joining and leaving in waves keep no more per-client rows than were present at once', () => {
    const { r, drops, take } = rules();
    let next = 1;
    const present: number[] = [];
    for (let wave = 0; wave < 5; wave++) {
      while (present.length < 10_000) {
        r.arrive(join(next), () => {});
        present.push(next++);
      }
      for (const c of present) r.arrive(input(c, wave + 1), () => {});
      expect(take().length).toBe(10_000);
      for (const c of present.splice(0, 7_000)) r.arrive({ ...join(c), type: Cmd.LEAVE }, () => {});
    }
    expect(r.slotCapacity).toBe(10_000);
    expect(drops).toEqual({});
    r.arrive(input(1, 99), () => {});
    r.arrive(input(next - 1, 99), () => {});
    expect(take()).toEqual([99]);
    expect(drops).toEqual({ 'input.unknown-client': 1 });
  });

  it('inputs: any script of joins, leaves, refusals and inputs gives what the rules say (a Map-per-client model)', () => {
    const client = fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 0x7000_0001, 0x7000_0002);
    const command = fc.record({
      type: fc.constantFrom<number>(Cmd.INPUT, Cmd.INPUT, Cmd.INPUT, Cmd.INPUT, Cmd.JOIN, Cmd.LEAVE, 9),
      client,
      seq: fc.integer({ min: -2, max: 40 }),
      buttons: fc.integer({ min: 0, max: 255 }),
      ax: fc.integer({ min: -5, max: 5 }),
      ay: fc.integer({ min: -5, max: 5 }),
    });
    const script = fc.array(fc.array(command, { maxLength: 30 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(script, fc.integer({ min: 0, max: 4 }), (ticks, refuseEvery) => {
        const real = run(ticks as Command[][], refuseEvery, (drop) => new InputRules(drop));
        const model = run(ticks as Command[][], refuseEvery, (drop) => new ModelRules(drop));
        expect(real).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});

/** What a script did: membership calls, applied inputs per tick, drops, the final clients. */
function run(ticks: Command[][], refuseEvery: number, make: (drop: (r: string) => void) => InputRules | ModelRules) {
  const log: unknown[] = [];
  const drops: Record<string, number> = {};
  const r = make((reason) => (drops[reason] = (drops[reason] ?? 0) + 1));
  let joins = 0;
  let nextEid = 100;
  const membership = (cmd: Command, eid?: number) => {
    if (cmd.type === Cmd.JOIN) {
      // the game refuses every refuseEvery-th join (never with 0)
      if (refuseEvery > 0 && ++joins % refuseEvery === 0) {
        log.push(['refused', cmd.client]);
        return r.forget(cmd.client);
      }
      r.bindEntity(cmd.client, nextEid++);
    }
    log.push([cmd.type, cmd.client, eid]);
  };
  for (const cmds of ticks) {
    for (const c of cmds) r.arrive(c, membership);
    const applied: number[][] = [];
    r.takeForTick((c, eid) => applied.push([c.type, c.client, c.seq, c.buttons, c.ax, c.ay, eid]));
    log.push(applied);
  }
  return { log, drops, clients: [...r.clients()] };
}

/** The rules as first written, one Map entry per client: the specification the typed arrays must keep. */
class ModelRules {
  private readonly clients_ = new Map<number, { newestSeq: number; waiting: Command[]; eid: number }>();
  constructor(private readonly drop: (reason: string) => void) {}

  arrive(cmd: Command, membership: (cmd: Command, eid: number) => void): void {
    const c = this.clients_.get(cmd.client);
    if (cmd.type === Cmd.JOIN) {
      if (c) return this.drop('join.duplicate');
      this.clients_.set(cmd.client, { newestSeq: -1, waiting: [], eid: -1 });
      return membership(cmd, -1);
    }
    if (cmd.type === Cmd.LEAVE) {
      if (!c) return this.drop('leave.unknown-client');
      this.clients_.delete(cmd.client);
      return membership(cmd, c.eid);
    }
    if (cmd.type !== Cmd.INPUT) return this.drop('command.unknown-type');
    if (!c) return this.drop('input.unknown-client');
    if (cmd.seq <= c.newestSeq) return this.drop('input.duplicate');
    c.newestSeq = cmd.seq;
    c.waiting.push({ ...cmd });
    if (c.waiting.length > INPUT_BACKLOG + 1) {
      c.waiting.shift();
      this.drop('input.backlog');
    }
  }

  takeForTick(apply: (cmd: Command, eid: number) => void): void {
    for (const c of this.clients_.values()) if (c.waiting.length > 0) apply(c.waiting.shift()!, c.eid);
  }

  bindEntity(client: number, eid: number): void {
    const c = this.clients_.get(client);
    if (c) c.eid = eid;
  }

  forget(client: number): void {
    this.clients_.delete(client);
  }

  clients(): [number, number][] {
    return [...this.clients_].filter(([, c]) => c.eid >= 0).map(([id, c]) => [id, c.eid]);
  }
}

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

  it('queue: drainInto gives the same commands from two queues in order, in pool objects reused from one drain to the next', () => {
    const a = InputQueue.create(8);
    const b = InputQueue.create(8);
    const pool: Command[] = [];
    const out: Command[] = [];
    a.push(Cmd.JOIN, 1, 0);
    a.push(Cmd.INPUT, 1, 1, 3, -2, 5);
    b.push(Cmd.INPUT, 2, 7, 1, 0, 0);
    expect(a.drainInto(out, pool) + b.drainInto(out, pool)).toBe(3);
    expect(out.map((c) => [c.type, c.client, c.seq, c.buttons, c.ax, c.ay])).toEqual([
      [Cmd.JOIN, 1, 0, 0, 0, 0],
      [Cmd.INPUT, 1, 1, 3, -2, 5],
      [Cmd.INPUT, 2, 7, 1, 0, 0],
    ]);
    const first = [...out];
    out.length = 0;
    b.push(Cmd.LEAVE, 2, 0);
    expect(b.drainInto(out, pool)).toBe(1);
    expect(out[0]).toBe(first[0]); // the same object, refilled
    expect([out[0]!.type, out[0]!.client]).toEqual([Cmd.LEAVE, 2]);
    expect(pool.length).toBe(3);
  });
});
