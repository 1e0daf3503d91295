// The tick of a msgpack snapshot message, read without decoding the message: what a load
// client needs to count and acknowledge a snapshot, and nothing more. The host writes a
// snapshot as a map whose first keys are "type" ("snapshot") and "tick" (docs/protocol.md);
// this walks the top-level map key by key, skipping values it does not need without
// building them, and stops as soon as it has both. Anything else (welcome, error, chat,
// roster, or bytes it cannot read) returns null, and the caller decodes it in full.

const TYPE = Buffer.from('type');
const TICK = Buffer.from('tick');
const SNAPSHOT = Buffer.from('snapshot');

/** The message's tick when it is a snapshot, else null. */
export function snapshotTick(b: Uint8Array): number | null {
  const r = { at: 0 };
  const n = mapLength(b, r);
  if (n < 0) return null;
  let snapshot = false;
  let tick: number | null = null;
  for (let i = 0; i < n && r.at < b.length; i++) {
    const key = strAt(b, r);
    if (!key) return null;
    if (equal(b, key, TYPE)) {
      const v = strAt(b, r);
      if (!v || !equal(b, v, SNAPSHOT)) return null;
      snapshot = true;
    } else if (equal(b, key, TICK)) {
      tick = uintAt(b, r);
      if (tick === null) return null;
    } else if (!skip(b, r, 0)) return null;
    if (snapshot && tick !== null) return tick;
  }
  return null;
}

function mapLength(b: Uint8Array, r: { at: number }): number {
  const t = b[r.at];
  if (t === undefined) return -1;
  if (t >= 0x80 && t <= 0x8f) return (r.at++, t & 0x0f);
  if (t === 0xde && r.at + 3 <= b.length) return (r.at += 3, (b[r.at - 2]! << 8) | b[r.at - 1]!);
  return -1;
}

/** [start, end) of a string value, or null when the next value is not a string. */
function strAt(b: Uint8Array, r: { at: number }): [number, number] | null {
  const t = b[r.at];
  let len: number;
  let head: number;
  if (t === undefined) return null;
  if (t >= 0xa0 && t <= 0xbf) [len, head] = [t & 0x1f, 1];
  else if (t === 0xd9 && r.at + 2 <= b.length) [len, head] = [b[r.at + 1]!, 2];
  else if (t === 0xda && r.at + 3 <= b.length) [len, head] = [(b[r.at + 1]! << 8) | b[r.at + 2]!, 3];
  else return null;
  const start = r.at + head;
  if (start + len > b.length) return null;
  r.at = start + len;
  return [start, start + len];
}

function uintAt(b: Uint8Array, r: { at: number }): number | null {
  const t = b[r.at];
  if (t === undefined) return null;
  if (t <= 0x7f) return (r.at++, t);
  const width = t === 0xcc ? 1 : t === 0xcd ? 2 : t === 0xce ? 4 : 0;
  if (!width || r.at + 1 + width > b.length) return null;
  let v = 0;
  for (let i = 1; i <= width; i++) v = v * 256 + b[r.at + i]!;
  r.at += 1 + width;
  return v;
}

function equal(b: Uint8Array, [s, e]: [number, number], want: Buffer): boolean {
  if (e - s !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[s + i] !== want[i]) return false;
  return true;
}

/** Step over one value of any type; false on bytes this cannot read (or nesting past 8). */
function skip(b: Uint8Array, r: { at: number }, depth: number): boolean {
  const t = b[r.at];
  if (t === undefined || depth > 8) return false;
  const be = (at: number, w: number) => {
    let v = 0;
    for (let i = 0; i < w; i++) v = v * 256 + b[at + i]!;
    return v;
  };
  let bytes = -1; // a value of a fixed size after a header
  let items = -1; // an array (items) or map (2 x items) of values
  let head = 1;
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) bytes = 0;
  else if (t >= 0xa0 && t <= 0xbf) bytes = t & 0x1f;
  else if (t >= 0x90 && t <= 0x9f) items = t & 0x0f;
  else if (t >= 0x80 && t <= 0x8f) items = 2 * (t & 0x0f);
  else if (t === 0xcc || t === 0xd0) bytes = 1;
  else if (t === 0xcd || t === 0xd1) bytes = 2;
  else if (t === 0xce || t === 0xd2 || t === 0xca) bytes = 4;
  else if (t === 0xcf || t === 0xd3 || t === 0xcb) bytes = 8;
  else if (t === 0xc4 || t === 0xd9) [bytes, head] = [be(r.at + 1, 1), 2];
  else if (t === 0xc5 || t === 0xda) [bytes, head] = [be(r.at + 1, 2), 3];
  else if (t === 0xc6 || t === 0xdb) [bytes, head] = [be(r.at + 1, 4), 5];
  else if (t === 0xdc) [items, head] = [be(r.at + 1, 2), 3];
  else if (t === 0xdd) [items, head] = [be(r.at + 1, 4), 5];
  else if (t === 0xde) [items, head] = [2 * be(r.at + 1, 2), 3];
  else if (t === 0xdf) [items, head] = [2 * be(r.at + 1, 4), 5];
  else return false; // ext types: not in the protocol
  r.at += head;
  if (bytes >= 0) {
    r.at += bytes;
    return r.at <= b.length;
  }
  for (let i = 0; i < items; i++) if (!skip(b, r, depth + 1)) return false;
  return r.at <= b.length;
}
