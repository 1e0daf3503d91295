// Does one more player fit? The host knows the game's player limit and, from the newest
// snapshot, who owns an entity; so a join that cannot fit is refused at once with
// SESSION_FULL and the numbers ("session full: 16 of 16 players"), instead of being queued
// to a sim that creates no entity and refused after a timeout with a guess.
//
// Players = the distinct owners of entities in the newest snapshot (the engine gives a
// client's entity its id as owner; local bots are players too) + the joins on their way to
// the sim that are not in it yet. A player leaving this very tick may make the count one too
// high for a tick: the next join fits. The sim stays the judge of anything else it refuses
// (JOIN_REFUSED after the join timeout).

import type { SnapshotRing } from '../../engine/snapshot-ring.js';

export class Admission {
  private readonly ownerField: number;
  private countedTick = -1;
  private readonly owners = new Set<number>();

  constructor(
    private readonly ring: SnapshotRing,
    readonly maxPlayers: number,
  ) {
    this.ownerField = ring.schema.fields.findIndex((f) => f.key === 'Entity.owner');
    if (this.ownerField < 0) throw new TypeError('Admission: the schema has no Entity.owner field');
  }

  /** Why a new player cannot join now, or null when it fits. `pending`: clients whose join is queued. */
  refusal(pending: Iterable<number>): string | null {
    if (!this.readOwners()) return null; // no snapshot yet: the sim decides
    let players = this.owners.size;
    for (const c of pending) if (!this.owners.has(c)) players++;
    if (players < this.maxPlayers) return null;
    return `session full: ${players} of ${this.maxPlayers} players (the host's --max-players)`;
  }

  /** The owners of the newest snapshot (read once per tick); false when none could be read. */
  private readOwners(): boolean {
    const tick = this.ring.newestTick();
    if (tick < 0) return false;
    if (tick === this.countedTick) return true;
    const token = this.ring.beginRead(tick);
    if (token < 0) return this.countedTick >= 0;
    const { maxEid } = this.ring.info(tick);
    const owner = this.ring.blockOf(tick).fields[this.ownerField]!;
    const seen: number[] = [];
    for (let e = 1; e <= maxEid; e++) if (owner[e]) seen.push(owner[e]!);
    // overwritten while read: keep the previous tick's count (one tick old at most)
    if (!this.ring.endRead(tick, token)) return this.countedTick >= 0;
    this.owners.clear();
    for (const c of seen) this.owners.add(c);
    this.countedTick = tick;
    return true;
  }
}
