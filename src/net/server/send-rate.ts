// A client's snapshot rate, apart from the 60 Hz tick: 60, 30 or 20 snapshots a second
// (every 1st, 2nd or 3rd tick), capped by what the client asked for (join.rate) or the
// host's default, and lowered automatically while the client's socket backlog grows.
//
//   every tick:  due(tick)?  -- no --> skip this client
//                   | yes
//                   v
//   backlog > high water (bytes not yet taken by the kernel)  -> one step down (60 -> 30 -> 20),
//                                                                then hold for HOLD_MS
//   no backlog for CALM_MS                                      -> one step back up, to the cap
//
// A client whose kernel buffers are full is one that reads slower than we send: sending it
// fewer, newer snapshots (each a delta from its last ack) costs it less and loses nothing,
// while queuing more would only add latency.
//
// The rates are aligned, not spread over the ticks: a 20 Hz client is sent ticks 0, 3, 6...,
// a 30 Hz one ticks 0, 2, 4..., every client alike. Clients sent the same tick from the same
// base share one payload, and a tick that sends to nobody costs the network thread nearly
// nothing (tick-watch.ts `quiet`). Spread by the client id, as it was, 200 clients at 20 Hz
// cost three encodes where one does, and the network thread looked at its sockets three
// times every tick instead of once on two ticks of three.

import type { SendHz } from '../protocol/messages.js';

/** Lower again only this long after a change (ms): time for the backlog to drain. */
export const HOLD_MS = 1000;
/** Raise again after this long without any backlog (ms). */
export const CALM_MS = 3000;

export class SendRate {
  /** The rate now. */
  hz: SendHz;
  /** Times the rate was lowered / raised automatically. */
  lowered = 0;
  raised = 0;
  private changedAt = -Infinity;
  private calmSince: number;

  constructor(
    /** The most this client gets (its own request or the host's default). */
    readonly cap: SendHz,
    now: number,
    /** Backlog (bytes) above which the rate is lowered. */
    private readonly highWater = 64 * 1024,
  ) {
    this.hz = cap;
    this.calmSince = now;
  }

  /** Ticks between two snapshots at the current rate. */
  get every(): number {
    return 60 / this.hz;
  }

  /**
   * Whether tick `tick` is one this client is sent, after adapting the rate to its backlog
   * (bytes written but not yet taken by the kernel) at time `now` (ms).
   */
  due(tick: number, backlog: number, now: number): boolean {
    this.adapt(backlog, now);
    return this.sendsAt(tick);
  }

  /** Whether tick `tick` is one of this rate's, as it is now (no adapting). */
  sendsAt(tick: number): boolean {
    return tick % this.every === 0;
  }

  adapt(backlog: number, now: number): void {
    if (backlog > this.highWater) {
      this.calmSince = now;
      if (now - this.changedAt >= HOLD_MS && this.hz !== 20) {
        this.hz = this.hz === 60 ? 30 : 20;
        this.changedAt = now;
        this.lowered++;
      }
      return;
    }
    if (backlog > 0) {
      this.calmSince = now;
      return;
    }
    if (this.hz !== this.cap && now - this.calmSince >= CALM_MS && now - this.changedAt >= CALM_MS) {
      const up: SendHz = this.hz === 20 ? 30 : 60;
      this.hz = up > this.cap ? this.cap : up;
      this.changedAt = now;
      this.calmSince = now;
      this.raised++;
    }
  }
}
