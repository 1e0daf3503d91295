// Bully election with epochs (seed 000's ELECTION / OK / COORDINATOR, plus what real
// systems need). A pure state machine: time and randomness come in through ElectionIO, so
// tests drive it with a fake clock and an in-memory network. States (docs/election.md):
//
//   searching ──host heard of──────────────────────────────► following
//       │ nothing heard for searchMs                              ▲   │ heartbeats stop
//       ▼                                                         │   ▼ (failMs + jitter)
//   electing ──OK from a higher id──► awaiting ──COORDINATOR──────┘  electing
//       │ no OK within okTimeoutMs        │ nothing within coordTimeoutMs
//       ▼                                 ▼
//   hosting ◄─────────────────────── electing again
//       │ a host with a higher (epoch, id) is heard of
//       └────────────────────────────────────────────────────────► following
//
// Rules:
// - The epoch only grows. A winner takes max(epoch seen) + 1. Every COORDINATOR and
//   heartbeat carries it; a host older in (epoch, host id) order is refused (fencing), and
//   whoever hears from a stale host answers with the newer host, so the stale one steps down.
// - No flapping: a healthy host is never deposed by a newcomer. A node that hears of a live
//   host (beacon, heartbeat) follows it, whatever the ids; elections only happen when no host
//   is heard from. A hosting node answers ELECTION with COORDINATOR.
// - Failure timeouts are randomised (jitter) so that followers do not all start at once.

export type NodeState = 'searching' | 'electing' | 'awaiting' | 'following' | 'hosting';

export type PeerMsg =
  | { t: 'election'; epoch: number }
  | { t: 'ok'; epoch: number }
  | { t: 'coordinator'; host: string; epoch: number }
  | { t: 'heartbeat'; host: string; epoch: number };

export interface ElectionIO {
  now(): number;
  random(): number;
  send(to: string, msg: PeerMsg): void;
  /** Ids of the peers this node can talk to right now. */
  peers(): string[];
  becomeHost(epoch: number): void;
  follow(host: string, epoch: number): void;
  stepDown(): void;
}

export interface ElectionTiming {
  searchMs: number;
  okTimeoutMs: number;
  coordTimeoutMs: number;
  heartbeatMs: number;
  failMs: number;
  failJitterMs: number;
  /**
   * How long after the link to the host ends from its side without a word (its process died:
   * the kernel closed its sockets) it is taken for dead. 0: at once.
   */
  linkLostMs: number;
  /**
   * The same, for a link closed on purpose (for its silence, or a protocol error, by either
   * end: peer-mesh.ts): the host may live, and a new link to it come up within this time.
   */
  linkClosedMs: number;
}

export const DEFAULT_TIMING: ElectionTiming = {
  searchMs: 700,
  okTimeoutMs: 150,
  coordTimeoutMs: 400,
  heartbeatMs: 100,
  failMs: 450,
  failJitterMs: 250,
  // A link that ends from the host's side without a "bye" (peer-mesh.ts): its process died or
  // left the session; nothing can come from it any more, and waiting only delays the takeover.
  linkLostMs: 0,
  // A link closed on purpose, while the host may live (a paused host resumed finds the links
  // its peers closed for its silence, and hears of the new host and links up again within ms).
  linkClosedMs: 200,
};

/** (epoch, host id) order: who wins when two hosts meet. */
export function newer(e1: number, h1: string, e2: number, h2: string): boolean {
  return e1 > e2 || (e1 === e2 && h1 > h2);
}

export class Election {
  state: NodeState = 'searching';
  /** Epoch of the current host (when following or hosting). */
  epoch = 0;
  /** Highest epoch ever heard of: the next winner takes this + 1; anything older is stale. */
  maxEpoch = 0;
  host = '';
  private deadline = 0;
  private lastHeard = 0;
  private failAfter = 0;
  private lastBeat = 0;

  constructor(
    readonly self: string,
    private readonly io: ElectionIO,
    readonly timing: ElectionTiming = DEFAULT_TIMING,
  ) {}

  start(): void {
    this.state = 'searching';
    this.deadline = this.io.now() + this.timing.searchMs;
  }

