// Client-side prediction of the own ship, with reconciliation against the host.
//
// The host is authoritative and a snapshot shows the ship as it was after the inputs that
// had reached the host by then. Drawing only that would make the ship react one round trip
// late. So the client also runs the shooter's movement rule (control.ts: 10/3 px per tick,
// the same bounds, keys applied one after another, f32 positions) on its own inputs:
//
//   * Every input sent is kept with its seq, buttons and send time.
//   * The host does not say which input seq a snapshot includes, so it is estimated by
//     tick: an input sent more than RTT/2 before the host produced the snapshot of tick T
//     had reached the host by then, i.e. one sent more than one RTT (+ `padMs`, the
//     average wait for the next tick) before that snapshot arrives is assumed applied. The
//     arrival time is not taken as is (it jitters) but as anchor + T ticks, the anchor being
//     the earliest (least delayed) arrival seen, drifting slowly up when the delay grows.
//     horizon(T) = anchor + T * tick - RTT - padMs is the snapshot's input horizon; it moves
//     exactly one tick per tick, so predictions made from consecutive snapshots agree.
//   * On each snapshot (reconcile) the host position becomes the new base; inputs at or
//     before the horizon are dropped (the newest of them is kept as the buttons held at
//     the horizon: the host holds buttons until the next input).
//   * The position drawn at time `now` replays the rest: tick k after the horizon moves the
//     ship by the buttons of the newest input sent before horizon + k ticks, for
//     floor((now - horizon) / tick) ticks, which is where the host will have the ship when
//     the input being sent now is applied.
//   * When a snapshot moves the prediction (the estimate was off, or the host disagreed:
//     a collision, a match start), the difference is not snapped: it becomes an offset that
//     decays with time constant `smoothMs`, unless it is larger than `snapPx` (a respawn).
//     When the host agrees with the prediction, the offset is zero and nothing moves.
//
// Pure: the caller passes every time (ms, any monotonic clock).

import { Button, PLAYER_H, PLAYER_SPEED, PLAYER_W } from '../engine/games/shooter/schema.js';

export interface MoveRules {
  width: number;
  height: number;
  hz: number;
}

export const SHOOTER_RULES: MoveRules = { width: 750, height: 750, hz: 60 };

/** One tick of the shooter's movement (src/engine/games/shooter/systems/control.ts). */
export function stepShip(x: number, y: number, buttons: number, rules: MoveRules = SHOOTER_RULES): [number, number] {
  const step = PLAYER_SPEED * (1 / rules.hz);
  if (buttons & Button.LEFT && x - step > 0) x -= step;
  if (buttons & Button.RIGHT && x + step + PLAYER_W < rules.width) x += step;
  if (buttons & Button.UP && y - step > 0) y -= step;
  if (buttons & Button.DOWN && y + step + PLAYER_H + 15 < rules.height) y += step;
  return [Math.fround(x), Math.fround(y)];
}

export interface SentInput {
  seq: number;
  buttons: number;
  /** Local send time (ms). */
  at: number;
}

export interface PredictorOptions {
  rules?: MoveRules;
  /** Added to the RTT when estimating which inputs a snapshot includes (ms). Default half a tick. */
  padMs?: number;
  /** Predict at most this far past the horizon (ms), e.g. while the connection stalls. Default 250. */
  maxAheadMs?: number;
  /** Time constant of the correction offset (ms). Default 80. */
  smoothMs?: number;
  /** Corrections larger than this (px) are snapped, not smoothed. Default 120. */
  snapPx?: number;
  /** Inputs kept at most. Default 512. */
  maxPending?: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Offsets below this (px) are dropped. */
const MIN_OFFSET = 0.05;
/** How fast the arrival anchor follows a delay that grew (fraction per snapshot). */
const ANCHOR_RISE = 0.02;
/** An arrival this far (ms) off the anchor re-anchors at once (ticks jumped, new host). */
const ANCHOR_RESET_MS = 1000;

export class Predictor {
  readonly rules: MoveRules;
  readonly tickMs: number;
  private readonly padMs: number;
  private readonly maxAheadMs: number;
  private readonly smoothMs: number;
  private readonly snapPx: number;
  private readonly maxPending: number;
  /** Inputs after the horizon, oldest first. */
  readonly pending: SentInput[] = [];
  private base: Point | null = null;
  /** Local time of tick 0's arrival, estimated (NaN: none yet). */
  private anchor = NaN;
  /** Input horizon of the base snapshot (local ms). */
  horizon = -Infinity;
  private heldAtHorizon = 0;
  private offset: Point = { x: 0, y: 0 };
  private offsetAt = 0;
  /** Snapshots that moved the raw prediction, and the largest move (px). */
  corrections = 0;
  maxCorrection = 0;

