// Incremental decoder for length-prefixed frames, shared by both wire modes: feed it chunks
// as they arrive (split or coalesced anyhow), get whole payloads out. It buffers only bytes
// that actually arrived and asks the mode's header parser for the length, which checks the
// inbound limit, before waiting for a payload: it never allocates what a header merely
// claims. After an error, `failed` is set and nothing more is decoded.

import type { ProtocolError } from '../errors.js';

export interface FrameFormat {
  readonly headerBytes: number;
  /** The payload length announced by a header, or why the header is refused. */
  parseHeader(header: Buffer, maxFrame: number): number | ProtocolError;
}

const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need: number;
  private inPayload = false;
  failed: ProtocolError | null = null;

  constructor(
    private readonly format: FrameFormat,
    private readonly maxFrame: number,
  ) {
    this.need = format.headerBytes;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.failed) return out;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= this.need) {
      const whole = this.take(this.need);
      if (this.inPayload) {
        out.push(whole);
        this.inPayload = false;
        this.need = this.format.headerBytes;
        continue;
      }
      const len = this.format.parseHeader(whole, this.maxFrame);
      if (typeof len !== 'number') {
        this.failed = len;
        this.chunks = [];
        this.buffered = 0;
        return out;
      }
      if (len === 0) out.push(Buffer.alloc(0));
      else {
        this.inPayload = true;
        this.need = len;
      }
    }
    return out;
  }

  /**
   * push() for bytes that stay valid only during this call (a read buffer reused for every
   * read: net-reads.ts): each whole frame goes to `each` at once, as a view of `buf` where it
   * lies whole in it (use it before returning), and only the bytes of a frame not yet whole are
   * copied. `each` returning false stops the decoding (the peer was closed).
   */
  pushTransient(buf: Buffer, start: number, end: number, each: (frame: Buffer) => boolean): void {
    let pos = start;
    while (pos < end && !this.failed) {
      let whole: Buffer;
      if (this.buffered === 0 && end - pos >= this.need) {
        whole = buf.subarray(pos, pos + this.need);
        pos += this.need;
      } else {
        // a frame split across reads: keep (a copy of) what arrived, up to what the frame needs
        const n = Math.min(end - pos, this.need - this.buffered);
        this.chunks.push(Buffer.from(buf.subarray(pos, pos + n)));
        this.buffered += n;
        pos += n;
        if (this.buffered < this.need) return;
        whole = this.take(this.need);
      }
      if (this.inPayload) {
        this.inPayload = false;
        this.need = this.format.headerBytes;
        if (!each(whole)) return;
        continue;
      }
      const len = this.format.parseHeader(whole, this.maxFrame);
      if (typeof len !== 'number') {
        this.failed = len;
        this.chunks = [];
        this.buffered = 0;
        return;
      }
      if (len === 0) {
        if (!each(EMPTY)) return;
      } else {
        this.inPayload = true;
        this.need = len;
      }
    }
  }

  /** True when part of a frame is waiting: the peer closing now truncates it. */
  get midFrame(): boolean {
    return this.buffered > 0 || this.inPayload;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
