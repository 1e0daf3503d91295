// A seed 003 client on the host: the 2-in / 4-out lockstep (legacy003.ts has the protocol).
// Its player joins asking for slot 1 or 2 only; when both are taken the client waits as a
// spectator (data + enemies each exchange) and joins as soon as a slot frees.

import { Cmd } from '../../engine/input-queue.js';
import { Button } from '../../engine/games/shooter/schema.js';
import { ErrorCode, protocolError } from '../errors.js';
import {
  keysToButtons,
  legacyData,
  parseUserData,
  type LegacyAddress,
  type LegacyTick,
  type LegacyViewer,
} from '../protocol/legacy003.js';
import type { Connection } from './connection.js';

export interface LegacyHost {
  /** The newest tick's 003 view (cached per tick), or null before the first snapshot. */
  legacyTick(): { t: LegacyTick; matchNo: number } | null;
  address(owner: number): LegacyAddress;
  pushCommand(type: typeof Cmd.JOIN | typeof Cmd.INPUT, client: number, seq: number, buttons: number, ax: number): void;
  /** The client's entity is in the newest snapshot. */
  joined(client: number): boolean;
  leave(conn: Connection): void;
}

export class LegacyPeer {
  private expect: 'user' | 'keys' = 'user';
  private ready = false;
  private skipPair = false;
  private seq = 0;
  private joinSentAtTick = -1;
  private readonly viewer: LegacyViewer = { shownLostOfMatch: 0 };

  constructor(
    private readonly conn: Connection,
    private readonly host: LegacyHost,
  ) {}

  /** After "hello": tell the client its address, then try to take a slot. */
  start(): void {
    this.conn.sendJsonText(JSON.stringify({ ip: this.conn.remoteAddress, port: this.conn.remotePort }));
    const lt = this.host.legacyTick();
    this.tryJoin(lt?.t.tick ?? 0, lt?.t);
  }

  frame(payload: Buffer): void {
    if (this.expect === 'user') {
      this.expect = 'keys';
      // one pair (user data + keys) is the unit of the rate limit. An over-rate or invalid
      // pair is still answered (without applying its input): the client waits for that
      // answer, and the pair's two messages stay in step
      this.skipPair = !this.conn.admit();
      if (this.skipPair) return;
      const v = this.conn.decode(payload);
      const ud = v === undefined ? null : parseUserData(v);
      if (ud === null || 'code' in ud) {
        if (ud) this.conn.reject(ud);
        this.skipPair = true;
        return;
      }
      if (!ud.connection) {
        this.host.leave(this.conn);
        this.conn.close();
        return;
      }
      this.ready = ud.ready;
      return;
    }
    this.expect = 'user';
    if (this.skipPair) return this.exchange(null);
    const v = this.conn.decode(payload);
    const buttons = v === undefined ? null : keysToButtons(v);
    if (buttons !== null && typeof buttons !== 'number') {
      this.conn.reject(buttons);
      return this.exchange(null);
    }
    this.exchange(buttons === null ? null : buttons | (this.ready ? Button.READY : 0));
  }

  /** Apply the input and answer with the newest state: never a queue of stale frames. */
  private exchange(buttons: number | null): void {
    const lt = this.host.legacyTick();
    if (!lt) return this.conn.reject(protocolError(ErrorCode.UNEXPECTED_MESSAGE, 'no game state yet'));
    const { t, matchNo } = lt;
    const client = this.conn.client;
    const joined = this.host.joined(client);
    if (joined && buttons !== null) this.host.pushCommand(Cmd.INPUT, client, ++this.seq, buttons, 0);
    else this.tryJoin(t.tick, t);
    const data = legacyData(t, matchNo, this.viewer, (owner) => this.host.address(owner));
    const mine = (s: typeof data.user1) => Array.isArray(s) && s[0] === this.conn.remoteAddress && s[1] === this.conn.remotePort;
    const frames = [JSON.stringify(data)];
    // the client reads the laser lists only when it finds itself in user1 or user2
    if (mine(data.user1 as LegacyAddress) || mine(data.user2 as LegacyAddress)) frames.push(t.lasers[0], t.lasers[1]);
    frames.push(t.enemies);
    for (const f of frames) this.conn.sendJsonText(f);
  }

  /** Join asking for slot 1 or 2; retried (at most every 30 ticks) while a slot looks free. */
  private tryJoin(tick: number, t?: LegacyTick): void {
    if (this.joinSentAtTick >= 0 && tick - this.joinSentAtTick < 30) return;
    if (t && t.slots[0] && t.slots[1]) return;
    this.joinSentAtTick = tick;
    this.host.pushCommand(Cmd.JOIN, this.conn.client, 0, 0, 2);
  }
}
