import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffScreens, sgr } from '../../src/render-term/diff.js';
import { DEFAULT, rgb, Screen, to256 } from '../../src/render-term/screen.js';
import { changedCells, VirtualTerminal } from './vt.js';

const sample = (): Screen => {
  const s = new Screen(12, 4);
  s.clear(233);
  s.text(1, 1, 'hello', 252, 236);
  s.set(10, 3, '▀', 196, 46);
  return s;
};

describe('screen', () => {
  it('clips writes at the edges and reports the text', () => {
    const s = new Screen(5, 2);
    expect(s.text(3, 0, 'abcdef', 1)).toBe(6);
    s.set(-1, 0, 'x', 1);
    s.set(0, 5, 'x', 1);
    expect(s.toText()).toBe('   ab\n     ');
    expect(s.toText(true)).toBe('   ab\n');
  });

  it('maps truecolor to the 256-colour cube', () => {
    expect(to256(rgb(0, 0, 0))).toBe(16);
    expect(to256(rgb(255, 255, 255))).toBe(231);
    expect(to256(rgb(255, 0, 0))).toBe(196);
    expect(to256(42)).toBe(42);
  });
});

describe('diff writer', () => {
  it('writes nothing for an identical frame', () => {
    expect(diffScreens(sample(), sample())).toBe('');
  });

  it('a first frame clears and writes every cell', () => {
    const next = sample();
    const out = diffScreens(null, next);
    expect(out.startsWith('\x1b[0m\x1b[2J')).toBe(true);
    const vt = new VirtualTerminal(12, 4);
    vt.apply(out);
    expect(vt.printed).toBe(48);
    expect(changedCells(vt.screen, next)).toBe(0);
  });

  it('writes only the changed cells', () => {
    const prev = sample();
    const next = sample();
    next.set(2, 1, 'E', 252, 236); // 'hello' -> 'hEllo'
    next.set(0, 3, '#', 226, 233);
    next.set(11, 0, ' ', DEFAULT, 16);
    const out = diffScreens(prev, next);
    const vt = new VirtualTerminal(12, 4, prev);
    vt.apply(out);
    expect(vt.printed).toBe(3);
    expect(changedCells(vt.screen, next)).toBe(0);
    // exactly: move, colours, char for each of the three
    expect(out).toBe(
      '\x1b[1;12H\x1b[48;5;16m ' + '\x1b[2;3H\x1b[38;5;252;48;5;236mE' + '\x1b[4;1H\x1b[38;5;226;48;5;233m#',
    );
  });

  it('moves the cursor only when the next changed cell is not where it is, and reuses the pen', () => {
    const prev = new Screen(10, 1);
    const next = new Screen(10, 1);
    next.text(2, 0, 'ab', 7, 0);
    next.text(6, 0, 'c', 7, 0);
    const out = diffScreens(prev, next);
    expect(out).toBe('\x1b[1;3H\x1b[38;5;7;48;5;0mab\x1b[2Cc');
  });

  it('ignores the foreground of spaces', () => {
    const prev = new Screen(3, 1);
    const next = new Screen(3, 1);
    next.fg.fill(200);
    expect(diffScreens(prev, next)).toBe('');
  });

  it('a resized screen is written whole', () => {
    const out = diffScreens(new Screen(5, 5), sample());
    expect(out.startsWith('\x1b[0m\x1b[2J')).toBe(true);
  });

  it('truecolor SGR, or the 256-colour cube', () => {
    expect(sgr(rgb(1, 2, 3), DEFAULT)).toBe('\x1b[38;2;1;2;3;49m');
    expect(sgr(rgb(255, 0, 0), null, '256')).toBe('\x1b[38;5;196m');
    expect(sgr(null, null)).toBe('');
  });

  it('property: applying the diff to the previous frame gives the next, touching only changed cells', () => {
    const cell = fc.record({ ch: fc.constantFrom(' ', 'a', '▀', '│'), fg: fc.constantFrom(DEFAULT, 1, 196, rgb(9, 8, 7)), bg: fc.constantFrom(DEFAULT, 0, 233) });
    const grid = fc.array(cell, { minLength: 6 * 3, maxLength: 6 * 3 });
    const toScreen = (cells: { ch: string; fg: number; bg: number }[]) => {
      const s = new Screen(6, 3);
      cells.forEach((c, i) => s.set(i % 6, Math.floor(i / 6), c.ch, c.fg, c.bg));
      return s;
    };
    fc.assert(
      fc.property(grid, grid, (a, b) => {
        const prev = toScreen(a);
        const next = toScreen(b);
        const vt = new VirtualTerminal(6, 3, prev);
        vt.apply(diffScreens(prev, next));
        expect(changedCells(vt.screen, next)).toBe(0);
        expect(vt.printed).toBe(changedCells(prev, next));
      }),
      { numRuns: 300 },
    );
  });
});
