// JSON mode framing, the seed 003 wire format.
//
//   +------------------------------------------+---------------------------+
//   | header: 64 bytes ASCII                   | payload: <length> bytes   |
//   | decimal length, right-padded with spaces | UTF-8 JSON (or "hello")   |
//   +------------------------------------------+---------------------------+
//   e.g. "27" + 62 spaces, then {"connection": true, ...}
//
// A header must be one or more ASCII digits followed only by spaces; the length is checked
// against the inbound limit (64 KiB by default) while it is parsed.

import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';
import { FrameDecoder, type FrameFormat } from './frame-decoder.js';

export const JSON_HEADER_BYTES = 64;
export const DEFAULT_MAX_FRAME = 64 * 1024;

/** Header and payload as one buffer, so they go out in one write. */
export function encodeJsonFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(JSON_HEADER_BYTES + body.length);
  frame.fill(0x20, 0, JSON_HEADER_BYTES);
  frame.write(String(body.length), 0, 'ascii');
  body.copy(frame, JSON_HEADER_BYTES);
  return frame;
}

export function encodeJsonMessage(message: unknown): Buffer {
  return encodeJsonFrame(JSON.stringify(message));
}

/** Parse a 64-byte header; the length, or an error. */
export function parseJsonHeader(h: Buffer, maxFrame: number): number | ProtocolError {
  let i = 0;
  let len = 0;
  if (h[0] === 0x2d) return protocolError(ErrorCode.BAD_LENGTH, 'negative length in header');
  while (i < JSON_HEADER_BYTES && h[i]! >= 0x30 && h[i]! <= 0x39) {
    len = len * 10 + (h[i]! - 0x30);
    i++;
    if (len > maxFrame) return protocolError(ErrorCode.FRAME_TOO_LARGE, `frame over ${maxFrame} bytes`);
  }
  if (i === 0) return protocolError(ErrorCode.BAD_HEADER, 'header does not start with a decimal length');
  for (; i < JSON_HEADER_BYTES; i++) {
    if (h[i] !== 0x20) return protocolError(ErrorCode.BAD_HEADER, 'header holds more than digits and spaces');
  }
  return len;
}

export const jsonFrameFormat: FrameFormat = { headerBytes: JSON_HEADER_BYTES, parseHeader: parseJsonHeader };

export const jsonFrameDecoder = (maxFrame = DEFAULT_MAX_FRAME) => new FrameDecoder(jsonFrameFormat, maxFrame);
