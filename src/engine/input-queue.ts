// The command queue: how inputs, joins and leaves reach the sim worker. A single-producer,
// single-consumer ring of fixed-size records in shared memory. The connection layer on the
// main thread is the one producer; the sim worker, draining it at the start of every tick,
// is the one consumer. Nothing is copied through postMessage and neither side ever waits.
//
//   header i32: [head, tail, capacity, droppedFull]
//   records i32[capacity * 6]:
//        0      1        2     3        4     5
//     | type | client | seq | buttons | ax  | ay |
//
//   producer:  if head - tail == capacity: droppedFull++ (counted, never blocks)
//              write record at head % capacity; Atomics.store(head, head + 1)
//   consumer:  h = Atomics.load(head); read records tail..h-1; Atomics.store(tail, h)
//
// head and tail only grow (wrapping at 2^32), so "head - tail" is the fill level and a record
// is published by the store of head after its words are written.

export const Cmd = {
  INPUT: 1,
  JOIN: 2,
  LEAVE: 3,
} as const;
export type CmdType = (typeof Cmd)[keyof typeof Cmd];

export interface Command {
  type: CmdType;
  client: number;
  seq: number;
  buttons: number;
  ax: number;
  ay: number;
}

export const REC_WORDS = 6;
const H_HEAD = 0;
const H_TAIL = 1;
const H_CAP = 2;
const H_DROPPED = 3;
const HEADER_WORDS = 4;

export class InputQueue {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly header: Int32Array;
  private readonly records: Int32Array;

  static create(capacity = 16384): InputQueue {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('InputQueue: capacity must be a positive integer');
    }
    const buffer = new SharedArrayBuffer((HEADER_WORDS + capacity * REC_WORDS) * 4);
    new Int32Array(buffer, 0, HEADER_WORDS)[H_CAP] = capacity;
    return new InputQueue(buffer);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.capacity = this.header[H_CAP]!;
    this.records = new Int32Array(buffer, HEADER_WORDS * 4, this.capacity * REC_WORDS);
  }

  /** Producer side. False (and counted) when the queue is full. */
  push(type: CmdType, client: number, seq: number, buttons = 0, ax = 0, ay = 0): boolean {
    const head = this.header[H_HEAD]!;
    const tail = Atomics.load(this.header, H_TAIL);
    if (((head - tail) | 0) >= this.capacity) {
      Atomics.add(this.header, H_DROPPED, 1);
      return false;
    }
    const at = ((head >>> 0) % this.capacity) * REC_WORDS;
    const r = this.records;
    r[at] = type;
    r[at + 1] = client;
    r[at + 2] = seq;
    r[at + 3] = buttons;
    r[at + 4] = ax;
    r[at + 5] = ay;
    Atomics.store(this.header, H_HEAD, (head + 1) | 0);
    return true;
  }

  /** Consumer side: hands every record published so far to `visit`, in arrival order. */
  drain(visit: (c: Command) => void): number {
    const head = Atomics.load(this.header, H_HEAD);
    let tail = this.header[H_TAIL]!;
    let n = 0;
    const r = this.records;
    while (tail !== head) {
      const at = ((tail >>> 0) % this.capacity) * REC_WORDS;
      visit({
        type: r[at] as CmdType,
        client: r[at + 1]!,
        seq: r[at + 2]!,
        buttons: r[at + 3]!,
        ax: r[at + 4]!,
        ay: r[at + 5]!,
      });
      tail = (tail + 1) | 0;
      n++;
    }
    Atomics.store(this.header, H_TAIL, tail);
    return n;
  }

  /**
   * drain() without an object per command: the commands are appended to `out` as the objects
   * of `pool` at the same index (made once, refilled every drain). They are the consumer's
   * until its next drainInto(): read them, do not keep them.
   */
  drainInto(out: Command[], pool: Command[]): number {
    const head = Atomics.load(this.header, H_HEAD);
    let tail = this.header[H_TAIL]!;
    let n = 0;
    const r = this.records;
    while (tail !== head) {
      const at = ((tail >>> 0) % this.capacity) * REC_WORDS;
      const i = out.length;
      const c = (pool[i] ??= { type: Cmd.INPUT, client: 0, seq: 0, buttons: 0, ax: 0, ay: 0 });
      c.type = r[at] as CmdType;
      c.client = r[at + 1]!;
      c.seq = r[at + 2]!;
      c.buttons = r[at + 3]!;
      c.ax = r[at + 4]!;
      c.ay = r[at + 5]!;
      out.push(c);
      tail = (tail + 1) | 0;
      n++;
    }
    Atomics.store(this.header, H_TAIL, tail);
    return n;
  }

  droppedFull(): number {
    return Atomics.load(this.header, H_DROPPED);
  }

  pending(): number {
    return (Atomics.load(this.header, H_HEAD) - Atomics.load(this.header, H_TAIL)) | 0;
  }
}
