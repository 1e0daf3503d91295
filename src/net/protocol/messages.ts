// The messages of the lanparty protocol, the same in msgpack mode and in (new-client) JSON
// mode: maps with a string "type". Everything a client sends is validated here, field by
// field, before the host acts on it; unknown keys are ignored (a client cannot set its own
// position, size or id: the host is authoritative).

import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';
import type { PeersMsg } from './peers.js';
import type { JsonSnapshot, SchemaDescriptor, SnapshotMessage } from './snapshot/index.js';

export const PROTOCOL_VERSION = 1;

/** Snapshots per second a client can be sent: every 1st, 2nd or 3rd tick of the 60 Hz sim. */
export const SEND_RATES = [60, 30, 20] as const;
export type SendHz = (typeof SEND_RATES)[number];

export function isSendHz(v: unknown): v is SendHz {
  return SEND_RATES.includes(v as SendHz);
}

/** Client -> host. */
export const ClientMsg = {
  JOIN: 'join',
  INPUT: 'input',
  ACK: 'ack',
  PING: 'ping',
  LEAVE: 'leave',
  /** First message of a monitoring connection (`lanparty top`): stats every second, no player. */
  STATS: 'stats',
  /** Say something in the session's chat room. */
  CHAT: 'chat',
  /** Change one's nickname. */
  NICK: 'nick',
} as const;
type ClientMsgType = (typeof ClientMsg)[keyof typeof ClientMsg];

/** Host -> client. */
export const HostMsg = {
  WELCOME: 'welcome',
  SNAPSHOT: 'snapshot',
  PONG: 'pong',
  ERROR: 'error',
  STATS: 'stats',
  LEFT: 'left',
  /** A chat line (from 0, name '*': a join/leave/nick announcement by the host). */
  CHAT: 'chat',
  /** Everyone in the chat room, sent on each join, leave and nick change. */
  ROSTER: 'roster',
  /** Where the other nodes of a LAN session take clients if they become host (./peers.ts). */
  PEERS: 'peers',
} as const;
type HostMsgType = (typeof HostMsg)[keyof typeof HostMsg];

/**
 * A table of message interfaces keyed by the values of a type table (ClientMsg, HostMsg):
 * every type must have its interface, and each interface's `type` must be its key, so a
 * type added to a table without its message (or a message with the wrong type) does not
 * compile.
 */
type MessageTable<T extends string, M extends { [K in T]: { type: K } }> = M;

/** Longest nickname, in characters (code points). */
export const MAX_NAME_CHARS = 32;
/** Longest chat text, in characters (code points), before sanitising. */
export const MAX_CHAT_CHARS = 200;

/**
 * Characters that must never reach a peer's terminal from another player: C0 controls (ESC,
 * CR, LF...), DEL, C1 controls (U+0080-U+009F), the bidi embeddings/overrides U+202A-U+202E
 * and isolates U+2066-U+2069, and the line/paragraph separators U+2028/U+2029.
 */
// eslint-disable-next-line no-control-regex
export const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Why a nickname is not acceptable (null: it is). Nicknames are refused, never rewritten. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'a name must be a string';
  const n = [...name].length;
  if (n < 1 || n > MAX_NAME_CHARS) return `a name must be 1 to ${MAX_NAME_CHARS} characters`;
  if (UNSAFE_CHARS.test(name)) return 'a name must not contain control characters or bidi overrides';
  if (name.trim() !== name || /[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    return 'a name must not start or end with spaces nor hold unpaired surrogates';
  }
  return null;
}

/** Most inputs one message may carry: the newest plus the 3 before it (redundancy). */
export const MAX_INPUTS_PER_MESSAGE = 4;

export interface JoinMsg {
  type: typeof ClientMsg.JOIN;
  protocol: number;
  name?: string;
  /** Session token from an earlier welcome: reconnect to the same entity. */
  token?: string;
  /** Snapshots per second wanted: 60, 30 or 20 (default: the host's rate). */
  rate?: SendHz;
  /**
   * The client keeps its newest decoded state as a delta base: over an in-order transport
   * (TCP, WebSocket) the host may take each snapshot it writes as received, and the client
   * sends no acks (docs/protocol.md, "Acknowledgements").
   */
  implicitAcks?: boolean;
  /**
   * The client decodes difference columns (changed values as i8 differences from the base,
   * docs/snapshot-encoding.md "Columns"); without it the host never sends one.
   */
  diffs?: boolean;
  /**
   * With `diffs`: the client decodes predicted columns (changed values as residuals from an
   * extrapolation of its two acked states base2 and base, docs/snapshot-encoding.md
   * "Predicted columns") and keeps the states they need.
   */
  pred?: boolean;
}

export interface InputEntry {
  seq: number;
  buttons: number;
  ax: number;
  ay: number;
}

export interface InputMsg {
  type: typeof ClientMsg.INPUT;
  /** Newest snapshot tick the client has decoded (-1: none): the delta baseline. Optional on the wire. */
  ack: number;
  /** Oldest first; the last one is the newest input. (On the wire: arrays [seq, buttons, ax?, ay?].) */
  inputs: InputEntry[];
}

