import { describe, expect, it } from 'vitest';
import { flushRest, parseKeys, type TermEvent } from '../../src/render-term/keys.js';

const keys = (s: string) =>
  parseKeys(s).events.map((e) => (e.kind === 'key' ? `${e.key}:${e.type}${e.mods ? `+${e.mods}` : ''}` : e.kind));

describe('escape-sequence parsing', () => {
  it('arrows: CSI, SS3 (application mode), with modifiers', () => {
    expect(keys('\x1b[A\x1b[B\x1b[C\x1b[D')).toEqual(['up:press', 'down:press', 'right:press', 'left:press']);
    expect(keys('\x1bOA\x1bOD')).toEqual(['up:press', 'left:press']);
    expect(keys('\x1b[1;2C')).toEqual(['right:press+1']);
  });

  it('WASD, space, q, Enter, Ctrl-C; capitals are shift + the lowercase key', () => {
    expect(keys('wasd q\r\x03')).toEqual(['w:press', 'a:press', 's:press', 'd:press', 'space:press', 'q:press', 'enter:press', 'ctrl-c:press+4']);
    expect(keys('W')).toEqual(['w:press+1']);
  });

  it('kitty protocol: press, repeat and release of text keys and arrows', () => {
    expect(keys('\x1b[119u\x1b[119;1:2u\x1b[119;1:3u')).toEqual(['w:press', 'w:repeat', 'w:release']);
    expect(keys('\x1b[32u\x1b[32;1:3u')).toEqual(['space:press', 'space:release']);
    expect(keys('\x1b[113;1u')).toEqual(['q:press']);
    expect(keys('\x1b[1;1:1D\x1b[1;1:2D\x1b[1;1:3D')).toEqual(['left:press', 'left:repeat', 'left:release']);
    expect(keys('\x1b[A\x1b[1;1:3A')).toEqual(['up:press', 'up:release']);
    // keypad arrows, shift, caps lock (ignored), Ctrl-C, Escape
    expect(keys('\x1b[57417u\x1b[57417;1:3u')).toEqual(['left:press', 'left:release']);
    expect(keys('\x1b[100;2u\x1b[100;65:3u')).toEqual(['d:press+1', 'd:release']);
    expect(keys('\x1b[99;5u\x1b[27u')).toEqual(['ctrl-c:press+4', 'escape:press']);
    // modifier keys alone and other functional keys are skipped
    expect(keys('\x1b[57441u\x1b[57441;2:3u')).toEqual([]);
  });

  it('terminal replies: kitty flags and device attributes', () => {
    const { events } = parseKeys('\x1b[?11u\x1b[?62;22c');
    expect(events).toEqual<TermEvent[]>([{ kind: 'kitty-flags', flags: 11 }, { kind: 'device-attributes' }]);
  });

  it('a sequence split across reads comes back as rest', () => {
    const a = parseKeys('w\x1b[1;1');
    expect(keys('w\x1b[1;1')).toEqual(['w:press']);
    expect(a.rest).toBe('\x1b[1;1');
    const b = parseKeys(a.rest + ':3D');
    expect(b.events).toEqual([{ kind: 'key', key: 'left', type: 'release', mods: 0 }]);
    expect(b.rest).toBe('');
    expect(parseKeys('\x1b').rest).toBe('\x1b');
    expect(parseKeys('\x1bO').rest).toBe('\x1bO');
  });

  it('a lone ESC is Escape; ESC + char is Alt + char; unknown sequences are skipped whole', () => {
    expect(flushRest('\x1b')).toEqual([{ kind: 'key', key: 'escape', type: 'press', mods: 0 }]);
    expect(flushRest('\x1b[1')).toEqual([]);
    expect(keys('\x1bq')).toEqual(['q:press+2']);
    expect(keys('\x1b[3~\x1b[200~x\x1b[M')).toEqual(['x:press']);
    expect(keys('\x1b\x1b[A')).toEqual(['escape:press', 'up:press']);
  });

  it('drops an overlong unfinished sequence', () => {
    const r = parseKeys('\x1b[' + '1;'.repeat(40));
    expect(r.rest).toBe('');
    expect(r.events).toEqual([]);
  });
});
