// The messages of the lanparty protocol, the same in msgpack mode and in (new-client) JSON
// mode: maps with a string "type". Everything a client sends is validated here, field by
// field, before the host acts on it; unknown keys are ignored (a client cannot set its own
// position, size or id: the host is authoritative).

import { ErrorCode, protocolError, type ProtocolError } from '../errors.js';

export const PROTOCOL_VERSION = 1;

/** Client -> host. */
export const ClientMsg = {
  JOIN: 'join',
  INPUT: 'input',
  ACK: 'ack',
  PING: 'ping',
  LEAVE: 'leave',
  /** First message of a monitoring connection (`lanparty top`): stats every second, no player. */
  STATS: 'stats',
} as const;
export type ClientMsgType = (typeof ClientMsg)[keyof typeof ClientMsg];

/** Host -> client. */
export const HostMsg = {
  WELCOME: 'welcome',
  SNAPSHOT: 'snapshot',
  PONG: 'pong',
  ERROR: 'error',
  STATS: 'stats',
  JOINED: 'joined',
  LEFT: 'left',
} as const;

/** Most inputs one message may carry: the newest plus the 3 before it (redundancy). */
export const MAX_INPUTS_PER_MESSAGE = 4;

export interface JoinMsg {
  type: 'join';
  protocol: number;
  name?: string;
  /** Session token from an earlier welcome: reconnect to the same entity. */
  token?: string;
}

export interface InputEntry {
  seq: number;
  buttons: number;
  ax: number;
  ay: number;
}

export interface InputMsg {
  type: 'input';
  /** Newest snapshot tick the client has decoded (-1: none): the delta baseline. */
  ack: number;
  /** Oldest first; the last one is the newest input. */
  inputs: InputEntry[];
}

export interface AckMsg {
  type: 'ack';
  /** Newest decoded tick; -1 asks for a full snapshot. */
  tick: number;
}

export interface PingMsg {
  type: 'ping';
  id: number;
}

export interface LeaveMsg {
  type: 'leave';
}

export interface StatsRequestMsg {
  type: 'stats';
}

export type ClientMessage = JoinMsg | InputMsg | AckMsg | PingMsg | LeaveMsg | StatsRequestMsg;

export interface WelcomeMsg {
  type: 'welcome';
  protocol: number;
  client: number;
  token: string;
  entity: number;
  tick: number;
  hz: number;
  game: string;
  schema: unknown;
  /** The host's entity capacity: the largest entity id a snapshot can carry. */
  capacity: number;
  /** Election epoch of the host: a client never follows a host older than one it has seen. */
  epoch: number;
  reconnected: boolean;
}

export interface ErrorMsg {
  type: 'error';
  code: string;
  message: string;
}

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
      if (m.name !== undefined && (typeof m.name !== 'string' || m.name.length > 32)) {
        return invalid('join.name must be a string of at most 32 characters');
      }
      if (m.token !== undefined && (typeof m.token !== 'string' || !UUID.test(m.token))) {
        return invalid('join.token must be a uuid v4 string');
      }
      const msg: JoinMsg = { type: 'join', protocol };
      if (m.name !== undefined) msg.name = m.name as string;
      if (m.token !== undefined) msg.token = m.token as string;
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
      return { ok: true, msg: { type: 'input', ack, inputs } };
    }
    case ClientMsg.ACK:
      // -1: "I have no usable base, send a full snapshot"
      if (!isInt(m.tick, -1, U32)) return invalid('ack.tick must be an integer tick or -1');
      return { ok: true, msg: { type: 'ack', tick: m.tick } };
    case ClientMsg.PING:
      if (typeof m.id !== 'number' || !Number.isFinite(m.id)) return invalid('ping.id must be a number');
      return { ok: true, msg: { type: 'ping', id: m.id } };
    case ClientMsg.LEAVE:
      return { ok: true, msg: { type: 'leave' } };
    case ClientMsg.STATS:
      return { ok: true, msg: { type: 'stats' } };
    default:
      return { ok: false, error: protocolError(ErrorCode.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`) };
  }
}

export const errorMsg = (e: ProtocolError): ErrorMsg => ({ type: 'error', code: e.code, message: e.message });