export interface AckMsg {
  type: typeof ClientMsg.ACK;
  /** Newest decoded tick; -1 asks for a full snapshot. */
  tick: number;
  /**
   * An older tick, decoded and kept, whose ack never went out (it waited for an input that
   * did not come before this one fell due): a host that deltas against older acks
   * (predicted columns) may use it too. Below `tick`.
   */
  prev?: number;
}

export interface PingMsg {
  type: typeof ClientMsg.PING;
  id: number;
}

export interface LeaveMsg {
  type: typeof ClientMsg.LEAVE;
}

export interface StatsRequestMsg {
  type: typeof ClientMsg.STATS;
}

export interface ChatSendMsg {
  type: typeof ClientMsg.CHAT;
  /** 1 to MAX_CHAT_CHARS characters; the host sanitises it before passing it on. */
  text: string;
}

export interface NickMsg {
  type: typeof ClientMsg.NICK;
  name: string;
}

/** Every client message, by its type. */
type ClientMessages = MessageTable<
  ClientMsgType,
  {
    [ClientMsg.JOIN]: JoinMsg;
    [ClientMsg.INPUT]: InputMsg;
    [ClientMsg.ACK]: AckMsg;
    [ClientMsg.PING]: PingMsg;
    [ClientMsg.LEAVE]: LeaveMsg;
    [ClientMsg.STATS]: StatsRequestMsg;
    [ClientMsg.CHAT]: ChatSendMsg;
    [ClientMsg.NICK]: NickMsg;
  }
>;
export type ClientMessage = ClientMessages[ClientMsgType];

/** Host -> client: a chat line. `from` 0 with name '*' is the host announcing a join, leave or nick change. */
export interface ChatMsg {
  type: typeof HostMsg.CHAT;
  from: number;
  name: string;
  text: string;
  tick: number;
}

export interface RosterEntry {
  client: number;
  name: string;
}

/**
 * The chat roster: `players` is the whole roster (to a client that just joined or
 * reconnected); `add` / `remove` are the changes since the last roster message (to everyone
 * else; `add` also carries renamed players). A client applies remove, then add.
 */
export interface RosterMsg {
  type: typeof HostMsg.ROSTER;
  players?: RosterEntry[];
  add?: RosterEntry[];
  remove?: number[];
}

export interface WelcomeMsg {
  type: typeof HostMsg.WELCOME;
  protocol: number;
  client: number;
  token: string;
  entity: number;
  tick: number;
  /** Simulation ticks per second (snapshot ticks count these). */
  hz: number;
  game: string;
  /** Everything a client needs to decode snapshots without knowing the game. */
  schema: SchemaDescriptor;
  /** The host's entity capacity: the largest entity id a snapshot can carry. */
  capacity: number;
  /** Election epoch of the host: a client never follows a host older than one it has seen. */
  epoch: number;
  reconnected: boolean;
  /** True: granted (the join asked, and the transport is in order): send no acks, deltas are against the previous snapshot sent. */
  implicitAcks: boolean;
  /** True: granted (the join asked, msgpack mode): deltas may carry difference columns. */
  diffs: boolean;
  /** True: granted (the join asked for it and for diffs, msgpack mode): deltas may name a base2 and carry predicted columns. */
  pred: boolean;
}

export interface ErrorMsg {
  type: typeof HostMsg.ERROR;
  code: ErrorCode;
  message: string;
}

export interface PongMsg {
  type: typeof HostMsg.PONG;
  /** The ping's id. */
  id: number;
  tick: number;
}

/** A player left for good (after its reconnect grace, or by `leave`). */
export interface LeftMsg {
  type: typeof HostMsg.LEFT;
  client: number;
}

/** What a monitoring connection (`lanparty top`) is sent every second. */
export interface StatsMsg {
  type: typeof HostMsg.STATS;
  tick: number;
  epoch: number;
  game: string;
  /** The sim worker's last report (null before the first). */
  sim: { tickP50Ms: number; tickP99Ms: number; skippedTicks: number; entities: number; drops: Record<string, number> } | null;
  /** Sim worker restarts by the watchdog. */
  restarts: number;
  net: { connections: number; msgpack: number; json: number; legacy: number; monitors: number; drops: Record<string, number> };
  /** Bytes read from and written to every client socket since the host started. */
  bytesIn: number;
  bytesOut: number;
}

/** Every host message, by its type. */
type HostMessages = MessageTable<
  HostMsgType,
  {
    [HostMsg.WELCOME]: WelcomeMsg;
    [HostMsg.SNAPSHOT]: SnapshotMessage | JsonSnapshot;
    [HostMsg.PONG]: PongMsg;
    [HostMsg.ERROR]: ErrorMsg;
    [HostMsg.STATS]: StatsMsg;
    [HostMsg.LEFT]: LeftMsg;
    [HostMsg.CHAT]: ChatMsg;
    [HostMsg.ROSTER]: RosterMsg;
    [HostMsg.PEERS]: PeersMsg;
  }
>;
export type HostMessage = HostMessages[HostMsgType];

