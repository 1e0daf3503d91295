// Held keys -> game buttons.
//
// Each game's view may bring its own key map (haunted: 1 / 2 pick a team, space readies);
// the default is the shooter's, where space fires and, outside a match, readies up.
//
// A legacy terminal reports presses (and the keyboard's auto-repeat as more presses) but no
// releases, so a key counts as held for `holdMs` after its last press or repeat. When the
// terminal speaks the kitty keyboard protocol with event types (it answered our flags query
// with bit 2 set), a key is held from its press to its release; `safetyMs` after its last
// press / repeat event it is dropped anyway, in case a release got lost (auto-repeat keeps
// sending repeat events while a key is really held).

import { Button } from '../engine/games/shooter/schema.js';
import type { KeyEvent } from './keys.js';

export interface KeyboardOptions {
  /** Legacy terminals: how long a key stays held after its last press / repeat (ms). Default 150. */
  holdMs?: number;
  /** kitty protocol: drop a key this long after its last press / repeat without a release. Default 2000. */
  safetyMs?: number;
}

/** A game's keys and the buttons they hold. */
export type KeyMap = Readonly<Record<string, number>>;

/** The default (shooter) keys and the buttons they hold. */
export const KEY_BUTTONS: KeyMap = {
  left: Button.LEFT,
  a: Button.LEFT,
  right: Button.RIGHT,
  d: Button.RIGHT,
  up: Button.UP,
  w: Button.UP,
  down: Button.DOWN,
  s: Button.DOWN,
  space: Button.FIRE,
};

const OPPOSITE: Readonly<Record<number, number>> = {
  [Button.LEFT]: Button.RIGHT,
  [Button.RIGHT]: Button.LEFT,
  [Button.UP]: Button.DOWN,
  [Button.DOWN]: Button.UP,
};

/** kitty flag bit: the terminal reports press / repeat / release. */
export const KITTY_EVENT_TYPES = 2;

export type KeyAction = 'quit' | null;

export class Keyboard {
  readonly holdMs: number;
  readonly safetyMs: number;
  /** The terminal sends release events (kitty protocol with event types). */
  releases = false;
  /** The keys of the game being played (set from the welcome's game). */
  private map: KeyMap = KEY_BUTTONS;
  /** key -> time of its last press / repeat */
  private readonly down = new Map<string, number>();

  constructor(o: KeyboardOptions = {}) {
    this.holdMs = o.holdMs ?? 150;
    this.safetyMs = o.safetyMs ?? 2000;
  }

  /** The terminal answered the kitty flags query. */
  kittyFlags(flags: number): void {
    this.releases = (flags & KITTY_EVENT_TYPES) !== 0;
  }

  /** Switch to a game's keys (null: the shooter's); held keys are forgotten. */
  useKeys(map: KeyMap | null | undefined): void {
    const next = map ?? KEY_BUTTONS;
    if (next !== this.map) this.down.clear();
    this.map = next;
  }

  /** Feed one key event; returns 'quit' for q / Ctrl-C presses. */
  handle(ev: KeyEvent, now: number): KeyAction {
    if (ev.type === 'release') {
      this.down.delete(ev.key);
      return null;
    }
    if (ev.key === 'ctrl-c' || (ev.key === 'q' && (ev.mods & ~1) === 0)) return ev.type === 'press' ? 'quit' : null;
    const b = this.map[ev.key];
    if (b === undefined) return null;
    if (!this.releases && ev.type === 'press' && OPPOSITE[b] !== undefined) {
      // no releases: pressing a direction lets go of the opposite one at once
      for (const [k] of this.down) if (this.map[k] === OPPOSITE[b]) this.down.delete(k);
    }
    this.down.set(ev.key, now);
    return null;
  }

  isDown(key: string, now: number): boolean {
    const t = this.down.get(key);
    if (t === undefined) return false;
    if (now - t < (this.releases ? this.safetyMs : this.holdMs)) return true;
    this.down.delete(key);
    return false;
  }

  /**
   * The buttons held now. With the shooter's keys space is FIRE; outside a match (`playing`
   * false) it also sets READY, and either one readies up on a fresh press.
   */
  buttons(now: number, playing: boolean): number {
    let b = 0;
    for (const k of [...this.down.keys()]) if (this.isDown(k, now)) b |= this.map[k] ?? 0;
    if (this.map === KEY_BUTTONS && !playing && b & Button.FIRE) b |= Button.READY;
    return b;
  }

  /** Forget every held key (e.g. after a reconnect). */
  reset(): void {
    this.down.clear();
  }
}
