// What the host streams to its backups every 100 ms, over the peer mesh:
//   { t: "state", epoch, tick, maxEid, globals: bin (float64 LE), order: bin, fields: [bin...],
//     sessions: [[client, token, entity, name?], ...], nextClient }
// Decoding validates every part (a peer's bytes are untrusted like any other) and never
// throws: a bad message is null, and the caller counts it.

import type { Checkpoint } from '../../engine/checkpoint.js';
import type { SessionRecord } from '../server/sessions.js';

export interface Replica {
  epoch: number;
  checkpoint: Checkpoint;
  sessions: { records: SessionRecord[]; nextClient: number };
}

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function encodeReplica(r: Replica): Record<string, unknown> {
  const cp = r.checkpoint;
  return {
    t: 'state',
    epoch: r.epoch,
    tick: cp.tick,
    maxEid: cp.maxEid,
    globals: bytes(cp.globals),
    order: cp.order,
    fields: cp.fields,
    sessions: r.sessions.records.map((s) => (s.name === undefined ? [s.client, s.token, s.entity] : [s.client, s.token, s.entity, s.name])),
    nextClient: r.sessions.nextClient,
  };
}

const isUint = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
const isBin = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** `fieldBytes[i]`: bytes per row of field i; `globalCount`: number of globals. */
export function decodeReplica(m: Record<string, unknown>, fieldBytes: readonly number[], globalCount: number): Replica | null {
  const { epoch, tick, maxEid, globals, order, fields, sessions, nextClient } = m;
  if (!isUint(epoch) || !isUint(tick) || !isUint(maxEid) || !isUint(nextClient)) return null;
  if (!isBin(globals) || globals.byteLength !== globalCount * 8) return null;
  if (!isBin(order) || order.byteLength !== (maxEid + 1) * 4) return null;
  if (!Array.isArray(fields) || fields.length !== fieldBytes.length) return null;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (!isBin(f) || f.byteLength !== (maxEid + 1) * fieldBytes[i]!) return null;
  }
  if (!Array.isArray(sessions)) return null;
  const records: SessionRecord[] = [];
  for (const s of sessions) {
    if (!Array.isArray(s) || !isUint(s[0]) || typeof s[1] !== 'string' || s[1].length > 64 || !Number.isInteger(s[2])) return null;
    if (s[3] !== undefined && (typeof s[3] !== 'string' || s[3].length > 32)) return null;
    records.push({ client: s[0], token: s[1], entity: s[2] as number, ...(typeof s[3] === 'string' ? { name: s[3] } : {}) });
  }
  return {
    epoch,
    checkpoint: {
      tick,
      maxEid,
      // copies (new Uint8Array(x) copies; a Buffer's slice would not): own, aligned memory
      globals: new Float64Array(new Uint8Array(globals).buffer),
      order: new Uint8Array(order),
      fields: (fields as Uint8Array[]).map((f) => new Uint8Array(f)),
    },
    sessions: { records, nextClient },
  };
}
