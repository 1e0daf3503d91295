// What the page says over the game: the lobby, the end of a match (won / lost), or the link
// being down. One rule for every game, from the same world the terminal client draws.
// DOM-free (unit-tested in Node).

import { Phase } from '../engine/games/shooter/schema.js';
import type { EntityState, WorldState } from '../client-core/world.js';

/** The page's link to its host. */
export type LinkState = 'connecting' | 'playing' | 'reconnecting' | 'migrating' | 'refused';

export interface Banner {
  kind: 'lobby' | 'won' | 'lost' | 'link' | 'none';
  text: string;
}

export function bannerOf(game: string, link: LinkState, world: WorldState | null, own: EntityState | undefined): Banner {
  if (link === 'connecting') return { kind: 'link', text: 'connecting…' };
  if (link === 'reconnecting') return { kind: 'link', text: 'connection lost: reconnecting…' };
  if (link === 'migrating') return { kind: 'link', text: 'host left — reconnecting…' };
  if (link === 'refused') return { kind: 'link', text: 'the host refused this page' };
  if (!world) return { kind: 'link', text: 'waiting for the first snapshot…' };
  if (own?.won) return { kind: 'won', text: 'You win!' };
  if (own?.lost) return { kind: 'lost', text: game === 'shooter' && world.phase === Phase.PLAYING ? 'You are out: wait for the next match' : 'You lose' };
  if (game === 'shooter' && world.phase === Phase.LOBBY) {
    return { kind: 'lobby', text: own?.ready ? 'Ready: waiting for the others…' : 'Lobby: press space (or ●) when ready' };
  }
  if (game === 'shooter' && world.phase === Phase.OVER) return { kind: 'lost', text: 'Match over' };
  return { kind: 'none', text: '' };
}
