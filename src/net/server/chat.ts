// The session's chat room, for every game: unique nicknames (case-insensitive), a roster
// sent to everyone on each join, leave and nick change, join/leave announcements, and chat
// lines broadcast with the sender's id, name and the sim tick. Text is length-limited (in
// validateClientMessage), rate-limited per client (a token bucket that survives reconnects)
// and sanitised so no player can put control characters, escape sequences or bidi overrides
// on another player's terminal. Seed 003 clients are not members: they never chat.

import { ErrorCode, protocolError } from '../errors.js';
import { HostMsg, UNSAFE_CHARS, errorMsg, type ChatMsg, type RosterMsg } from '../protocol/messages.js';
import type { Connection } from './connection.js';
import type { DropCounter } from './drops.js';
import type { Session } from './sessions.js';

export interface ChatLimits {
  /** Chat (and nick) messages a client may send at once... */
  burst: number;
  /** ...and per second after that. */
  perSecond: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = { burst: 5, perSecond: 1 };

/** The sender of the host's own announcements. */
export const HOST_SPEAKER = { from: 0, name: '*' } as const;

// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -/]*[0-~]?)|\u009b[0-?]*[ -/]*[@-~]?/g;
const UNSAFE_ALL = new RegExp(UNSAFE_CHARS.source, 'g');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Chat text made safe to print: whole ESC / CSI / OSC sequences removed, then tabs and line
 * breaks turned into spaces and every other control character (C0, DEL, C1) and bidi
 * override/isolate removed; unpaired surrogates become U+FFFD; trimmed.
 */
export function sanitizeChatText(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(/[\t\n\r\u000b\u000c\u2028\u2029]/g, ' ')
    .replace(UNSAFE_ALL, '')
    .replace(LONE_SURROGATE, '\ufffd')
    .trim();
}

/** The form two names are compared in: case-insensitive, compatibility-normalised. */
export const nameKey = (name: string): string => name.normalize('NFKC').toLowerCase();

const DEFAULT_NAME = /^player0*(\d+)$/;
export const defaultName = (client: number): string => `player${client}`;

interface Bucket {
  tokens: number;
  at: number;
  /** The sender was told it is over the rate (once per run of dropped messages). */
  told: boolean;
}

export interface ChatHost {
  /** Every session of the host (members are those the room announced). */
  sessions(): Iterable<Session>;
  /** Every welcomed client connection with its session. */
  clients(): Iterable<{ conn: Connection; session: Session }>;
  tick(): number;
  drops: DropCounter;
}

export class ChatRoom {
  private readonly buckets = new Map<number, Bucket>();
  readonly limits: ChatLimits;

  constructor(
    private readonly host: ChatHost,
    limits: Partial<ChatLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CHAT_LIMITS, ...limits };
  }

  /**
   * Why `name` cannot be taken by `client` (null: it can): held by another live or announced
   * session, or the default name of another client id.
   */
  refuse(name: string, client: number): string | null {
    const key = nameKey(name);
    const d = DEFAULT_NAME.exec(key);
    if (d && Number(d[1]) !== client) return `the name ${JSON.stringify(name)} is reserved for client ${d[1]}`;
    for (const s of this.host.sessions()) {
      if (s.client === client || s.name === undefined) continue;
      // a session that never got its welcome and has no connection can never come back
      if (!s.announced && !s.attached) continue;
      if (nameKey(s.name) === key) return `the name ${JSON.stringify(name)} is taken`;
    }
    return null;
  }

  /** A new player is welcomed: everyone gets the roster and the announcement. */
  joined(s: Session): void {
    s.name ??= defaultName(s.client);
    s.announced = true;
    this.broadcast(this.roster());
    this.announce(`${s.name} joined`);
  }

  /** A player reconnected within the grace: only it gets the roster; nobody is told. */
  rejoined(s: Session, conn: Connection): void {
    s.name ??= defaultName(s.client);
    if (!s.announced) return this.joined(s);
    conn.send(this.roster());
  }

  /** A session ended for good (already removed from the sessions). */
  left(s: Session): void {
    this.buckets.delete(s.client);
    if (!s.announced) return;
    s.announced = false;
    this.broadcast(this.roster(), s);
    this.announce(`${s.name} left`, s);
  }

  chat(conn: Connection, s: Session, text: string): void {
    if (!this.admit(conn, s)) return;
    const clean = sanitizeChatText(text);
    if (!clean) return;
    const m: ChatMsg = { type: HostMsg.CHAT, from: s.client, name: s.name ?? defaultName(s.client), text: clean, tick: this.host.tick() };
    this.broadcast(m);
  }

  nick(conn: Connection, s: Session, name: string): void {
    if (!this.admit(conn, s)) return;
    const why = this.refuse(name, s.client);
    if (why) return conn.reject(protocolError(ErrorCode.NAME_TAKEN, why));
    const old = s.name ?? defaultName(s.client);
    if (old === name) return;
    s.name = name;
    this.broadcast(this.roster());
    this.announce(`${old} is now ${name}`);
  }

  roster(): RosterMsg {
    const players = [];
    for (const s of this.host.sessions()) if (s.announced) players.push({ client: s.client, name: s.name ?? defaultName(s.client) });
    players.sort((a, b) => a.client - b.client);
    return { type: HostMsg.ROSTER, players };
  }

  private announce(text: string, except?: Session): void {
    this.broadcast({ type: HostMsg.CHAT, ...HOST_SPEAKER, text, tick: this.host.tick() } satisfies ChatMsg, except);
  }

  private broadcast(m: ChatMsg | RosterMsg, except?: Session): void {
    for (const c of this.host.clients()) if (c.session !== except) c.conn.send(m);
  }

  /** Token bucket per client id (a reconnect does not refill it). */
  private admit(conn: Connection, s: Session): boolean {
    const now = performance.now();
    let b = this.buckets.get(s.client);
    if (!b) this.buckets.set(s.client, (b = { tokens: this.limits.burst, at: now, told: false }));
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) * this.limits.perSecond) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.told = false;
      return true;
    }
    this.host.drops.count(ErrorCode.CHAT_RATE_LIMITED, { conn: conn.id, client: s.client });
    if (!b.told) {
      b.told = true;
      const per = this.limits.perSecond;
      conn.send(errorMsg(protocolError(ErrorCode.CHAT_RATE_LIMITED, `chat is limited to ${this.limits.burst} messages at once, then ${per} per second: dropped`)));
    }
    return false;
  }
}
