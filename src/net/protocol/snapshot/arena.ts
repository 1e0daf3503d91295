// Scratch memory of the codec and byte order. Values are written through typed arrays; on a
// big-endian host the bins are byte-swapped before they are handed out (and on decode), so
// the wire is always little-endian (layout: see the comment at the top of ./index.ts).

import type { FieldType } from '../../../engine/schema.js';
import { SIGNED_VIEW, type ViewCtor, type WireArray } from './fields.js';

export const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Smallest arena buffer (bytes). */
const MIN_ARENA = 1024;

/**
 * Bump allocator over one ArrayBuffer, reset at the start of every encode / decode. Sized by
 * need, never by a capacity: it starts small, `reset(bytes)` enlarges it up front when the
 * caller knows about how much it will take, and when it runs out anyway it moves to a new,
 * larger buffer: views handed out earlier stay valid (they keep the old buffer alive), and
 * from then on the larger buffer is reused. It never shrinks.
 */
export class Arena {
  private buf: ArrayBuffer;
  private at = 0;
  constructor(bytes = MIN_ARENA) {
    this.buf = new ArrayBuffer(Math.max(MIN_ARENA, bytes));
  }
  /** Bytes of the current buffer. */
  get byteLength(): number {
    return this.buf.byteLength;
  }
  /** Start over; make sure at least `bytes` fit without moving (the old buffer is dropped). */
  reset(bytes = 0): void {
    this.at = 0;
    if (bytes > this.buf.byteLength) this.buf = new ArrayBuffer(Math.max(2 * this.buf.byteLength, bytes + MIN_ARENA));
  }
  private take(bytes: number): number {
    const start = (this.at + 7) & ~7;
    if (start + bytes > this.buf.byteLength) {
      this.buf = new ArrayBuffer(Math.max(2 * this.buf.byteLength, bytes + MIN_ARENA));
      this.at = bytes;
      return 0;
    }
    this.at = start + bytes;
    return start;
  }
  u8(n: number): Uint8Array {
    const o = this.take(n);
    return new Uint8Array(this.buf, o, n);
  }
  u16(n: number): Uint16Array {
    const o = this.take(2 * n);
    return new Uint16Array(this.buf, o, n);
  }
  u32(n: number): Uint32Array {
    const o = this.take(4 * n);
    return new Uint32Array(this.buf, o, n);
  }
  f64(n: number): Float64Array {
    const o = this.take(8 * n);
    return new Float64Array(this.buf, o, n);
  }
  wire(width: number, n: number): WireArray {
    return width === 1 ? this.u8(n) : width === 2 ? this.u16(n) : this.u32(n);
  }
  /** An aligned, little-endian-read copy of `bin` viewed as `type`. */
  view(bin: Uint8Array, type: FieldType, n: number): ArrayLike<number> {
    const Ctor = SIGNED_VIEW[type] as unknown as ViewCtor;
    const w = Ctor.BYTES_PER_ELEMENT;
    if (LITTLE && bin.byteOffset % w === 0) return new Ctor(bin.buffer, bin.byteOffset, n);
    const o = this.take(n * w);
    const bytes = new Uint8Array(this.buf, o, n * w);
    bytes.set(bin.subarray(0, n * w));
    if (!LITTLE) swapBytes(bytes, w);
    return new Ctor(this.buf, o, n);
  }
}

export function swapBytes(b: Uint8Array, w: number): void {
  if (w === 1) return;
  for (let i = 0; i + w <= b.length; i += w) {
    for (let j = 0; j < w >> 1; j++) {
      const t = b[i + j]!;
      b[i + j] = b[i + w - 1 - j]!;
      b[i + w - 1 - j] = t;
    }
  }
}

/** The bytes of the first n values of a wire array, little-endian. */
export function binOf(a: WireArray, n: number): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
  if (!LITTLE) swapBytes(b, a.BYTES_PER_ELEMENT);
  return b;
}