  constructor(o: PredictorOptions = {}) {
    this.rules = o.rules ?? SHOOTER_RULES;
    this.tickMs = 1000 / this.rules.hz;
    this.padMs = o.padMs ?? this.tickMs / 2;
    this.maxAheadMs = o.maxAheadMs ?? 250;
    this.smoothMs = o.smoothMs ?? 80;
    this.snapPx = o.snapPx ?? 120;
    this.maxPending = o.maxPending ?? 512;
  }

  /** Predicting (a movable own ship has been seen). */
  get active(): boolean {
    return this.base !== null;
  }

  /** An input was sent at `at` (local ms). */
  record(seq: number, buttons: number, at: number): void {
    const last = this.pending[this.pending.length - 1];
    if (last && (seq <= last.seq || at < last.at)) return; // out of order: ignore
    this.pending.push({ seq, buttons, at });
    if (this.pending.length > this.maxPending) this.heldAtHorizon = this.pending.shift()!.buttons;
  }

  /**
   * The snapshot of `tick` arrived at `at` (local ms) with the own ship at `host`. `movable`
   * false (not playing, or the ship lost): prediction stops and the caller draws the host's
   * position.
   */
  reconcile(host: Point, tick: number, at: number, rttMs: number, movable = true): void {
    const sample = at - tick * this.tickMs;
    if (Number.isNaN(this.anchor) || Math.abs(sample - this.anchor) > ANCHOR_RESET_MS) this.anchor = sample;
    else this.anchor = sample < this.anchor ? sample : this.anchor + (sample - this.anchor) * ANCHOR_RISE;
    const horizon = Math.max(this.horizon, this.anchor + tick * this.tickMs - rttMs - this.padMs);
    if (!movable) {
      this.base = null;
      this.offset = { x: 0, y: 0 };
      this.setHorizon(horizon);
      return;
    }
    const before = this.base ? this.predictRaw(at) : null;
    const shown = before ? this.withOffset(before, at) : null;
    this.base = { x: host.x, y: host.y };
    this.setHorizon(horizon);
    if (!before || !shown) return;
    const after = this.predictRaw(at);
    const moved = Math.hypot(before.x - after.x, before.y - after.y);
    if (moved > 1e-6) {
      this.corrections++;
      this.maxCorrection = Math.max(this.maxCorrection, moved);
    }
    const dx = shown.x - after.x;
    const dy = shown.y - after.y;
    const d = Math.hypot(dx, dy);
    // smaller than MIN_OFFSET: invisible at any terminal size, let it go
    this.offset = d > this.snapPx || d < MIN_OFFSET ? { x: 0, y: 0 } : { x: dx, y: dy };
    this.offsetAt = at;
  }

  /** Where to draw the own ship at `now`, or null when not predicting. */
  position(now: number): Point | null {
    if (!this.base) return null;
    return this.withOffset(this.predictRaw(now), now);
  }

  /** The prediction at `now` without the smoothing offset (needs a base). */
  predictRaw(now: number): Point {
    let { x, y } = this.base!;
    const ticks = Math.floor(Math.min(now - this.horizon, this.maxAheadMs) / this.tickMs);
    let held = this.heldAtHorizon;
    let j = 0;
    for (let k = 1; k <= ticks; k++) {
      const t = this.horizon + k * this.tickMs;
      while (j < this.pending.length && this.pending[j]!.at <= t) held = this.pending[j++]!.buttons;
      [x, y] = stepShip(x, y, held, this.rules);
    }
    return { x, y };
  }

  /** Forget everything (a new connection). */
  reset(): void {
    this.pending.length = 0;
    this.base = null;
    this.anchor = NaN;
    this.horizon = -Infinity;
    this.heldAtHorizon = 0;
    this.offset = { x: 0, y: 0 };
  }

  private withOffset(p: Point, now: number): Point {
    if (this.offset.x === 0 && this.offset.y === 0) return p;
    const k = Math.exp(-Math.max(0, now - this.offsetAt) / this.smoothMs);
    if (k * Math.hypot(this.offset.x, this.offset.y) < MIN_OFFSET) {
      this.offset = { x: 0, y: 0 };
      return p;
    }
    return { x: p.x + this.offset.x * k, y: p.y + this.offset.y * k };
  }

  /** Inputs sent at or before the horizon count as applied; the newest of them stays held. */
  private setHorizon(h: number): void {
    this.horizon = h;
    let i = 0;
    while (i < this.pending.length && this.pending[i]!.at <= h) this.heldAtHorizon = this.pending[i++]!.buttons;
    if (i > 0) this.pending.splice(0, i);
  }
}
