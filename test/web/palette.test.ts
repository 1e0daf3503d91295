import { describe, expect, it } from 'vitest';
import { PALETTE } from '../../src/render-term/raster.js';
import { rgb } from '../../src/render-term/screen.js';
import { cssOf, rgbOf, rgbaPixel } from '../../src/web/palette.js';

describe('web palette', () => {
  it('turns xterm 256-colour indices and truecolor into the RGB a terminal shows', () => {
    expect(rgbOf(9)).toBe(0xff0000); // system bright red
    expect(rgbOf(16)).toBe(0x000000); // cube corner
    expect(rgbOf(231)).toBe(0xffffff);
    expect(rgbOf(196)).toBe(0xff0000); // cube red
    expect(rgbOf(51)).toBe(0x00ffff);
    expect(rgbOf(232)).toBe(0x080808); // grey ramp
    expect(rgbOf(255)).toBe(0xeeeeee);
    expect(rgbOf(rgb(1, 2, 3))).toBe(0x010203);
    expect(cssOf(rgb(0x12, 0x34, 0x56))).toBe('#123456');
  });

  it('packs RGBA pixels little-endian (ImageData byte order r, g, b, a)', () => {
    const px = new Uint32Array([rgbaPixel(rgb(0x11, 0x22, 0x33))]);
    expect([...new Uint8Array(px.buffer)]).toEqual([0x11, 0x22, 0x33, 0xff]);
  });

  it('gives every colour the games draw with a distinct RGB from the background', () => {
    const bg = rgbOf(PALETTE.space);
    for (const c of [PALETTE.own, ...PALETTE.ships]) expect(rgbOf(c)).not.toBe(bg);
  });
});
