// Reading a TCP socket without the Readable stream machinery. Node's static-buffer read mode
// (the `onread` option of net.Socket) has the kernel read into one reused buffer and calls
// back with the byte count: per read, no Buffer allocated, no readableAddChunk, no 'data'
// event. End of stream and errors still go the usual way ('end', 'error', 'close').
//
// Node 20's net.Server cannot give the option to the sockets it accepts, so it is switched on
// after accept the way the Socket constructor does it for `onread`: the socket's three
// onread properties (private symbols, found by their descriptions) and the handle's
// useUserBuffer(). Where any of it is missing (another Node, a socket whose handle the HTTP
// parser consumed, a UDP DatagramStream), directReads() says false and the caller keeps its
// 'data' listener, which works everywhere.
//
// One buffer for every socket of the thread: a read is handled before the next one starts
// (libuv reads a socket, calls back, then reads the next), so what the callback needs beyond
// its return it copies (FrameDecoder.pushTransient).

import type { Socket } from 'node:net';

/** Bytes one read takes at most (the kernel's socket buffer holds more: the next read gets it). */
const READ_BYTES = 64 * 1024;
let shared: Buffer | undefined;

type Handle = { useUserBuffer?: (buf: Uint8Array) => void; _consumed?: boolean };
type Symbols = { buffer: symbol; callback: symbol; generator: symbol };
let symbols: Symbols | null | undefined;

function onreadSymbols(socket: Socket): Symbols | null {
  if (symbols !== undefined) return symbols;
  const own = Object.getOwnPropertySymbols(socket);
  const find = (d: string) => own.find((s) => s.description === d);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  symbols = buffer && callback && generator ? { buffer, callback, generator } : null;
  return symbols;
}

/**
 * From the next read on, `socket`'s bytes go to `onRead(n, buf)`: `buf[0, n)`, valid only
 * until it returns. False (nothing changed) where this Node or this socket cannot do it.
 */
export function directReads(socket: Socket, onRead: (n: number, buf: Buffer) => void, upgraded = false): boolean {
  const handle = (socket as unknown as { _handle?: Handle | null })._handle;
  // `upgraded`: node:http consumed the handle for its parser and gave it back at the upgrade
  // (unconsume) but leaves the handle's `_consumed` flag set, so the flag says nothing then
  if (!handle || typeof handle.useUserBuffer !== 'function' || (handle._consumed && !upgraded)) return false;
  const s = onreadSymbols(socket);
  if (!s) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  // a socket made without `onread` has all three set to null: anything else is not the layout we know
  if (target[s.buffer] !== null || target[s.callback] !== null || target[s.generator] !== null) return false;
  shared ??= Buffer.allocUnsafe(READ_BYTES);
  target[s.buffer] = shared;
  target[s.callback] = onRead;
  handle.useUserBuffer(shared);
  return true;
}
