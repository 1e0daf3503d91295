import { describe, expect, it } from 'vitest';
import { Button, Phase } from '../../src/engine/games/shooter/schema.js';
import { Cmd } from '../../src/engine/input-queue.js';
import { Predictor, stepShip } from '../../src/client-core/predict.js';
import { cmd, shooterSim } from '../helpers/shooter-sim.js';

const TICK = 1000 / 60;
const STEP = 200 / 60;

describe('the movement rule', () => {
  it('matches the shooter control system tick for tick (f32 positions, bounds, opposite keys)', () => {
    const sim = shooterSim({ seed: 3 });
    sim.step([cmd(Cmd.JOIN, 1)]);
    sim.step([cmd(Cmd.INPUT, 1, 1, Button.READY)]);
    const w = sim.world;
    expect(w.g[w.G.phase]).toBe(Phase.PLAYING);
    const e = sim.entityOf(1);
    let x = w.c.Position.x[e]!;
    let y = w.c.Position.y[e]!;
    let s = 2;
    let rnd = 12345;
    const next = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) >>> 16);
    let buttons = 0;
    for (let t = 0; t < 900 && !w.c.Player.lost[e]; t++) {
      // long runs of the same keys, so the ship reaches every edge
      if (t % 40 === 0) buttons = next() & 15;
      sim.step([cmd(Cmd.INPUT, 1, s++, buttons)]);
      [x, y] = stepShip(x, y, buttons);
      expect([w.c.Position.x[e], w.c.Position.y[e]]).toEqual([x, y]);
    }
  });

  it('the example of docs/games/shooter.md: from x = 400 holding RIGHT the host stops at 649.9995; in doubles only, at 646.67', () => {
    const sim = shooterSim({ seed: 3 });
    sim.step([cmd(Cmd.JOIN, 1), cmd(Cmd.JOIN, 2)]);
    sim.step([cmd(Cmd.INPUT, 1, 1, Button.READY), cmd(Cmd.INPUT, 2, 1, Button.READY)]);
    const w = sim.world;
    const e = sim.entityOf(2);
    expect(w.c.Position.x[e]).toBe(400); // slot 2's spawn
    let doubles = 400;
    for (let s = 2; s < 102; s++) {
      sim.step([cmd(Cmd.INPUT, 2, s, Button.RIGHT)]);
      if (doubles + STEP + 100 < 750) doubles += STEP;
    }
    expect(w.c.Position.x[e]).toBe(649.99951171875);
    expect(doubles).toBeCloseTo(646.6667, 4);
  });

  it('keeps the ship inside the bounds', () => {
    expect(stepShip(2, 10, Button.LEFT)).toEqual([2, 10]);
    expect(stepShip(4, 10, Button.LEFT)).toEqual([Math.fround(4 - STEP), 10]);
    expect(stepShip(648, 10, Button.RIGHT)).toEqual([648, 10]);
    expect(stepShip(10, 643, Button.DOWN)).toEqual([10, 643]);
    expect(stepShip(10, 10, Button.LEFT | Button.RIGHT)).toEqual([10, 10]);
  });
});

// ---- a scripted host with latency ---------------------------------------------------------

interface Scenario {
  /** one-way latency (ms) */
  latency: number;
  /** snapshot arrival jitter for tick T (ms, >= 0) */
  jitter?: (tick: number) => number;
  /** host tick T starts at tickPhase + T * TICK */
  tickPhase: number;
  /** client frame i at frameOffset + i * TICK */
  frameOffset: number;
  frames: number;
  buttons: (t: number) => number;
  /** host-side override of the position after tick T (a push the client cannot predict) */
  override?: (tick: number, x: number, y: number) => [number, number];
  start?: [number, number];
}

interface Run {
  shown: { t: number; x: number; y: number }[];
  host: { tick: number; x: number; y: number }[];
  p: Predictor;
}

