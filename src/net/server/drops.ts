// Every dropped datagram, frame or message is counted by reason and logged, at most once a
// second per reason so a flood cannot flood the log as well. The reasons are the error
// codes a peer is told (src/net/errors.ts) and the table below, for what nobody is told.

import type { Logger } from '../../engine/log.js';
import type { ErrorCode } from '../errors.js';
import { UdpDrop } from '../protocol/udp.js';

/** Why something was dropped without telling its sender (the counts `lanparty top` shows). */
export const DropReason = {
  // snapshots (the host's own work, not a peer's fault)
  /** The ring slot was overwritten before it could be encoded (the encoder fell 32 ticks behind). */
  SNAPSHOT_UNREADABLE: 'snapshot.unreadable',
  /** Encoding a snapshot threw (a bug: logged with its error); its clients get a full one next. */
  SNAPSHOT_ENCODE_FAILED: 'snapshot.encode_failed',
  /** A command could not be queued for the sim: the network thread's queue was full. */
  QUEUE_FULL: 'queue.full',
  // discovery datagrams (src/net/lan/beacon.ts, discovery.ts)
  BEACON_TOO_LARGE: 'beacon.too_large',
  BEACON_NOT_JSON: 'beacon.not_json',
  BEACON_NOT_OBJECT: 'beacon.not_object',
  BEACON_VERSION: 'beacon.version',
  BEACON_BAD_ID: 'beacon.bad_id',
  BEACON_BAD_SEQ: 'beacon.bad_seq',
  BEACON_UNSIGNED: 'beacon.unsigned',
  BEACON_BAD_MAC: 'beacon.bad_mac',
  BEACON_BAD_KIND: 'beacon.bad_kind',
  BEACON_BAD_NAME: 'beacon.bad_name',
  BEACON_BAD_IP: 'beacon.bad_ip',
  BEACON_BAD_PORT: 'beacon.bad_port',
  BEACON_BAD_HOST: 'beacon.bad_host',
  BEACON_BAD_COUNT: 'beacon.bad_count',
  /** A signed datagram whose sequence number is not above the last one seen from its sender. */
  BEACON_REPLAY: 'beacon.replay',
  QUERY_REPLY_LARGER_THAN_QUERY: 'query.reply_larger_than_query',
  QUERY_RATE_LIMITED: 'query.rate_limited',
  DISCOVERY_SEND_FAILED: 'discovery.send_failed',
  // peer links (src/net/lan/peer-mesh.ts): the link is closed
  PEER_BAD_PREAMBLE: 'peer.bad_preamble',
  PEER_FRAME_TOO_LARGE: 'peer.frame_too_large',
  PEER_BAD_FRAME: 'peer.bad_frame',
  PEER_BAD_MAC: 'peer.bad_mac',
  PEER_BAD_ENCODING: 'peer.bad_encoding',
  PEER_BAD_MESSAGE: 'peer.bad_message',
  PEER_REPLAY: 'peer.replay',
  PEER_BAD_HELLO: 'peer.bad_hello',
  PEER_WRONG_SENDER: 'peer.wrong_sender',
  PEER_HANDLER_ERROR: 'peer.handler_error',
  PEER_SILENT: 'peer.silent',
  // the HTTP front of the game port (src/net/server/http.ts): answered with a status, closed
  HTTP_NOT_FOUND: 'http.not_found',
  HTTP_BAD_METHOD: 'http.bad_method',
  HTTP_BAD_REQUEST: 'http.bad_request',
  HTTP_HEAD_TOO_LARGE: 'http.head_too_large',
  /** No whole request head within the head timeout (slowloris): 408, cut. */
  HTTP_TIMEOUT: 'http.timeout',
  /** Over the cap of HTTP sockets open at once: 503. */
  HTTP_TOO_MANY: 'http.too_many',
  /** WebSocket upgrades over their rate: 503. */
  WS_UPGRADE_FLOOD: 'ws.upgrade_flood',
  /** An upgrade request ws refused (bad key, version...): 400. */
  WS_BAD_UPGRADE: 'ws.bad_upgrade',
  /** A text WebSocket message (the protocol is binary): closed with 1003. */
  WS_TEXT_MESSAGE: 'ws.text_message',
  /** A WebSocket frame ws could not use (bad opcode, unmasked...): ws closes it (1002). */
  WS_BAD_FRAME: 'ws.bad_frame',
  // replicated state (src/net/lan/node.ts)
  REPLICA_INVALID: 'replica.invalid',
  REPLICA_STALE_EPOCH: 'replica.stale_epoch',
  // UDP datagrams (src/net/protocol/udp.ts)
  ...UdpDrop,
} as const;

export type DropReason = ErrorCode | (typeof DropReason)[keyof typeof DropReason];

export class DropCounter {
  /** Counts by reason (a plain record: what stats and `lanparty top` report). */
  readonly counts: Record<string, number> = {};
  private readonly lastLog = new Map<DropReason, { at: number; since: number }>();

  constructor(private readonly log: Logger) {}

  count(reason: DropReason, detail?: Record<string, unknown>): void {
    const total = (this.counts[reason] ?? 0) + 1;
    this.counts[reason] = total;
    const now = performance.now();
    const l = this.lastLog.get(reason);
    if (!l || now - l.at >= 1000) {
      this.log.warn({ reason, total, sinceLastLog: l ? l.since + 1 : 1, ...detail }, 'dropped');
      this.lastLog.set(reason, { at: now, since: 0 });
    } else {
      l.since++;
    }
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
