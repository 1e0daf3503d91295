// Frames back from a network worker without copying them twice. Each frame is a small
// Buffer, usually a slice of Node's shared 8 KB pool: posted as it is, structured clone
// copies the whole pool behind every one. Instead the frames of a task are packed into one
// fresh ArrayBuffer, the result points at views of it, and that buffer is transferred (moved,
// not copied) to the main thread. A frame shared by several clients is packed once.

import { Piscina } from 'piscina';

/** Replace every Uint8Array in `lists` by a view of one new ArrayBuffer; returns it for the transfer. */
export function packFrames(lists: Array<Array<Uint8Array | null> | undefined>, singles: Array<Uint8Array | null>): { buffer: ArrayBuffer; singles: Array<Uint8Array | null> } {
  const seen = new Map<Uint8Array, Uint8Array>();
  let total = 0;
  const count = (f: Uint8Array | null) => {
    if (f && !seen.has(f)) {
      seen.set(f, f);
      total += f.byteLength;
    }
  };
  for (const l of lists) l?.forEach(count);
  singles.forEach(count);
  const buffer = new ArrayBuffer(total);
  let at = 0;
  for (const f of seen.keys()) {
    const v = new Uint8Array(buffer, at, f.byteLength);
    v.set(f);
    seen.set(f, v);
    at += f.byteLength;
  }
  const swap = (f: Uint8Array | null) => (f ? seen.get(f)! : null);
  for (const l of lists) if (l) for (let i = 0; i < l.length; i++) l[i] = swap(l[i]!);
  return { buffer, singles: singles.map(swap) };
}

/** A task result whose `buffer` is transferred rather than copied (piscina's move protocol). */
export function moveWith<T extends object>(result: T, buffer: ArrayBuffer): T {
  return Piscina.move({
    [Piscina.transferableSymbol]: [buffer],
    [Piscina.valueSymbol]: result,
  } as unknown as ArrayBuffer) as unknown as T;
}
