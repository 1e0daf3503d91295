// The `peers` message (host -> client, every mode but seed 003; docs/protocol.md "Peers"):
// where the other nodes of a LAN session take clients if they become host. A browser cannot
// hear the discovery beacons (UDP), so the host tells its clients; a client that loses its
// host tries these game ports, in `rank` order, with its session token.
//
//   { type: "peers",
//     epoch: <the sending host's election epoch, uint32>,
//     host:  <the sending host's node id, uuid v4>,
//     peers: [ { id: <node uuid v4>, ip: <IPv4 or host name>, port: <1..65535>,
//                rank: <0 = the first in line to host next, 1, ...> }, ... ] }   at most MAX_PEERS
//
// Sent after the welcome, and again to every client whenever the set changes (a peer comes
// or goes). Only nodes of the host's own session and game, linked to it on the peer mesh.
// Rank follows the election (src/net/lan/election.ts): the highest id left wins, so rank 0
// is the highest id. A dedicated host (`lanparty host`, no LAN) sends none.
//
// A client checks every field before using a list (readPeersMsg): a malformed one is dropped
// whole, with its reason, and the previous list is kept. Browser-safe: no Node-only API.

import { HostMsg } from './messages.js';

/** At most this many peers in one list (a LAN session is a room of machines, not a server farm). */
export const MAX_PEERS = 64;

export interface PeerEntry {
  /** The node's id (uuid v4): its rank in the election. */
  id: string;
  /** Where its game port is: an IPv4 address (or a host name). */
  ip: string;
  port: number;
  /** Order of succession: 0 is the node that wins the next election if it is alive. */
  rank: number;
}

export interface PeersMsg {
  type: typeof HostMsg.PEERS;
  /** The sending host's election epoch (the same as in its welcome). */
  epoch: number;
  /** The sending host's node id. */
  host: string;
  /** Ordered by rank. */
  peers: PeerEntry[];
}

/** Why a peer list was dropped (a client counts each). */
export const PeerListDrop = {
  NOT_A_LIST: 'peers.not_a_list',
  TOO_MANY: 'peers.too_many',
  BAD_ID: 'peers.bad_id',
  BAD_ADDRESS: 'peers.bad_address',
  BAD_PORT: 'peers.bad_port',
  BAD_RANK: 'peers.bad_rank',
  DUPLICATE: 'peers.duplicate',
  SELF: 'peers.self',
  STALE_EPOCH: 'peers.stale_epoch',
} as const;
export type PeerListDrop = (typeof PeerListDrop)[keyof typeof PeerListDrop];

/** A node id: a uuid v4, lower case (as beacons carry it). */
export const NODE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 chars at most. */
const HOST_NAME = /^(?=.{1,253}$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i;

export const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536;

/** An IPv4 address, or a host name that cannot be mistaken for a malformed one ("300.1.1.1"). */
export function isHostAddress(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  if (IPV4.test(v)) return true;
  return HOST_NAME.test(v) && !/^[\d.]+$/.test(v);
}

/** The host a client is connected to: the list may not name it. */
export interface CurrentHost {
  ip: string;
  port: number;
  /** Its election epoch, from its welcome. */
  epoch: number;
}

export type ReadPeers = { ok: true; msg: PeersMsg } | { ok: false; reason: PeerListDrop; detail: string };

/** Check a `peers` message from the host `from`. Never throws; the result is a fresh copy. */
export function readPeersMsg(m: Record<string, unknown>, from: CurrentHost): ReadPeers {
  const drop = (reason: PeerListDrop, detail: string): ReadPeers => ({ ok: false, reason, detail });
  if (!Array.isArray(m.peers)) return drop(PeerListDrop.NOT_A_LIST, 'peers must be an array');
  if (m.peers.length > MAX_PEERS) return drop(PeerListDrop.TOO_MANY, `${m.peers.length} peers (at most ${MAX_PEERS})`);
  if (typeof m.host !== 'string' || !NODE_ID.test(m.host)) return drop(PeerListDrop.BAD_ID, 'host must be a node id (uuid v4)');
  // a list from another epoch is not this host's word: a stale or confused sender
  if (m.epoch !== from.epoch) return drop(PeerListDrop.STALE_EPOCH, `epoch ${String(m.epoch).slice(0, 20)}, welcome said ${from.epoch}`);
  const peers: PeerEntry[] = [];
  const ids = new Set<string>([m.host]);
  const addresses = new Set<string>([`${from.ip}:${from.port}`]);
  const ranks = new Set<number>();
  for (const e of m.peers as unknown[]) {
    if (typeof e !== 'object' || e === null) return drop(PeerListDrop.NOT_A_LIST, 'a peer must be a map');
    const p = e as Record<string, unknown>;
    if (typeof p.id !== 'string' || !NODE_ID.test(p.id)) return drop(PeerListDrop.BAD_ID, 'a peer id must be a uuid v4');
    if (!isHostAddress(p.ip)) return drop(PeerListDrop.BAD_ADDRESS, `not an IPv4 address or host name: ${JSON.stringify(p.ip)?.slice(0, 40)}`);
    if (!isPort(p.port)) return drop(PeerListDrop.BAD_PORT, `port ${String(p.port).slice(0, 20)}`);
    if (!Number.isInteger(p.rank) || (p.rank as number) < 0 || (p.rank as number) >= m.peers.length) {
      return drop(PeerListDrop.BAD_RANK, `rank ${String(p.rank).slice(0, 20)}`);
    }
    const id = p.id;
    const at = `${p.ip.toLowerCase()}:${p.port}`;
    if (id === m.host || at === `${from.ip.toLowerCase()}:${from.port}`) return drop(PeerListDrop.SELF, `the list names its own host (${at})`);
    if (ids.has(id) || addresses.has(at) || ranks.has(p.rank as number)) return drop(PeerListDrop.DUPLICATE, `${at} twice`);
    ids.add(id);
    addresses.add(at);
    ranks.add(p.rank as number);
    peers.push({ id: p.id, ip: p.ip, port: p.port, rank: p.rank as number });
  }
  peers.sort((a, b) => a.rank - b.rank);
  return { ok: true, msg: { type: HostMsg.PEERS, epoch: from.epoch, host: m.host, peers } };
}

/**
 * The host's side: the list it sends, from the nodes it is linked to. Rank follows the
 * election: the highest id wins, so the peers go by id, highest first.
 */
export function peersMsg(epoch: number, host: string, nodes: Iterable<{ id: string; ip: string; port: number }>): PeersMsg {
  const peers = [...nodes]
    .filter((n) => n.id !== host)
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, MAX_PEERS)
    .map((n, rank) => ({ id: n.id, ip: n.ip, port: n.port, rank }));
  return { type: HostMsg.PEERS, epoch, host, peers };
}
