// Client id -> slot: the input rules keep their per-client state in typed arrays indexed by a
// dense slot number, and this table finds a client's slot. Client ids are sparse (the host
// counts network clients up from 1 and never reuses an id; local bots start above
// LOCAL_BOT_CLIENT_BASE = 0x7000_0000), so they cannot index an array themselves; slots can.
//
// An open-addressing hash table in one typed array, probed linearly:
//
//   entries f64[2 * size]:  | id | slot + 1 | id | slot + 1 | ...   (slot + 1 = 0: empty)
//
//   home(id) = 2 * (id ^ (id >>> 16)) mod size        (an even entry)
//
//   find:    probe home, home + 1, ... until the id or an empty entry
//   remove:  empty the entry, then pull back later entries of the same run whose home is at or
//            before the hole (no tombstones: a run never holds dead entries)
//
// The host numbers its clients 1, 2, 3... and local bots 0x7000_0001, 0x7000_0002... (the high
// half is folded in to set those apart). A run of consecutive ids lands on every other entry,
// in order: the lookups of a tick's inputs, which come in about that order, walk the table
// forward instead of missing the cache at each input (an id and its slot share a cache line),
// and the odd entries between stay free, so probe runs end at once and a leave does not walk
// a whole run of ids. size is a power of two kept at least four times the clients present, so
// ids that are not consecutive find short runs too. The ids are doubles: exact for any id.
// Freed slots are reused (the most recently freed first), so `slotCapacity` only grows to the
// peak number of clients present at once, which the simulation bounds by its entity capacity
// (a joined client holds an entity; a join the game refuses is forgotten at once).

const EMPTY = 0;
const MIN_BITS = 6;

export class ClientTable {
  private mask = (1 << MIN_BITS) - 1;
  private entries = new Float64Array(2 << MIN_BITS);
  private readonly freeSlots: number[] = [];
  /** Slots handed out so far (the next new slot); every slot below it is in use or free. */
  private nextSlot = 0;
  private used = 0;

  /** How many slots have ever been handed out: per-slot arrays must have at least this length. */
  get slotCapacity(): number {
    return this.nextSlot;
  }

  get size(): number {
    return this.used;
  }

  /** The client's slot, or -1. */
  get(id: number): number {
    const { entries, mask } = this;
    for (let i = home(id, mask); ; i = (i + 1) & mask) {
      const s = entries[2 * i + 1]!;
      if (s === EMPTY) return -1;
      if (entries[2 * i] === id) return s - 1;
    }
  }

  /** Give a client absent from the table a slot (the caller checked with get). */
  add(id: number): number {
    if ((this.used + 1) * 4 > this.mask + 1) this.rehash(2 * (this.mask + 1));
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    this.put(id, slot + 1);
    this.used++;
    return slot;
  }

  /** Remove a client; returns the slot it had (now free), or -1 if it was absent. */
  remove(id: number): number {
    const { entries, mask } = this;
    let hole = home(id, mask);
    for (; ; hole = (hole + 1) & mask) {
      if (entries[2 * hole + 1] === EMPTY) return -1;
      if (entries[2 * hole] === id) break;
    }
    const slot = entries[2 * hole + 1]! - 1;
    // backward shift: an entry may move into the hole if the hole lies on its probe path,
    // i.e. cyclically within [home(entry), entry's position)
    for (let j = (hole + 1) & mask; entries[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const h = home(entries[2 * j]!, mask);
      if (((j - h) & mask) >= ((j - hole) & mask)) {
        entries[2 * hole] = entries[2 * j]!;
        entries[2 * hole + 1] = entries[2 * j + 1]!;
        hole = j;
      }
    }
    entries[2 * hole + 1] = EMPTY;
    this.used--;
    this.freeSlots.push(slot);
    return slot;
  }

  private put(id: number, slotPlusOne: number): void {
    const { entries, mask } = this;
    let i = home(id, mask);
    while (entries[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    entries[2 * i] = id;
    entries[2 * i + 1] = slotPlusOne;
  }

  private rehash(size: number): void {
    const old = this.entries;
    this.entries = new Float64Array(2 * size);
    this.mask = size - 1;
    for (let k = 0; k < old.length; k += 2) if (old[k + 1] !== EMPTY) this.put(old[k]!, old[k + 1]!);
  }
}

/** See the header; ids past 32 bits still land somewhere valid (equality decides). */
function home(id: number, mask: number): number {
  const x = id | 0;
  return ((x ^ (x >>> 16)) << 1) & mask;
}
