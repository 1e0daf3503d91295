// The input rules, applied by the sim worker at the start of every tick. Deterministic:
// the outcome depends only on the order commands arrived in, which a recording keeps.
//
// 1. A command that has arrived when tick T starts is taken into account in tick T.
// 2. JOIN and LEAVE are applied in arrival order, before any input of the tick.
// 3. Each client's inputs must carry increasing sequence numbers; one whose seq is not
//    above the newest seen from that client is a duplicate (clients resend their last
//    inputs for redundancy) and is dropped as "input.duplicate".
// 4. At most one input per client is applied per tick. Up to BACKLOG more wait for the next
//    ticks (a burst after a stall is spread out, not lost); when more arrive, the oldest
//    waiting ones are dropped ("input.backlog"): the newest key state matters most.
// 5. An input from a client that has not joined is dropped ("input.unknown-client").
//
// Every command passes through here, so the bookkeeping is typed arrays indexed by the
// client's slot (ClientTable: client id -> slot, see client-table.ts), nothing allocated per
// command or per tick:
//
//   meta  i32[slot * 4]:   eid | orderPos | first | waiting      (first: oldest waiting input)
//   nums  f64[slot * 18]:  client | newestSeq | WAIT x (seq, buttons, ax, ay), a ring from first
//   order i32[]:           slots in join order, -1 where a client left (closed up by takeForTick)
//
// A waiting input is copied into `nums` rather than kept as the command object: a reference to
// a new object stored into a long-lived array costs a GC write barrier per input, and keeps
// every command alive past the next scavenge. Numbers are doubles, so the rules compare
// exactly what arrived, whatever its range. Memory grows with the peak number of clients
// present at once (freed slots are reused), which the simulation bounds by its entity capacity.

import { ClientTable } from './client-table.js';
import { Cmd, type Command } from './input-queue.js';

export const INPUT_BACKLOG = 3;

/** Inputs a client may have waiting: this tick's and the backlog. */
const WAIT = INPUT_BACKLOG + 1;
const META = 4;
const M_EID = 0;
const M_ORDER = 1;
const M_FIRST = 2;
const M_WAITING = 3;
const INPUT_NUMS = 4;
const NUMS = 2 + WAIT * INPUT_NUMS;
const N_CLIENT = 0;
const N_NEWEST = 1;
const N_INPUTS = 2;
const MIN_SLOTS = 64;

/** What `arrive` tells the simulation about a JOIN or LEAVE: `eid` is the leaving client's entity. */
export type Membership = (cmd: Command, eid: number) => void;

export class InputRules {
  private readonly table = new ClientTable();
  private slots = 0;
  private meta = new Int32Array(0);
  private nums = new Float64Array(0);
  private order = new Int32Array(MIN_SLOTS);
  private orderLen = 0;
  /** The one command object every `apply` gets (the game reads it during the call only). */
  private readonly applied: Command = { type: Cmd.INPUT, client: 0, seq: 0, buttons: 0, ax: 0, ay: 0 };

  constructor(private readonly drop: (reason: string) => void) {}

  /** Order of arrival in; membership changes out immediately, inputs queued per client. */
  arrive(cmd: Command, membership: Membership): void {
    switch (cmd.type) {
      case Cmd.JOIN:
        if (this.table.get(cmd.client) >= 0) return this.drop('join.duplicate');
        this.add(cmd.client, -1);
        membership(cmd, -1);
        return;
      case Cmd.LEAVE: {
        const slot = this.table.get(cmd.client);
        if (slot < 0) return this.drop('leave.unknown-client');
        const eid = this.meta[slot * META + M_EID]!;
        this.removeSlot(cmd.client, slot);
        membership(cmd, eid);
        return;
      }
      case Cmd.INPUT: {
        const slot = this.table.get(cmd.client);
        if (slot < 0) return this.drop('input.unknown-client');
        const n = slot * NUMS;
        if (cmd.seq <= this.nums[n + N_NEWEST]!) return this.drop('input.duplicate');
        this.nums[n + N_NEWEST] = cmd.seq;
        const m = slot * META;
        let first = this.meta[m + M_FIRST]!;
        let waiting = this.meta[m + M_WAITING]!;
        if (waiting === WAIT) {
          // full: the oldest waiting input makes room for the newest
          first = (first + 1) % WAIT;
          waiting--;
          this.meta[m + M_FIRST] = first;
          this.drop('input.backlog');
        }
        const at = n + N_INPUTS + ((first + waiting) % WAIT) * INPUT_NUMS;
        this.nums[at] = cmd.seq;
        this.nums[at + 1] = cmd.buttons;
        this.nums[at + 2] = cmd.ax;
        this.nums[at + 3] = cmd.ay;
        this.meta[m + M_WAITING] = waiting + 1;
        return;
      }
      default:
        this.drop('command.unknown-type');
    }
  }

