// A seed 003 client on the host: the 2-in / 4-out lockstep (legacy003.ts has the protocol).
// Its player joins asking for slot 1 or 2 only; when both are taken the client waits as a
// spectator (data + enemies each exchange) and joins as soon as a slot frees.
//
// The original server put a client in its slot at connect time, and a client that trusts
// its first reply reads 4 messages or 2 by it. So "hello" is answered (with the client's
// address) only once its join has reached the simulation, a tick or two later: the first
// lockstep reply then already names it in user1 or user2. A client that gets no slot (both
// taken, or the sim refused it within GREET_WAIT_TICKS) is answered as a spectator.

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

/** How long the answer to "hello" may wait for the client's join to reach the sim. */
const GREET_WAIT_TICKS = 30;

export class LegacyPeer {
  private expect: 'user' | 'keys' = 'user';
  /** "hello" not answered yet: waiting for the join (see the header). */
  private greeting = false;
  private ready = false;
  private skipPair = false;
  private seq = 0;
  private joinSentAtTick = -1;
  private readonly viewer: LegacyViewer = { shownLostOfMatch: 0 };

  constructor(
    private readonly conn: Connection,
    private readonly host: LegacyHost,
  ) {}

  /** After "hello": try to take a slot; the client is told its address once it has one (or cannot). */
  start(): void {
    const lt = this.host.legacyTick();
    this.greeting = this.tryJoin(lt?.t.tick ?? 0, lt?.t);
    if (!this.greeting) this.greet();
  }

  /** The host read the newest tick's players: answer "hello" once the join is in (or given up on). */
  presenceScanned(tick: number): void {
    if (!this.greeting) return;
    if (this.host.joined(this.conn.client) || tick - this.joinSentAtTick > GREET_WAIT_TICKS) this.greet();
  }

  private greet(): void {
    this.greeting = false;
    this.conn.sendJsonText(JSON.stringify({ ip: this.conn.remoteAddress, port: this.conn.remotePort }));
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

  /** Join asking for slot 1 or 2; retried (at most every 30 ticks) while a slot looks free. True: sent. */
  private tryJoin(tick: number, t?: LegacyTick): boolean {
    if (this.joinSentAtTick >= 0 && tick - this.joinSentAtTick < 30) return false;
    if (t && t.slots[0] && t.slots[1]) return false;
    this.joinSentAtTick = tick;
    this.host.pushCommand(Cmd.JOIN, this.conn.client, 0, 0, 2);
    return true;
  }
}
