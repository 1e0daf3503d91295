import { describe, expect, it } from 'vitest';
import { Button } from '../../src/engine/games/shooter/schema.js';
import { gameView } from '../../src/render-term/games.js';
import { KEY_BUTTONS, KITTY_EVENT_TYPES, Keyboard } from '../../src/render-term/input.js';
import { TOUCH_PADS, keyName } from '../../src/web/keys.js';

describe('web keys', () => {
  it('maps browser keys to the terminal key names: arrows, WASD, space, enter, digits; others ignored', () => {
    expect(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', ' ', 'Enter'].map(keyName)).toEqual(['left', 'right', 'up', 'down', 'space', 'enter']);
    expect(['a', 'W', 's', 'D', '1', '2'].map(keyName)).toEqual(['a', 'w', 's', 'd', '1', '2']);
    expect(['Shift', 'Tab', 'F5', 'é'].map(keyName)).toEqual(['', '', '', '']);
  });

  it('a browser key press and release hold and let go of the shooter buttons (releases reported)', () => {
    const k = new Keyboard();
    k.kittyFlags(KITTY_EVENT_TYPES);
    k.handle({ kind: 'key', key: keyName('ArrowLeft'), type: 'press', mods: 0 }, 0);
    k.handle({ kind: 'key', key: keyName(' '), type: 'press', mods: 0 }, 0);
    expect(k.buttons(500, true)).toBe(Button.LEFT | Button.FIRE);
    // outside a match, fire also readies up
    expect(k.buttons(500, false)).toBe(Button.LEFT | Button.FIRE | Button.READY);
    k.handle({ kind: 'key', key: keyName('ArrowLeft'), type: 'release', mods: 0 }, 600);
    expect(k.buttons(700, true)).toBe(Button.FIRE);
  });

  it('every touch pad holds a key that the shooter and every game with its own keys map to a button', () => {
    for (const pad of TOUCH_PADS) expect(KEY_BUTTONS[pad.key], pad.id).toBeGreaterThan(0);
    const haunted = gameView('haunted').keyButtons;
    expect(haunted).toBeDefined();
    for (const pad of TOUCH_PADS.filter((p) => p.key !== 'space')) expect(haunted![pad.key], pad.id).toBeGreaterThan(0);
  });
});

describe('web invite', () => {
  it('names the page of a host: http://ADDR:PORT, brackets for IPv6', async () => {
    const { webInvite, webUrl } = await import('../../src/net/address.js');
    expect(webInvite('192.168.1.23', 5050)).toBe('open http://192.168.1.23:5050 on any device on this LAN');
    expect(webUrl('fe80::1', 5050)).toBe('http://[fe80::1]:5050');
  });
});