  /**
   * The inputs applied this tick: at most one per client, in join order, with the client's
   * entity. `apply` gets the same command object every time, refilled: read it, do not keep it.
   */
  takeForTick(apply: (cmd: Command, eid: number) => void): void {
    const { order, meta, nums, applied } = this;
    let kept = 0;
    for (let i = 0; i < this.orderLen; i++) {
      const slot = order[i]!;
      if (slot < 0) continue; // a client that left: close the gap
      if (kept !== i) {
        order[kept] = slot;
        meta[slot * META + M_ORDER] = kept;
      }
      kept++;
      const m = slot * META;
      const waiting = meta[m + M_WAITING]!;
      if (waiting === 0) continue;
      const first = meta[m + M_FIRST]!;
      meta[m + M_FIRST] = (first + 1) % WAIT;
      meta[m + M_WAITING] = waiting - 1;
      const n = slot * NUMS;
      const at = n + N_INPUTS + first * INPUT_NUMS;
      applied.client = nums[n + N_CLIENT]!;
      applied.seq = nums[at]!;
      applied.buttons = nums[at + 1]!;
      applied.ax = nums[at + 2]!;
      applied.ay = nums[at + 3]!;
      apply(applied, meta[m + M_EID]!);
    }
    this.orderLen = kept;
  }

  /** The game gave a joined client its entity. */
  bindEntity(client: number, eid: number): void {
    const slot = this.table.get(client);
    if (slot >= 0) this.meta[slot * META + M_EID] = eid;
  }

  /** After a restore: clients already in the world are known (their pending inputs are gone). */
  adoptClient(client: number, eid: number): void {
    if (this.table.get(client) < 0) this.add(client, eid);
  }

  /** A join the game refused: the client is gone again, without a LEAVE. */
  forget(client: number): void {
    const slot = this.table.get(client);
    if (slot >= 0) this.removeSlot(client, slot);
  }

  has(client: number): boolean {
    return this.table.get(client) >= 0;
  }

  /** The client's entity, or -1 (not joined, or not given one yet). */
  entityOf(client: number): number {
    const slot = this.table.get(client);
    return slot < 0 ? -1 : this.meta[slot * META + M_EID]!;
  }

  /** Whether any client has an entity (clients() not empty), without an iterator. */
  hasClients(): boolean {
    for (let i = 0; i < this.orderLen; i++) {
      const slot = this.order[i]!;
      if (slot >= 0 && this.meta[slot * META + M_EID]! >= 0) return true;
    }
    return false;
  }

  /** [client, entity] of every client with an entity, in join order. */
  *clients(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.orderLen; i++) {
      const slot = this.order[i]!;
      if (slot < 0) continue;
      const eid = this.meta[slot * META + M_EID]!;
      if (eid >= 0) yield [this.nums[slot * NUMS + N_CLIENT]!, eid];
    }
  }

  /** Per-client rows ever handed out: the peak number of clients present at once. */
  get slotCapacity(): number {
    return this.table.slotCapacity;
  }

  private add(client: number, eid: number): void {
    const slot = this.table.add(client);
    if (slot >= this.slots) this.growSlots(slot + 1);
    if (this.orderLen === this.order.length) this.order = growInt32(this.order, this.order.length * 2);
    const m = slot * META;
    this.meta[m + M_EID] = eid;
    this.meta[m + M_ORDER] = this.orderLen;
    this.meta[m + M_FIRST] = 0;
    this.meta[m + M_WAITING] = 0;
    this.nums[slot * NUMS + N_CLIENT] = client;
    this.nums[slot * NUMS + N_NEWEST] = -1;
    this.order[this.orderLen++] = slot;
  }

  private removeSlot(client: number, slot: number): void {
    this.table.remove(client);
    this.order[this.meta[slot * META + M_ORDER]!] = -1;
    this.meta[slot * META + M_WAITING] = 0;
  }

  private growSlots(atLeast: number): void {
    const slots = Math.max(MIN_SLOTS, this.slots * 2, atLeast);
    this.meta = growInt32(this.meta, slots * META);
    const nums = new Float64Array(slots * NUMS);
    nums.set(this.nums);
    this.nums = nums;
    this.slots = slots;
  }
}

function growInt32(a: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
