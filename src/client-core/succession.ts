// Which host a client goes to when it loses its host, for every client whatever finds the
// hosts: the epoch fence (never follow a host older than one already followed), the order
// of the next hosts to try (the host's `peers` list, by rank, then the lost host itself,
// whose network thread may simply have restarted), and the delays between rounds.
//
//   welcomed(epoch) ──► playing ──link drops──► next(): rank 0, rank 1, ..., the lost host
//        ▲  false: fenced (an older epoch):                 │ all refused: wait a round delay
//        │  close, next()                                  ▼ (50 ms x 60, then 100 ... 2 s)
//        └──────────────────────────────── a host answers with a welcome
//
// The terminal client finds hosts by their beacons (src/net/client/session-client.ts) and
// shares the fence; the web page, which cannot hear beacons, follows the peer list
// (src/web/migrate.ts). No Node-only API: the page runs this very code.

import { readPeersMsg, type PeerEntry, type PeerListDrop } from '../net/protocol/peers.js';

export interface HostAddress {
  ip: string;
  port: number;
}

/**
 * Epochs only grow (src/net/lan/election.ts): a host older than one a client has followed
 * is a stale one (a partitioned old host), and following it would split the session.
 */
export class EpochFence {
  /** The newest epoch of any host followed. */
  maxEpoch = 0;

  admits(epoch: number): boolean {
    return epoch >= this.maxEpoch;
  }

  /** Follow a host of `epoch`: false (nothing changes) when it is older than one followed. */
  adopt(epoch: number): boolean {
    if (!this.admits(epoch)) return false;
    this.maxEpoch = epoch;
    return true;
  }
}

/**
 * Delays between rounds of attempts: `minMs` for the first `steadyRounds` rounds (the window
 * in which a new host appears), then twice as long each round up to `maxMs`; reset when
 * welcomed.
 */
export class Backoff {
  private rounds = 0;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
    readonly steadyRounds = 0,
  ) {
    if (!(minMs >= 0 && maxMs >= minMs)) throw new RangeError('Backoff: minMs must be >= 0 and maxMs >= minMs');
    if (!(Number.isInteger(steadyRounds) && steadyRounds >= 0)) throw new RangeError('Backoff: steadyRounds must be an integer >= 0');
  }

  next(): number {
    const past = this.rounds++ - this.steadyRounds;
    return past < 0 ? this.minMs : Math.min(this.maxMs, this.minMs * 2 ** (past + 1));
  }

  reset(): void {
    this.rounds = 0;
  }
}

export interface SuccessionOptions {
  /**
   * Delay before each of the first rounds after a loss (default 50 ms). A new host listens
   * about 50 ms after its predecessor died (docs/benchmarks.md, failover: its threads wait
   * ready), longer on a busy machine: a round every 50 ms finds it soon after, and a refused
   * attempt costs a SYN and a RST on the LAN.
   */
  minDelayMs?: number;
  /** Rounds at minDelayMs before the delays grow (default 60: 3 s and more). */
  steadyRounds?: number;
  /** Longest delay between rounds, once they grow (default 2 s: a host that is gone for good). */
  maxDelayMs?: number;
}

const sameAddress = (a: HostAddress, b: HostAddress) => a.port === b.port && a.ip.toLowerCase() === b.ip.toLowerCase();

export class HostSuccession {
  readonly fence = new EpochFence();
  /** Peer lists dropped, by reason. */
  readonly drops = new Map<PeerListDrop, number>();
  /** Hosts that welcomed this client with an epoch older than one it followed. */
  fenced = 0;
  /** The newest valid peer list, by rank. */
  peers: PeerEntry[] = [];
  /** The host connected to, or being tried. */
  target: HostAddress;
  /** The host that welcomed this client last. */
  private home: HostAddress;
  /** Epoch of the connection's welcome (-1: not welcomed on this connection). */
  private epoch = -1;
  private queue: HostAddress[] = [];
  private readonly backoff: Backoff;

  constructor(first: HostAddress, o: SuccessionOptions = {}) {
    this.target = first;
    this.home = first;
    this.backoff = new Backoff(o.minDelayMs ?? 50, o.maxDelayMs ?? 2000, o.steadyRounds ?? 60);
  }

  /** Welcomed by the host being tried. False: it is older than a host followed; close it, take next(). */
  welcomed(epoch: number): boolean {
    if (!this.fence.adopt(epoch)) {
      this.fenced++;
      return false;
    }
    this.epoch = epoch;
    this.home = this.target;
    this.queue = [];
    this.backoff.reset();
    // until its own list comes, the old list is the best guess, minus the new host itself
    this.peers = this.peers.filter((p) => !sameAddress(p, this.target));
    return true;
  }

  /** A `peers` message from the host: kept, or dropped with its reason (returned; counted). */
  peerList(m: Record<string, unknown>): { ok: true } | { ok: false; reason: PeerListDrop; detail: string } {
    const r = readPeersMsg(m, { ...this.target, epoch: this.epoch });
    if (!r.ok) {
      this.drops.set(r.reason, (this.drops.get(r.reason) ?? 0) + 1);
      return r;
    }
    this.peers = r.msg.peers;
    return { ok: true };
  }

  /**
   * The connection closed, or an attempt failed: the host to try now, and how long to wait
   * first. A round tries the peers by rank, then the lost host; rounds are spaced by the backoff.
   */
  next(): { target: HostAddress; delayMs: number } {
    this.epoch = -1;
    let delayMs = 0;
    if (this.queue.length === 0) {
      this.queue = [...this.peers.map((p) => ({ ip: p.ip, port: p.port })), this.home];
      delayMs = this.backoff.next();
    }
    this.target = this.queue.shift()!;
    return { target: this.target, delayMs };
  }
}
