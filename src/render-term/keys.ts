// Terminal input bytes -> key events. Pure; handles sequences split across reads (the
// unfinished tail comes back as `rest`, to be put in front of the next read).
//
// Understood:
//   legacy     printable characters, space, Enter, Backspace (0x7f / 0x08), Ctrl-C (0x03), arrows as CSI A..D or
//              SS3 A..D (application cursor mode), with modifiers (CSI 1;<mods> A)
//   kitty      CSI <code>[:alt...] ; <mods>[:<event>] [; text] u    (keyboard protocol)
//              CSI 1 ; <mods>:<event> A..D                         (arrows with event types)
//              event 1 press, 2 repeat, 3 release; mods = 1 + bits (shift 1, alt 2, ctrl 4,
//              super 8, hyper 16, meta 32, caps lock 64, num lock 128)
//   replies    CSI ? <flags> u       the terminal's kitty flags (answer to CSI ? u)
//              CSI ? ... c           primary device attributes (answer to CSI c)
// Anything else is skipped whole.

export type KeyEventType = 'press' | 'repeat' | 'release';

export interface KeyEvent {
  kind: 'key';
  /** 'up' | 'down' | 'left' | 'right' | 'space' | 'enter' | 'escape' | 'ctrl-c' | a lowercase character. */
  key: string;
  type: KeyEventType;
  /** Modifier bits (shift 1, alt 2, ctrl 4, super 8, ...), 0: none. */
  mods: number;
  /** Text keys: the character as typed (shift applied), for the chat line. */
  text?: string;
}

export interface KittyFlagsEvent {
  kind: 'kitty-flags';
  flags: number;
}

export interface DeviceAttributesEvent {
  kind: 'device-attributes';
}

export type TermEvent = KeyEvent | KittyFlagsEvent | DeviceAttributesEvent;

export interface ParseResult {
  events: TermEvent[];
  /** An unfinished escape sequence at the end of the input: prepend it to the next read. */
  rest: string;
}

export const MOD = { SHIFT: 1, ALT: 2, CTRL: 4 } as const;
/** Caps lock and num lock bits, ignored when matching keys. */
const LOCKS = 64 | 128;
const MAX_SEQUENCE = 64;

const ARROWS: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left' };
/** kitty's keypad arrow codes */
const KITTY_KEYS: Record<number, string> = { 57417: 'left', 57418: 'right', 57419: 'up', 57420: 'down' };
const EVENT_TYPES: Record<number, KeyEventType> = { 1: 'press', 2: 'repeat', 3: 'release' };

const key = (k: string, mods = 0, type: KeyEventType = 'press'): KeyEvent => ({ kind: 'key', key: k, type, mods });
const textKey = (k: string, text: string, mods = 0, type: KeyEventType = 'press'): KeyEvent => ({ kind: 'key', key: k, type, mods, text });

/** A character typed without escape codes. */
function charKey(ch: string, mods = 0): KeyEvent | null {
  const c = ch.codePointAt(0)!;
  if (c === 0x03) return key('ctrl-c', MOD.CTRL);
  if (c === 0x0d || c === 0x0a) return key('enter', mods);
  if (c === 0x20) return key('space', mods);
  if (c === 0x7f || c === 0x08) return key('backspace', mods);
  if (c < 0x20 || (c >= 0x80 && c <= 0x9f)) return null;
  const lower = ch.toLowerCase();
  return textKey(lower, ch, lower !== ch ? mods | MOD.SHIFT : mods);
}

/** "<a>:<b>" parameter -> numbers (missing parts are NaN). */
const sub = (p: string | undefined): number[] => (p === undefined || p === '' ? [] : p.split(':').map((s) => (s === '' ? NaN : Number(s))));

function modsAndType(p: string | undefined): { mods: number; type: KeyEventType } {
  const [m, e] = sub(p);
  const mods = m !== undefined && Number.isFinite(m) && m >= 1 ? m - 1 : 0;
  const type = (e !== undefined && EVENT_TYPES[e]) || 'press';
  return { mods, type };
}

