// The session's chat room, for every game: unique nicknames (case-insensitive), a roster
// kept by everyone through join, leave and nick changes, join/leave announcements, and chat
// lines broadcast with the sender's id, name and the sim tick. Text is length-limited (in
// validateClientMessage), rate-limited per client (a token bucket that survives reconnects)
// and sanitised so no player can put control characters, escape sequences or bidi overrides
// on another player's terminal. Seed 003 clients are not members: they never chat.
//
// Large sessions: a join storm of 1,000 players must not send 1,000 rosters of up to 1,000
// names to 1,000 players (10^9 entries). Changes are gathered for ROSTER_FLUSH_MS and then
// sent once: the whole roster to whoever joined meanwhile, only the changes (add / remove)
// to everyone else, with one announcement naming the joiners; each message is encoded once.

import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';
import { HostMsg, UNSAFE_CHARS, errorMsg, type ChatMsg, type RosterMsg } from '../protocol/messages.js';
import { Connection } from './connection.js';
import type { DropCounter } from './drops.js';
import type { Session } from './sessions.js';

export interface ChatLimits {
  /** Chat (and nick) messages a client may send at once... */
  burst: number;
  /** ...and per second after that. */
  perSecond: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = { burst: 5, perSecond: 1 };

/** Roster changes are gathered this long before they are sent. */
export const ROSTER_FLUSH_MS = 50;
/** An announcement names at most this many players ("A, B, C and 12 others joined"). */
const NAMES_PER_LINE = 5;

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
   * session (NAME_IN_GRACE while that player may still reconnect), or the default name of
   * another client id.
   */
  refuse(name: string, client: number): ProtocolError | null {
    const key = nameKey(name);
    const quoted = JSON.stringify(name);
    const d = DEFAULT_NAME.exec(key);
    if (d && Number(d[1]) !== client) return protocolError(ErrorCode.NAME_TAKEN, `the name ${quoted} is reserved for client ${d[1]}`);
    for (const s of this.host.sessions()) {
      if (s.client === client || s.name === undefined) continue;
      // a session that never got its welcome and has no connection can never come back
      if (!s.announced && !s.attached) continue;
      if (nameKey(s.name) !== key) continue;
      if (s.attached || s.graceEndsAt === undefined) return protocolError(ErrorCode.NAME_TAKEN, `the name ${quoted} is taken`);
      // a crashed client that restarts meets its own old session here: say when it frees
      const left = Math.max(1, Math.ceil((s.graceEndsAt - performance.now()) / 1000));
      return protocolError(
        ErrorCode.NAME_IN_GRACE,
        `the name ${quoted} is held for ${left} more s by a player who disconnected (rejoin with its token to take it back, or retry after that)`,
      );
    }
    return null;
  }

  /** A new player is welcomed: it gets the roster, everyone else the change and the announcement. */
  joined(s: Session): void {
    s.name ??= defaultName(s.client);
    s.announced = true;
    this.pending.joined.push(s);
    this.pending.changed.set(s.client, s);
    this.pending.removed.delete(s.client);
    this.schedule();
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
    this.pending.changed.delete(s.client);
    const j = this.pending.joined.indexOf(s);
    if (j >= 0) return void this.pending.joined.splice(j, 1); // came and went unseen
    this.pending.removed.add(s.client);
    this.pending.left.push(s);
    this.schedule();
  }

  private readonly pending = { joined: [] as Session[], left: [] as Session[], changed: new Map<number, Session>(), removed: new Set<number>() };
  private flushTimer: NodeJS.Timeout | undefined;

  private schedule(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), ROSTER_FLUSH_MS);
  }

  /** Send the gathered roster changes and announcements (also called on close). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const { joined, left, changed, removed } = this.pending;
    if (!joined.length && !left.length && !changed.size && !removed.size) return;
    const fresh = new Set(joined.filter((s) => s.announced));
    const others: Connection[] = [];
    const newcomers: Connection[] = [];
    for (const c of this.host.clients()) (fresh.has(c.session) ? newcomers : others).push(c.conn);
    if (newcomers.length) Connection.sendMany(newcomers, this.roster());
    const delta: RosterMsg = { type: HostMsg.ROSTER };
    const add = [...changed.values()].filter((s) => s.announced && !fresh.has(s)).map(entry);
    // a newcomer is new to the others too
    for (const s of fresh) add.push(entry(s));
    if (add.length) delta.add = add.sort((a, b) => a.client - b.client);
    if (removed.size) delta.remove = [...removed].sort((a, b) => a - b);
    if (delta.add || delta.remove) Connection.sendMany(others, delta);
    // a line per player, unless a crowd came (or went) at once: then one line for all
    const say = (ss: Session[], what: string) => {
      if (ss.length <= NAMES_PER_LINE) for (const s of ss) this.announce(`${s.name} ${what}`);
      else this.announce(`${ss.slice(0, NAMES_PER_LINE).map((s) => s.name).join(', ')} and ${ss.length - NAMES_PER_LINE} others ${what}`);
    };
    say([...fresh], 'joined');
    say(left, 'left');
    joined.length = 0;
    left.length = 0;
    changed.clear();
    removed.clear();
  }

  /** Stop the flush timer (the host is stopping). */
  close(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
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
    if (why) return conn.reject(why);
    const old = s.name ?? defaultName(s.client);
    if (old === name) return;
    s.name = name;
    this.flush(); // the roster change right away, in order with the announcement
    Connection.sendMany(
      [...this.host.clients()].map((c) => c.conn),
      { type: HostMsg.ROSTER, add: [entry(s)] } satisfies RosterMsg,
    );
    this.announce(`${old} is now ${name}`);
  }

  roster(): RosterMsg {
    const players = [];
    for (const s of this.host.sessions()) if (s.announced) players.push(entry(s));
    players.sort((a, b) => a.client - b.client);
    return { type: HostMsg.ROSTER, players };
  }

  private announce(text: string, except?: Session): void {
    this.broadcast({ type: HostMsg.CHAT, ...HOST_SPEAKER, text, tick: this.host.tick() } satisfies ChatMsg, except);
  }

  private broadcast(m: ChatMsg | RosterMsg, except?: Session): void {
    const to: Connection[] = [];
    for (const c of this.host.clients()) if (c.session !== except) to.push(c.conn);
    Connection.sendMany(to, m);
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

const entry = (s: Session) => ({ client: s.client, name: s.name ?? defaultName(s.client) });
