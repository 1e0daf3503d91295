// Discovery datagrams (UDP), version 1: one JSON object per datagram, at most 512 bytes.
//
//   beacon  {"v":1,"k":"b","id":<node uuid>,"s":<session>,"g":<game>,"ip":<address>,
//            "cp":<client port>,"pp":<peer port>,"h":<host uuid or "">,"e":<epoch>,
//            "n":<players>,"q":<seq>,"m":<hmac>?}
//   query   {"v":1,"k":"q","id":<node or client uuid>,"q":<seq>,"pad":"....","m":<hmac>?}
//
// A beacon says who a node is and whom it follows; a query ("who is there?") asks every
// node to answer with its beacon at once. A query is padded to the size of the largest
// beacon, and a node answers only when its beacon is no larger than the query: replies
// can never amplify traffic. With a session key, "m" is HMAC-SHA256 (hex) of the datagram
// without "m", and "q" must grow per sender (no replays).
//
// Everything is validated field by field; anything else is dropped with a counted reason.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { IPV4, isPort, NODE_ID } from '../protocol/peers.js';
import { DropReason } from '../server/drops.js';

export const BEACON_VERSION = 1;
export const MAX_DATAGRAM = 512;

export interface Beacon {
  v: 1;
  k: 'b';
  id: string;
  s: string;
  g: string;
  ip: string;
  cp: number;
  pp: number;
  h: string;
  e: number;
  n: number;
  q: number;
}

export interface Query {
  v: 1;
  k: 'q';
  id: string;
  q: number;
}

export type Datagram = Beacon | Query;

export type Parsed = { ok: true; d: Datagram; bytes: number } | { ok: false; reason: DropReason };

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length <= 32 && !/[\u0000-\u001f\u007f]/.test(v);

function mac(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

function sign(obj: Record<string, unknown>, key: string | undefined): string {
  const body = JSON.stringify(obj);
  if (!key) return body;
  return JSON.stringify({ ...obj, m: mac(key, body) });
}

export function encodeBeacon(b: Omit<Beacon, 'v' | 'k'>, key?: string): Buffer {
  return Buffer.from(sign({ v: BEACON_VERSION, k: 'b', ...b }, key), 'utf8');
}

/** A query padded to `padTo` bytes, so that any beacon up to that size may answer it. */
export function encodeQuery(id: string, q: number, key?: string, padTo = 400): Buffer {
  const base = { v: BEACON_VERSION, k: 'q', id, q, pad: '' };
  const bare = Buffer.byteLength(sign(base, key));
  base.pad = '.'.repeat(Math.max(0, padTo - bare));
  return Buffer.from(sign(base, key), 'utf8');
}

/** Validate a datagram from the network. Never throws. */
export function parseDatagram(buf: Buffer, key?: string): Parsed {
  if (buf.length > MAX_DATAGRAM) return { ok: false, reason: DropReason.BEACON_TOO_LARGE };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(buf.toString('utf8'));
  } catch {
    return { ok: false, reason: DropReason.BEACON_NOT_JSON };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: DropReason.BEACON_NOT_OBJECT };
  if (o.v !== BEACON_VERSION) return { ok: false, reason: DropReason.BEACON_VERSION };
  if (typeof o.id !== 'string' || !NODE_ID.test(o.id)) return { ok: false, reason: DropReason.BEACON_BAD_ID };
  if (!isCount(o.q)) return { ok: false, reason: DropReason.BEACON_BAD_SEQ };
  if (key) {
    if (typeof o.m !== 'string') return { ok: false, reason: DropReason.BEACON_UNSIGNED };
    const { m, ...rest } = o;
    const want = Buffer.from(mac(key, JSON.stringify(rest)), 'hex');
    const got = Buffer.from(m as string, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: DropReason.BEACON_BAD_MAC };
  }
  if (o.k === 'q') return { ok: true, d: { v: 1, k: 'q', id: o.id, q: o.q as number }, bytes: buf.length };
  if (o.k !== 'b') return { ok: false, reason: DropReason.BEACON_BAD_KIND };
  if (!isName(o.s) || !isName(o.g)) return { ok: false, reason: DropReason.BEACON_BAD_NAME };
  if (typeof o.ip !== 'string' || !IPV4.test(o.ip)) return { ok: false, reason: DropReason.BEACON_BAD_IP };
  if (!isPort(o.cp) || !isPort(o.pp)) return { ok: false, reason: DropReason.BEACON_BAD_PORT };
  if (typeof o.h !== 'string' || (o.h !== '' && !NODE_ID.test(o.h))) return { ok: false, reason: DropReason.BEACON_BAD_HOST };
  if (!isCount(o.e) || !isCount(o.n)) return { ok: false, reason: DropReason.BEACON_BAD_COUNT };
  const d: Beacon = { v: 1, k: 'b', id: o.id, s: o.s, g: o.g, ip: o.ip, cp: o.cp, pp: o.pp, h: o.h, e: o.e, n: o.n, q: o.q as number };
  return { ok: true, d, bytes: buf.length };
}

export { mac as hmacHex };