function kittyKey(code: number, mods: number, type: KeyEventType, shifted?: number): KeyEvent | null {
  const m = mods & ~LOCKS;
  if (KITTY_KEYS[code]) return key(KITTY_KEYS[code], m, type);
  if (code === 27) return key('escape', m, type);
  if (code === 13) return key('enter', m, type);
  if (code === 32) return key('space', m, type);
  if (code === 127 || code === 8) return key('backspace', m, type);
  if (code === 99 && (m & MOD.CTRL) !== 0) return key('ctrl-c', m, type);
  if (code < 0x20 || (code >= 0x80 && code <= 0x9f) || code > 0x10ffff || (code >= 57344 && code <= 63743)) return null; // other functional keys
  const k = String.fromCodePoint(code).toLowerCase();
  // the shifted key comes as "code:shifted" (flag 4, alternate keys)
  const ok = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n >= 0x20 && n <= 0x10ffff && !(n >= 0x7f && n <= 0x9f);
  const text = m & MOD.SHIFT ? (ok(shifted) ? String.fromCodePoint(shifted) : k.toUpperCase()) : k;
  return textKey(k, text, m, type);
}

/** One complete CSI sequence (params between "ESC [" and the final byte). */
function csi(params: string, final: string): TermEvent | null {
  if (params.startsWith('?')) {
    if (final === 'u') return { kind: 'kitty-flags', flags: Number(params.slice(1)) || 0 };
    if (final === 'c') return { kind: 'device-attributes' };
    return null;
  }
  const parts = params.split(';');
  if (ARROWS[final] && /^[0-9:;]*$/.test(params)) {
    const { mods, type } = modsAndType(parts[1]);
    return key(ARROWS[final], mods & ~LOCKS, type);
  }
  if (final === 'u' && /^[0-9:;]+$/.test(params)) {
    const [code, shifted] = sub(parts[0]);
    if (code === undefined || !Number.isFinite(code)) return null;
    const { mods, type } = modsAndType(parts[1]);
    return kittyKey(code, mods, type, shifted);
  }
  return null;
}

/** Parse terminal input into events. Never throws. */
export function parseKeys(input: string): ParseResult {
  const events: TermEvent[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const ch = input[i]!;
    if (ch !== '\x1b') {
      const cp = input.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      const ev = charKey(s);
      if (ev) events.push(ev);
      i += s.length;
      continue;
    }
    // ESC ...
    if (i + 1 >= n) return { events, rest: input.slice(i) };
    const next = input[i + 1]!;
    if (next === '[') {
      // CSI: parameter bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, final byte 0x40-0x7e
      let j = i + 2;
      while (j < n && input.charCodeAt(j) >= 0x20 && input.charCodeAt(j) <= 0x3f) j++;
      if (j >= n) {
        if (n - i > MAX_SEQUENCE) return { events, rest: '' }; // garbage: drop it
        return { events, rest: input.slice(i) };
      }
      const f = input.charCodeAt(j);
      if (f >= 0x40 && f <= 0x7e) {
        const ev = csi(input.slice(i + 2, j), input[j]!);
        if (ev) events.push(ev);
        i = j + 1;
      } else i = j; // malformed: skip the introducer and go on from the odd byte
      continue;
    }
    if (next === 'O') {
      // SS3: one more byte
      if (i + 2 >= n) return { events, rest: input.slice(i) };
      const a = ARROWS[input[i + 2]!];
      if (a) events.push(key(a));
      i += 3;
      continue;
    }
    if (next === '\x1b') {
      // ESC ESC: the first one is a lone Escape
      events.push(key('escape'));
      i += 1;
      continue;
    }
    // ESC <char>: Alt + char
    const cp = input.codePointAt(i + 1)!;
    const s = String.fromCodePoint(cp);
    const ev = charKey(s, MOD.ALT);
    if (ev) events.push(ev);
    i += 1 + s.length;
  }
  return { events, rest: '' };
}

/** A lone ESC left over in `rest` for a while is the Escape key itself. */
export function flushRest(rest: string): TermEvent[] {
  return rest === '\x1b' ? [key('escape')] : [];
}
