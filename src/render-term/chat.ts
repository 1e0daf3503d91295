// The chat: a scrollback of the newest messages, the roster's names, and the input line.
//
// Enter opens the input line (at the bottom of the screen); printable keys go into it,
// Backspace deletes, Enter sends the text (client.chat) and closes it, Esc cancels. While the
// line is open, keys do not reach the game. Text from the host is sanitised there already;
// everything drawn goes through `clean` anyway, so no control character reaches the terminal.

import type { KeyEvent } from './keys.js';

export interface ChatLine {
  from: number;
  name: string;
  text: string;
  tick: number;
}

/** The host's limit on a chat message (characters). */
export const CHAT_MAX = 200;
/** Messages kept (the panel shows the newest that fit, at most SCROLLBACK_SHOWN). */
export const SCROLLBACK_KEPT = 50;
export const SCROLLBACK_SHOWN = 8;

/** `s` without C0 controls (< 0x20), DEL and C1 controls (0x7f-0x9f). */
export function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

export type ChatAction = { send: string } | 'handled' | null;

export class Chat {
  readonly lines: ChatLine[] = [];
  /** client id -> nickname, from the newest roster. */
  readonly names = new Map<number, string>();
  /** The input line's text, or null when it is closed. */
  input: string | null = null;

  add(m: { from: number; name: string; text: string; tick?: number }): void {
    this.lines.push({ from: m.from, name: clean(String(m.name ?? '')), text: clean(String(m.text ?? '')), tick: m.tick ?? 0 });
    if (this.lines.length > SCROLLBACK_KEPT) this.lines.splice(0, this.lines.length - SCROLLBACK_KEPT);
  }

  roster(players: readonly { client: number; name: string }[]): void {
    this.names.clear();
    for (const p of players) this.names.set(p.client, clean(String(p.name ?? '')));
  }

  get open(): boolean {
    return this.input !== null;
  }

  /**
   * A key while the game runs. Closed: Enter opens the line ('handled'), anything else is the
   * game's (null). Open: every key is the chat's; Enter returns the text to send (none when
   * blank), Esc cancels.
   */
  handle(ev: KeyEvent): ChatAction {
    if (this.input === null) {
      if (ev.key === 'enter' && ev.type === 'press' && (ev.mods & ~1) === 0) {
        this.input = '';
        return 'handled';
      }
      return null;
    }
    if (ev.type === 'release') return 'handled';
    if (ev.key === 'escape') {
      this.input = null;
      return 'handled';
    }
    if (ev.key === 'enter') {
      const text = this.input;
      this.input = null;
      return text.trim() ? { send: text } : 'handled';
    }
    if (ev.key === 'backspace') {
      this.input = Array.from(this.input).slice(0, -1).join('');
      return 'handled';
    }
    const ch = typed(ev);
    if (ch && Array.from(this.input).length < CHAT_MAX) this.input += ch;
    return 'handled';
  }
}

/** The character a key event types, or '' (keys.ts lowercases letters and sets SHIFT). */
export function typed(ev: KeyEvent): string {
  if (ev.key === 'space') return ' ';
  if ((ev.mods & ~1) !== 0) return ''; // ctrl / alt / super chords type nothing
  if (ev.text !== undefined) return clean(ev.text);
  if (Array.from(ev.key).length !== 1) return ''; // named keys: arrows, escape...
  return clean(ev.mods & 1 ? ev.key.toUpperCase() : ev.key);
}
