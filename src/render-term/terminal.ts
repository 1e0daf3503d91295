// Terminal modes: what the client switches on (alternate screen, hidden cursor, no line
// wrap, raw input, kitty keyboard flags) and a guard that switches all of it back exactly
// once, on every way out: quit, error, signal, uncaught exception, process.exit.

import { writeSync } from 'node:fs';
import { CSI } from './diff.js';

/** kitty keyboard flags pushed: disambiguate (1) + event types (2) + alternate (shifted) keys (4) + all keys as escape codes (8). */
export const KITTY_FLAGS = 1 | 2 | 4 | 8;

export const SEQ = {
  altScreenOn: `${CSI}?1049h`,
  altScreenOff: `${CSI}?1049l`,
  hideCursor: `${CSI}?25l`,
  showCursor: `${CSI}?25h`,
  wrapOff: `${CSI}?7l`,
  wrapOn: `${CSI}?7h`,
  resetSgr: `${CSI}0m`,
  clear: `${CSI}2J`,
  home: `${CSI}H`,
  /** Synchronized output (DEC mode 2026): the terminal shows the frame at once. Ignored elsewhere. */
  syncStart: `${CSI}?2026h`,
  syncEnd: `${CSI}?2026l`,
  kittyPush: (flags: number) => `${CSI}>${flags}u`,
  kittyPop: `${CSI}<u`,
  /** Answered with CSI ? flags u by terminals that speak the kitty keyboard protocol. */
  kittyQuery: `${CSI}?u`,
  /** Primary device attributes: every terminal answers, so a kitty answer that did not come before it never will. */
  deviceAttributes: `${CSI}c`,
} as const;

export function enterSequence(kitty: boolean): string {
  let s = SEQ.altScreenOn + SEQ.hideCursor + SEQ.wrapOff + SEQ.resetSgr + SEQ.clear + SEQ.home;
  // the flags live per screen in kitty: pushed on the alternate screen, popped before leaving it
  if (kitty) s += SEQ.kittyPush(KITTY_FLAGS) + SEQ.kittyQuery + SEQ.deviceAttributes;
  return s;
}

export function restoreSequence(kitty: boolean): string {
  return (kitty ? SEQ.kittyPop : '') + SEQ.syncEnd + SEQ.resetSgr + SEQ.wrapOn + SEQ.showCursor + SEQ.altScreenOff;
}

export interface TerminalGuardOptions {
  out: NodeJS.WriteStream;
  in: NodeJS.ReadStream;
  kitty: boolean;
}

export class TerminalGuard {
  entered = false;
  restored = false;
  private rawSet = false;
  private readonly onExit = () => this.restore();
  // runs before Node prints the error, so the message lands on the normal screen
  private readonly onUncaught = () => this.restore();

  constructor(private readonly o: TerminalGuardOptions) {}

  enter(): void {
    if (this.entered) return;
    this.entered = true;
    const input = this.o.in;
    if (input.isTTY && typeof input.setRawMode === 'function') {
      input.setRawMode(true);
      this.rawSet = true;
    }
    process.on('exit', this.onExit);
    process.on('uncaughtExceptionMonitor', this.onUncaught);
    this.write(enterSequence(this.o.kitty));
  }

  /** Switch everything back. Idempotent and synchronous. */
  restore(): void {
    if (!this.entered || this.restored) return;
    this.restored = true;
    process.off('exit', this.onExit);
    process.off('uncaughtExceptionMonitor', this.onUncaught);
    try {
      this.write(restoreSequence(this.o.kitty));
    } finally {
      if (this.rawSet) {
        try {
          this.o.in.setRawMode(false);
        } catch {
          // the tty may be gone already
        }
      }
    }
  }

  /** Synchronous on a TTY (so it is out before the process ends), a plain write elsewhere. */
  write(s: string): void {
    const out = this.o.out;
    const fd = (out as { fd?: unknown }).fd;
    if (out.isTTY && typeof fd === 'number') {
      try {
        writeSync(fd, s);
        return;
      } catch {
        // fall back to the stream
      }
    }
    out.write(s);
  }
}
