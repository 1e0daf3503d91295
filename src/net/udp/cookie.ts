// Stateless handshake cookies. The host answers a REQUEST with a CHALLENGE whose cookie is an
// HMAC of where the request came from, its nonce and the time; it stores nothing. Only a
// peer that receives datagrams at that address can echo the cookie back in a RESPONSE, so a
// spoofed source address cannot get a connection, and a flood of requests costs the host
// one HMAC each and no memory.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { COOKIE_BYTES, UdpDrop } from '../protocol/udp.js';

/** A cookie is good for this long (seconds): enough for a slow LAN round trip, too short to hoard. */
export const COOKIE_LIFETIME_S = 10;

export class CookieJar {
  private readonly secret: Buffer;

  constructor(
    secret: Buffer = randomBytes(32),
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (secret.length < 16) throw new RangeError('secret must be at least 16 bytes');
    this.secret = secret;
  }

  /** A cookie for this address, nonce and the current time. */
  issue(ip: string, port: number, nonce: Uint8Array): { time: number; cookie: Buffer } {
    const time = this.nowS() >>> 0;
    return { time, cookie: this.mac(ip, port, nonce, time) };
  }

  /** null when the cookie is this host's for this address, nonce and time, and still fresh. */
  check(ip: string, port: number, nonce: Uint8Array, time: number, cookie: Uint8Array): UdpDrop | null {
    const now = this.nowS();
    if (time > now + 1 || now - time > COOKIE_LIFETIME_S) return UdpDrop.STALE_COOKIE;
    if (cookie.length !== COOKIE_BYTES) return UdpDrop.BAD_COOKIE;
    return timingSafeEqual(this.mac(ip, port, nonce, time), cookie) ? null : UdpDrop.BAD_COOKIE;
  }

  private mac(ip: string, port: number, nonce: Uint8Array, time: number): Buffer {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt16LE(port & 0xffff, 0);
    fixed.writeUInt32LE(time >>> 0, 2);
    return createHmac('sha256', this.secret).update(ip).update(fixed).update(nonce).digest().subarray(0, COOKIE_BYTES);
  }
}
