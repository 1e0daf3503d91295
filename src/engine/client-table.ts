// Client id -> slot: the input rules keep their per-client state in typed arrays indexed by a
// dense slot number, and this table finds a client's slot. Client ids are sparse (the host
// counts network clients up from 1 and never reuses an id; local bots start above
// LOCAL_BOT_CLIENT_BASE = 0x7000_0000), so they cannot index an array themselves; slots can.
//
// An open-addressing hash table in typed arrays, probed linearly:
//
//   ids    f64[size]   the client id held by each entry (a double: exact for any id)
//   slots  i32[size]   slot + 1 of the entry, 0 for an empty entry
//
//   home(id) = (id * 0x9e3779b1) >>> (32 - bits)      Fibonacci hashing: 1, 2, 3... spread out
//
//   find:    probe home, home + 1, ... until the id or an empty entry
//   remove:  empty the entry, then pull back later entries of the same run whose home is at or
//            before the hole (no tombstones: a run never holds dead entries)
//
// size is a power of two kept at least twice the slots in use, so runs stay short. Slots are
// reused lowest-freed-last (a stack); `slotCapacity` only grows, to the peak number of clients
// present at once, which the simulation bounds by its entity capacity (a joined client holds an
// entity; a refused join is removed at once).

const EMPTY = 0;
const MIN_BITS = 6;

export class ClientTable {
  private bits = MIN_BITS;
  private ids = new Float64Array(1 << MIN_BITS);
  private slots = new Int32Array(1 << MIN_BITS);
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
    const mask = this.slots.length - 1;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === EMPTY) return -1;
      if (this.ids[i] === id) return s - 1;
    }
  }

  /** Give a client absent from the table a slot (the caller checked with get). */
  add(id: number): number {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash(this.bits + 1);
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    const mask = this.slots.length - 1;
    let i = this.home(id);
    while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
    this.ids[i] = id;
    this.slots[i] = slot + 1;
    this.used++;
    return slot;
  }

  /** Remove a client; returns the slot it had (now free), or -1 if it was absent. */
  remove(id: number): number {
    const mask = this.slots.length - 1;
    let hole = this.home(id);
    for (; ; hole = (hole + 1) & mask) {
      const s = this.slots[hole]!;
      if (s === EMPTY) return -1;
      if (this.ids[hole] === id) break;
    }
    const slot = this.slots[hole]! - 1;
    // backward shift: an entry may move into the hole if the hole lies on its probe path,
    // i.e. cyclically within [home(entry), entry's position)
    for (let j = (hole + 1) & mask; this.slots[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(this.ids[j]!);
      if (((j - h) & mask) >= ((j - hole) & mask)) {
        this.ids[hole] = this.ids[j]!;
        this.slots[hole] = this.slots[j]!;
        hole = j;
      }
    }
    this.slots[hole] = EMPTY;
    this.used--;
    this.freeSlots.push(slot);
    return slot;
  }

  private home(id: number): number {
    // ids past 32 bits still land somewhere valid: the hash only spreads, equality decides
    return Math.imul(id | 0, 0x9e3779b1) >>> (32 - this.bits);
  }

  private rehash(bits: number): void {
    const { ids, slots } = this;
    this.bits = bits;
    this.ids = new Float64Array(1 << bits);
    this.slots = new Int32Array(1 << bits);
    const mask = (1 << bits) - 1;
    for (let k = 0; k < slots.length; k++) {
      if (slots[k] === EMPTY) continue;
      let i = this.home(ids[k]!);
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.ids[i] = ids[k]!;
      this.slots[i] = slots[k]!;
    }
  }
}