function run(s: Scenario): Run {
  const p = new Predictor();
  const rtt = 2 * s.latency;
  const frames = Array.from({ length: s.frames }, (_, i) => ({ t: s.frameOffset + i * TICK, seq: i + 1, buttons: s.buttons(s.frameOffset + i * TICK) }));
  // host timeline: inputs that arrived before a tick starts are taken, at most one per tick
  let [x, y] = s.start ?? [220, 630];
  const host: Run['host'] = [];
  const arrivals: { at: number; tick: number; x: number; y: number }[] = [];
  const queue: number[] = [];
  let next = 0;
  let held = 0;
  for (let T = 0; s.tickPhase + T * TICK < s.frameOffset + s.frames * TICK + 500; T++) {
    const h = s.tickPhase + T * TICK;
    while (next < frames.length && frames[next]!.t + s.latency <= h) queue.push(frames[next++]!.buttons);
    if (queue.length) held = queue.shift()!;
    [x, y] = stepShip(x, y, held);
    if (s.override) [x, y] = s.override(T, x, y);
    host.push({ tick: T, x, y });
    arrivals.push({ at: h + s.latency + (s.jitter?.(T) ?? 0), tick: T, x, y });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const shown: Run['shown'] = [];
  let a = 0;
  for (const f of frames) {
    while (a < arrivals.length && arrivals[a]!.at <= f.t) {
      const s1 = arrivals[a++]!;
      p.reconcile({ x: s1.x, y: s1.y }, s1.tick, s1.at, rtt);
    }
    p.record(f.seq, f.buttons, f.t);
    // before the first snapshot there is nothing to predict from: the spawn point
    const pos = p.position(f.t) ?? { x: (s.start ?? [220, 630])[0], y: (s.start ?? [220, 630])[1] };
    shown.push({ t: f.t, ...pos });
  }
  // let the rest of the snapshots arrive
  for (; a < arrivals.length; a++) p.reconcile({ x: arrivals[a]!.x, y: arrivals[a]!.y }, arrivals[a]!.tick, arrivals[a]!.at, rtt);
  return { shown, host, p };
}

const holdRight = (from: number, to: number) => (t: number) => (t >= from && t < to ? Button.RIGHT : 0);

describe('prediction and reconciliation', () => {
  it('the own ship moves in the frame the key goes down, one round trip before the host shows it', () => {
    const r = run({ latency: 50, tickPhase: 0, frameOffset: 2, frames: 120, buttons: holdRight(500, 1000) });
    const firstMove = r.shown.find((s) => s.x !== 220)!;
    expect(firstMove.t).toBeGreaterThanOrEqual(500);
    expect(firstMove.t).toBeLessThan(500 + 2 * TICK);
  });

  it('no snapping when the host agrees: zero corrections, at most one step per frame, ends on the host position', () => {
    // inputs reach the host early in a tick (at +1 ms), so the time estimate is right
    const r = run({ latency: 40, tickPhase: 0, frameOffset: 11, frames: 150, buttons: (t) => (t >= 300 && t < 900 ? Button.RIGHT | (t < 600 ? Button.UP : 0) : 0) });
    expect(r.p.corrections).toBe(0);
    for (let i = 1; i < r.shown.length; i++) {
      expect(Math.abs(r.shown[i]!.x - r.shown[i - 1]!.x)).toBeLessThanOrEqual(STEP + 1e-3);
      expect(Math.abs(r.shown[i]!.y - r.shown[i - 1]!.y)).toBeLessThanOrEqual(STEP + 1e-3);
    }
    const end = r.host[r.host.length - 1]!;
    const last = r.shown[r.shown.length - 1]!;
    expect([last.x, last.y]).toEqual([end.x, end.y]);
    expect(end.x).toBeGreaterThan(220 + 100);
  });

  it('with jitter and an unknown tick phase the prediction still converges to the host', () => {
    for (const [phase, latency] of [[0, 5], [7, 30], [13, 80], [16, 120]] as const) {
      let j = 7;
      const jitter = () => ((j = (j * 1103 + 17) % 97) / 97) * 6;
      const r = run({ latency, jitter, tickPhase: phase, frameOffset: 0, frames: 150, buttons: holdRight(200, 1200) });
      const end = r.host[r.host.length - 1]!;
      expect(r.p.position(1e9)).toEqual({ x: end.x, y: end.y });
      // estimates off by a tick at most: corrections of about one step
      expect(r.p.maxCorrection).toBeLessThanOrEqual(2 * STEP + 1e-3);
    }
  });

  it('a host that disagrees is followed smoothly, then exactly', () => {
    // the host pushes the ship 30 px left at tick 40 (something the client cannot know)
    const r = run({
      latency: 30,
      tickPhase: 0,
      frameOffset: 2,
      frames: 120,
      buttons: () => 0,
      start: [300, 600],
      override: (T, x, y) => (T === 40 ? [x - 30, y] : [x, y]),
    });
    const xs = r.shown.map((s) => s.x);
    // no jump: every frame moves less than a third of the push
    for (let i = 1; i < xs.length; i++) expect(Math.abs(xs[i]! - xs[i - 1]!)).toBeLessThan(10);
    expect(xs[0]).toBe(300);
    expect(xs[xs.length - 1]).toBe(270);
    expect(r.p.corrections).toBe(1);
  });

  it('a large correction (respawn) snaps', () => {
    const p = new Predictor();
    p.reconcile({ x: 300, y: 600 }, 10, 1000, 20);
    p.reconcile({ x: 20, y: 100 }, 11, 1000 + TICK, 20);
    expect(p.position(1000 + TICK)).toEqual({ x: 20, y: 100 });
  });

  it('predicts nothing while the ship cannot move (lobby, lost)', () => {
    const p = new Predictor();
    p.record(1, Button.LEFT, 0);
    p.reconcile({ x: 300, y: 600 }, 10, 100, 20, false);
    expect(p.active).toBe(false);
    expect(p.position(200)).toBeNull();
    p.reconcile({ x: 300, y: 600 }, 11, 100 + TICK, 20, true);
    expect(p.position(100 + TICK)).not.toBeNull();
  });

  it('inputs the host has applied are dropped; newer ones are kept by seq', () => {
    const p = new Predictor();
    for (let i = 1; i <= 10; i++) p.record(i, Button.LEFT, i * TICK);
    p.record(5, Button.RIGHT, 11 * TICK); // an out-of-order seq is ignored
    // snapshot arriving at 10 ticks with RTT 3 ticks: inputs sent up to ~6.5 ticks are applied
    p.reconcile({ x: 300, y: 600 }, 100, 10 * TICK, 3 * TICK);
    expect(p.pending.map((i) => i.seq)).toEqual([7, 8, 9, 10]);
  });
});