  /** Call often (every ~20 ms): timeouts and heartbeats. */
  tick(): void {
    const now = this.io.now();
    switch (this.state) {
      case 'searching':
      case 'electing':
        if (now >= this.deadline) {
          if (this.state === 'searching') this.startElection();
          else this.win();
        }
        return;
      case 'awaiting':
        if (now >= this.deadline) this.startElection();
        return;
      case 'following':
        if (now - this.lastHeard > this.failAfter) this.startElection();
        return;
      case 'hosting':
        if (now - this.lastBeat >= this.timing.heartbeatMs) {
          this.lastBeat = now;
          for (const p of this.io.peers()) this.io.send(p, { t: 'heartbeat', host: this.self, epoch: this.epoch });
        }
        return;
    }
  }

  onMessage(from: string, m: PeerMsg): void {
    switch (m.t) {
      case 'election':
        if (this.state === 'hosting') {
          this.io.send(from, { t: 'coordinator', host: this.self, epoch: this.epoch });
          return;
        }
        if (this.state === 'following' && this.hostAlive()) {
          // a live host exists: tell the newcomer instead of starting an election
          this.io.send(from, { t: 'coordinator', host: this.host, epoch: this.epoch });
          return;
        }
        if (from < this.self) {
          this.io.send(from, { t: 'ok', epoch: this.epoch });
          if (this.state !== 'electing' && this.state !== 'awaiting') this.startElection();
        }
        return;
      case 'ok':
        if (this.state === 'electing' && from > this.self) {
          this.state = 'awaiting';
          this.deadline = this.io.now() + this.timing.coordTimeoutMs;
        }
        return;
      case 'coordinator':
      case 'heartbeat':
        this.heardOfHost(from, m.host, m.epoch);
        return;
    }
  }

  /** A beacon says `node` follows (or is) `host` at `epoch`. */
  onBeacon(node: string, host: string, epoch: number): void {
    if (!host) return;
    // a follower's word for its host is second-hand: only taken when it names a newer host
    if (host === node || newer(epoch, host, this.epoch, this.host)) this.heardOfHost(node, host, epoch, host === node);
  }

  /**
   * The link to a peer ended: 'lost' from its side without a word (its process died), or
   * 'closed' on purpose by either end (peer-mesh.ts).
   */
  onPeerLost(peer: string, how: 'lost' | 'closed'): void {
    if (this.state !== 'following' || peer !== this.host) return;
    // the link to the host ended: don't wait for its silence timeout in full
    const waitMs = how === 'lost' ? this.timing.linkLostMs : this.timing.linkClosedMs;
    this.failAfter = Math.min(this.failAfter, this.io.now() - this.lastHeard + waitMs);
    if (waitMs <= 0) this.startElection();
  }

  private hostAlive(): boolean {
    return this.io.now() - this.lastHeard <= this.failAfter;
  }

  /** Someone says `host` rules at `epoch`; `direct`: heard from that host itself. */
  private heardOfHost(from: string, host: string, epoch: number, direct = true): void {
    if (host === this.self) return;
    const current = this.state === 'hosting' || this.state === 'following';
    const same = current && epoch === this.epoch && host === this.host;
    const stale = !same && (epoch < this.maxEpoch || (current && !newer(epoch, host, this.epoch, this.host)));
    if (stale) {
      // fence it: tell the stale host who rules now, so it steps down
      if (direct && from === host && current) this.io.send(from, { t: 'coordinator', host: this.host, epoch: this.epoch });
      return;
    }
    if (epoch > this.maxEpoch) this.maxEpoch = epoch;
    if (this.state === 'hosting') this.io.stepDown();
    const changed = !same;
    this.state = 'following';
    this.host = host;
    this.epoch = epoch;
    this.lastHeard = this.io.now();
    if (changed || this.failAfter === 0) this.failAfter = this.timing.failMs + this.io.random() * this.timing.failJitterMs;
    if (changed) this.io.follow(host, epoch);
  }

  private startElection(): void {
    this.state = 'electing';
    this.host = '';
    const higher = this.io.peers().filter((p) => p > this.self);
    if (higher.length === 0) return this.win();
    for (const p of higher) this.io.send(p, { t: 'election', epoch: this.epoch });
    this.deadline = this.io.now() + this.timing.okTimeoutMs;
  }

  private win(): void {
    this.maxEpoch += 1;
    this.epoch = this.maxEpoch;
    this.state = 'hosting';
    this.host = this.self;
    this.lastBeat = this.io.now();
    for (const p of this.io.peers()) this.io.send(p, { t: 'coordinator', host: this.self, epoch: this.epoch });
    this.io.becomeHost(this.epoch);
  }
}
