// Every message between the main thread (HostServer) and a network thread (net-thread.ts)
// has a named type here. Nothing of the hot path crosses this boundary: inputs go into the
// thread's own command queue and snapshots come from the ring, both in shared memory. What
// crosses it is rare: a session created or ended (the main thread keeps a copy, so a thread
// that dies can be restarted with its players' tokens still valid, and so backups get them),
// the sim's stats once a second, the LAN peer list when it changes, stop.

import type { MessagePort } from 'node:worker_threads';
import type { SimStats } from '../../workers/messages.js';
import type { ChatLimits } from './chat.js';
import type { ConnectionLimits } from './connection.js';
import type { HttpLimits } from './http.js';
import type { SendHz } from '../protocol/messages.js';
import type { PeersMsg } from '../protocol/peers.js';
import type { SessionRecord } from './sessions.js';

export interface NetOptions {
  gameName: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  /** Ticks per second of the simulation (sent in the welcome). */
  hz: number;
  bind: string;
  /** 0 picks a free port. */
  port: number;
  maxConnections: number;
  handshakeTimeoutMs: number;
  graceMs: number;
  stuckMs: number;
  joinTimeoutTicks: number;
  limits: ConnectionLimits;
  /** The HTTP front (web page, WebSocket) of the game port. */
  http: HttpLimits;
  epoch: number;
  chat: Partial<ChatLimits>;
  sendHz: SendHz;
  interest: boolean;
  budgetBytesPerSec: number;
  /** Accept a FaultMessage (tests only). */
  faultInjection: boolean;
}

/** The task a network thread runs for as long as it lives (piscina task, see host-server.ts). */
export interface NetTask {
  options: NetOptions;
  ringBuffer: SharedArrayBuffer;
  controlBuffer: SharedArrayBuffer;
  /** This thread's command queue: it is its only producer. */
  queueBuffer: SharedArrayBuffer;
  statsBuffer: SharedArrayBuffer;
  /**
   * The thread's CPU by stage (src/engine/thread-cpu.ts: StageClock.mirrorTo, readMirror):
   * in shared memory, so the main thread reads it even while this thread is too busy to answer.
   */
  clockBuffer: SharedArrayBuffer;
  /**
   * Int32[1]: the highest input seq any session of this host has handed to the sim. A thread
   * that replaces a dead one numbers the inputs of the sessions it takes over from above it,
   * so the sim (which drops inputs not above the newest it saw per client) takes them.
   */
  seqBuffer: SharedArrayBuffer;
  /** Sessions to honour (a restarted thread, or a migrated host): tokens valid for the grace. */
  sessions: { records: SessionRecord[]; nextClient: number } | null;
  /** The LAN peers to tell clients of (a LAN host; null: a dedicated host, none sent). */
  peers: PeersMsg | null;
  port: MessagePort;
}

/** How the network thread's task ends. */
export type NetTaskResult =
  | { stopped: true }
  /**
   * The listener could not start. An Error crossing threads keeps only its message, so the
   * fields a person's explanation needs (src/net/listen.ts) come back as values.
   */
  | { listenFailed: { message: string; code: string | undefined; address: string | undefined; port: number | undefined } };

export interface ListeningMessage {
  type: 'listening';
  port: number;
}

/** A session was created or changed (entity, name): the main thread's copy follows. */
export interface SessionMessage {
  type: 'session';
  record: SessionRecord;
  nextClient: number;
}

export interface SessionEndMessage {
  type: 'session-end';
  client: number;
}

/** Answer to HeapMessage: the network thread's heap after a full GC (when exposed). */
export interface HeapAnswer {
  type: 'heap';
  heapUsed: number;
}

export type FromNetThread = ListeningMessage | SessionMessage | SessionEndMessage | HeapAnswer;

export interface SimInfoMessage {
  type: 'sim';
  stats: SimStats | null;
  restarts: number;
}

export interface StopMessage {
  type: 'stop';
}

/** Tests only (needs faultInjection): the thread throws from its event loop and dies. */
export interface NetFaultMessage {
  type: 'fault';
}

/** The bench's heap per connection: collect garbage (under --expose-gc) and tell the heap used. */
export interface HeapMessage {
  type: 'heap';
}

/** The LAN peer set changed: every client is sent the new list (and each new one after its welcome). */
export interface PeersUpdateMessage {
  type: 'peers';
  peers: PeersMsg;
}

export type ToNetThread = SimInfoMessage | StopMessage | NetFaultMessage | HeapMessage | PeersUpdateMessage;
