// msgpack mode framing.
//
//   connection start (client -> host, once):
//   +------+------+------+------+---------+
//   | 'L'  | 'P'  | 'M'  | 'P'  | version |      5 bytes, version = 1
//   +------+------+------+------+---------+
//
//   then every message, both directions:
//   +-------------------------------+----------------------------+
//   | length: uint32 little-endian  | payload: <length> bytes    |
//   |                               | one msgpack value (a map)  |
//   +-------------------------------+----------------------------+
//
// The host answers the preamble with the same 5 bytes before its first frame. Lengths are
// checked against the inbound limit (64 KiB by default) before any payload is buffered.

import { ErrorCode, protocolError } from '../errors.js';
import { FrameDecoder, type FrameFormat } from './frame-decoder.js';
import { DEFAULT_MAX_FRAME } from './json-frame.js';

export const MSGPACK_MAGIC = Buffer.from('LPMP', 'ascii');
export const MSGPACK_VERSION = 1;
export const PREAMBLE_BYTES = 5;
export const LENGTH_BYTES = 4;

export function preamble(version = MSGPACK_VERSION): Buffer {
  return Buffer.concat([MSGPACK_MAGIC, Buffer.from([version])]);
}

/** Frame a packed payload: one buffer, one write. */
export function encodeMsgpackFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, LENGTH_BYTES);
  return frame;
}

export const msgpackFrameFormat: FrameFormat = {
  headerBytes: LENGTH_BYTES,
  parseHeader(header, maxFrame) {
    const len = header.readUInt32LE(0);
    return len > maxFrame ? protocolError(ErrorCode.FRAME_TOO_LARGE, `frame of ${len} bytes over ${maxFrame}`) : len;
  },
};

export const msgpackFrameDecoder = (maxFrame = DEFAULT_MAX_FRAME) => new FrameDecoder(msgpackFrameFormat, maxFrame);