export type Validated = { ok: true; msg: ClientMessage } | { ok: false; error: ProtocolError };

const U32 = 0xffff_ffff;
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const invalid = (why: string): Validated => ({ ok: false, error: protocolError(ErrorCode.INVALID_MESSAGE, why) });

function inputEntry(v: unknown): InputEntry | null {
  if (!Array.isArray(v) || v.length < 2 || v.length > 4) return null;
  const [seq, buttons, ax = 0, ay = 0] = v as unknown[];
  if (!isInt(seq, 0, U32) || !isInt(buttons, 0, U32)) return null;
  if (!isInt(ax, -0x8000_0000, 0x7fff_ffff) || !isInt(ay, -0x8000_0000, 0x7fff_ffff)) return null;
  return { seq, buttons, ax, ay };
}

/** Check a decoded message from a client. Never throws. */
export function validateClientMessage(v: unknown): Validated {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid('a message must be a map');
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case ClientMsg.JOIN: {
      const protocol = m.protocol ?? PROTOCOL_VERSION;
      if (!isInt(protocol, 1, 1000)) return invalid('join.protocol must be an integer');
      if (m.name !== undefined) {
        const why = nameProblem(m.name);
        if (why) return invalid(`join.name: ${why}`);
      }
      if (m.token !== undefined && (typeof m.token !== 'string' || !UUID.test(m.token))) {
        return invalid('join.token must be a uuid v4 string');
      }
      if (m.rate !== undefined && !isSendHz(m.rate)) return invalid('join.rate must be 60, 30 or 20');
      if (m.implicitAcks !== undefined && typeof m.implicitAcks !== 'boolean') return invalid('join.implicitAcks must be a boolean');
      if (m.diffs !== undefined && typeof m.diffs !== 'boolean') return invalid('join.diffs must be a boolean');
      if (m.pred !== undefined && typeof m.pred !== 'boolean') return invalid('join.pred must be a boolean');
      const msg: JoinMsg = { type: ClientMsg.JOIN, protocol };
      if (m.name !== undefined) msg.name = m.name as string;
      if (m.token !== undefined) msg.token = m.token as string;
      if (m.rate !== undefined) msg.rate = m.rate;
      if (m.implicitAcks === true) msg.implicitAcks = true;
      if (m.diffs === true) msg.diffs = true;
      if (m.pred === true) msg.pred = true;
      return { ok: true, msg };
    }
    case ClientMsg.INPUT: {
      const ack = m.ack ?? -1;
      if (!isInt(ack, -1, U32)) return invalid('input.ack must be an integer tick or -1');
      if (!Array.isArray(m.inputs) || m.inputs.length < 1 || m.inputs.length > MAX_INPUTS_PER_MESSAGE) {
        return invalid(`input.inputs must hold 1 to ${MAX_INPUTS_PER_MESSAGE} entries`);
      }
      const inputs: InputEntry[] = [];
      for (const e of m.inputs) {
        const entry = inputEntry(e);
        if (!entry) return invalid('input.inputs entries are [seq, buttons, ax?, ay?] integers');
        inputs.push(entry);
      }
      return { ok: true, msg: { type: ClientMsg.INPUT, ack, inputs } };
    }
    case ClientMsg.ACK:
      // -1: "I have no usable base, send a full snapshot"
      if (!isInt(m.tick, -1, U32)) return invalid('ack.tick must be an integer tick or -1');
      if (m.prev !== undefined && !(isInt(m.prev, 0, U32) && m.prev < m.tick)) return invalid('ack.prev must be an integer tick below ack.tick');
      return { ok: true, msg: m.prev === undefined ? { type: ClientMsg.ACK, tick: m.tick } : { type: ClientMsg.ACK, tick: m.tick, prev: m.prev } };
    case ClientMsg.PING:
      if (typeof m.id !== 'number' || !Number.isFinite(m.id)) return invalid('ping.id must be a number');
      return { ok: true, msg: { type: ClientMsg.PING, id: m.id } };
    case ClientMsg.LEAVE:
      return { ok: true, msg: { type: ClientMsg.LEAVE } };
    case ClientMsg.STATS:
      return { ok: true, msg: { type: ClientMsg.STATS } };
    case ClientMsg.CHAT: {
      if (typeof m.text !== 'string') return invalid('chat.text must be a string');
      const n = [...m.text].length;
      if (n < 1 || n > MAX_CHAT_CHARS) return invalid(`chat.text must be 1 to ${MAX_CHAT_CHARS} characters`);
      return { ok: true, msg: { type: ClientMsg.CHAT, text: m.text } };
    }
    case ClientMsg.NICK: {
      const why = nameProblem(m.name);
      if (why) return invalid(`nick.name: ${why}`);
      return { ok: true, msg: { type: ClientMsg.NICK, name: m.name as string } };
    }
    default:
      return { ok: false, error: protocolError(ErrorCode.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`) };
  }
}

export const errorMsg = (e: ProtocolError): ErrorMsg => ({ type: HostMsg.ERROR, code: e.code, message: e.message });
