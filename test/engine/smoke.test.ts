import { describe, expect, it } from 'vitest';
import { TickLoop } from '../../src/engine/tick-loop.js';

describe('tick loop', () => {
  it('runs floor(elapsed * 60) ticks', () => {
    let now = 0;
    const loop = new TickLoop({ clock: () => now });
    now = 100;
    expect(loop.due()).toBe(5);
  });
});
