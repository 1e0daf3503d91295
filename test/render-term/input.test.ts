import { describe, expect, it } from 'vitest';
import { Button } from '../../src/engine/games/shooter/schema.js';
import { Keyboard } from '../../src/render-term/input.js';
import { parseKeys, type KeyEvent } from '../../src/render-term/keys.js';

const ev = (s: string): KeyEvent[] => parseKeys(s).events.filter((e): e is KeyEvent => e.kind === 'key');
const feed = (k: Keyboard, s: string, now: number) => ev(s).map((e) => k.handle(e, now));

describe('held keys', () => {
  it('without releases a key is held for holdMs after its last press or repeat', () => {
    const k = new Keyboard({ holdMs: 150 });
    feed(k, '\x1b[D', 1000);
    expect(k.buttons(1000, true)).toBe(Button.LEFT);
    expect(k.buttons(1149, true)).toBe(Button.LEFT);
    expect(k.buttons(1150, true)).toBe(0);
    // auto-repeat keeps it held
    feed(k, 'a', 2000);
    feed(k, 'a', 2100);
    feed(k, 'a', 2200);
    expect(k.buttons(2349, true)).toBe(Button.LEFT);
    expect(k.buttons(2350, true)).toBe(0);
  });

  it('the hold time is configurable', () => {
    const k = new Keyboard({ holdMs: 40 });
    feed(k, 'w', 0);
    expect(k.buttons(39, true)).toBe(Button.UP);
    expect(k.buttons(40, true)).toBe(0);
  });

  it('without releases a direction lets go of its opposite at once; other keys combine', () => {
    const k = new Keyboard();
    feed(k, 'a', 0);
    feed(k, 'w', 10);
    feed(k, '\x1b[C', 20);
    expect(k.buttons(30, true)).toBe(Button.RIGHT | Button.UP);
    feed(k, ' ', 40);
    expect(k.buttons(50, true)).toBe(Button.RIGHT | Button.UP | Button.FIRE);
  });

  it('with kitty releases a key is held from press to release', () => {
    const k = new Keyboard({ holdMs: 150 });
    k.kittyFlags(11);
    expect(k.releases).toBe(true);
    feed(k, '\x1b[100u', 0);
    feed(k, '\x1b[97u', 0); // opposite keys held together cancel in the game, not here
    expect(k.buttons(1000, true)).toBe(Button.RIGHT | Button.LEFT);
    feed(k, '\x1b[97;1:3u', 1000);
    expect(k.buttons(1001, true)).toBe(Button.RIGHT);
    feed(k, '\x1b[100;1:3u', 1500);
    expect(k.buttons(1501, true)).toBe(0);
  });

  it('with kitty releases a key without a release or repeat is dropped after safetyMs', () => {
    const k = new Keyboard({ safetyMs: 2000 });
    k.kittyFlags(3);
    feed(k, '\x1b[1;1:1A', 0);
    feed(k, '\x1b[1;1:2A', 1500);
    expect(k.buttons(3499, true)).toBe(Button.UP);
    expect(k.buttons(3500, true)).toBe(0);
  });

  it('flags without event types (bit 2) mean no releases', () => {
    const k = new Keyboard();
    k.kittyFlags(1);
    expect(k.releases).toBe(false);
  });

  it('space fires; outside a match it also sets READY', () => {
    const k = new Keyboard();
    feed(k, ' ', 0);
    expect(k.buttons(1, true)).toBe(Button.FIRE);
    expect(k.buttons(1, false)).toBe(Button.FIRE | Button.READY);
  });

  it('q and Ctrl-C quit (on press only)', () => {
    const k = new Keyboard();
    expect(feed(k, 'x', 0)).toEqual([null]);
    expect(feed(k, 'q', 0)).toEqual(['quit']);
    expect(feed(k, 'Q', 0)).toEqual(['quit']);
    expect(feed(k, '\x03', 0)).toEqual(['quit']);
    expect(feed(k, '\x1b[99;5u', 0)).toEqual(['quit']);
    expect(feed(k, '\x1b[113;1:3u', 0)).toEqual([null]);
  });
});

describe('per-game keys', () => {
  it('haunted: 1 / 2 pick seekers / hiders and space readies, on the real haunted rules', async () => {
    const { gameView } = await import('../../src/render-term/games.js');
    const { Button: H, Team, createHaunted } = await import('../../src/engine/games/haunted/index.js');
    const { GameHarness } = await import('../helpers/game-harness.js');
    const k = new Keyboard({ holdMs: 150 });
    k.useKeys(gameView('haunted').keyButtons);
    feed(k, '2', 0);
    expect(k.buttons(10, false)).toBe(H.HIDER);
    feed(k, ' ', 20);
    expect(k.buttons(30, false)).toBe(H.HIDER | H.READY);
    // space is READY here, never the shooter's FIRE bit (which haunted reads as SEEKER)
    expect(k.buttons(30, false) & H.SEEKER).toBe(0);

    // the same key presses, frame by frame, ready a player on the engine
    const h = new GameHarness(createHaunted({ capacity: 8 }), 8, 1);
    h.join(1).step();
    const k2 = new Keyboard({ holdMs: 150 });
    k2.useKeys(gameView('haunted').keyButtons);
    const frames: Array<[number, string | null]> = [[0, '2'], [16, null], [200, ' '], [216, null], [400, null]];
    for (const [t, key] of frames) {
      if (key) feed(k2, key, t);
      h.press(1, k2.buttons(t, false)).step();
    }
    const e = h.eid(1);
    expect([h.w.c.Player.team[e], h.w.c.Player.ready[e]]).toEqual([Team.HIDER, 1]);
    // switching back to the shooter's keys: space is FIRE (+ READY outside a match)
    k2.useKeys(null);
    feed(k2, ' ', 500);
    expect(k2.buttons(510, false)).toBe(Button.FIRE | Button.READY);
  });
});
