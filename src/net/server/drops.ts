// Every dropped datagram, frame or message is counted by reason and logged, at most once a
// second per reason so a flood cannot flood the log as well.

import type { Logger } from '../../engine/log.js';

export class DropCounter {
  readonly counts: Record<string, number> = {};
  private readonly lastLog = new Map<string, { at: number; since: number }>();

  constructor(private readonly log: Logger) {}

  count(reason: string, detail?: Record<string, unknown>): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const now = performance.now();
    const l = this.lastLog.get(reason);
    if (!l || now - l.at >= 1000) {
      this.log.warn({ reason, total: this.counts[reason], sinceLastLog: l ? l.since + 1 : 1, ...detail }, 'dropped');
      this.lastLog.set(reason, { at: now, since: 0 });
    } else {
      l.since++;
    }
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
