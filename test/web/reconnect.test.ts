import { describe, expect, it } from 'vitest';
import { Reconnect, type TokenStore } from '../../src/web/reconnect.js';
import { bannerOf } from '../../src/web/screens.js';
import { entity, type WorldState } from '../../src/client-core/world.js';
import { Phase } from '../../src/engine/games/shooter/schema.js';

class MemoryStore implements TokenStore {
  readonly m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

describe('web reconnect', () => {
  it('keeps the token of the welcome for the next join (a reload of the tab)', () => {
    const store = new MemoryStore();
    new Reconnect(store).welcomed('tok-1');
    expect(new Reconnect(store).token).toBe('tok-1');
  });

  it('forgets a token the host refused (BAD_TOKEN, TOKEN_EXPIRED), keeps it for other errors', () => {
    const store = new MemoryStore();
    const r = new Reconnect(store);
    r.welcomed('tok');
    r.refused('SERVER_FULL');
    expect(r.token).toBe('tok');
    r.refused('TOKEN_EXPIRED');
    expect(r.token).toBeNull();
    r.welcomed('tok2');
    r.refused('BAD_TOKEN');
    expect(r.token).toBeNull();
  });
});

describe('web banners', () => {
  const world = (phase: number, own: Partial<Parameters<typeof entity>[0]>): WorldState => ({
    tick: 1, phase, level: 1, matchNo: 1, entities: [entity({ id: 1, kind: 'player', owner: 7, ...own })],
  });
  it('lobby, ready, won, lost, and a dropped link each have their banner', () => {
    expect(bannerOf('shooter', 'playing', world(Phase.LOBBY, {}), world(Phase.LOBBY, {}).entities[0]).kind).toBe('lobby');
    expect(bannerOf('shooter', 'playing', world(Phase.LOBBY, { ready: true }), entity({ id: 1, kind: 'player', ready: true })).text).toMatch(/Ready/);
    expect(bannerOf('shooter', 'playing', world(Phase.OVER, {}), entity({ id: 1, kind: 'player', won: true })).kind).toBe('won');
    expect(bannerOf('gather', 'playing', world(0, {}), entity({ id: 1, kind: 'player', lost: true })).kind).toBe('lost');
    expect(bannerOf('shooter', 'reconnecting', world(Phase.PLAYING, {}), undefined).kind).toBe('link');
    expect(bannerOf('shooter', 'migrating', world(Phase.PLAYING, {}), undefined)).toEqual({ kind: 'link', text: 'host left — reconnecting…' });
    expect(bannerOf('shooter', 'playing', world(Phase.PLAYING, {}), entity({ id: 1, kind: 'player' })).kind).toBe('none');
  });
});
