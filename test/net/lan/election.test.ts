import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, Election, type PeerMsg } from '../../../src/net/lan/election.js';

/** N election state machines on an in-memory network with a fake clock and 1 ms latency. */
class Cluster {
  now = 0;
  readonly nodes = new Map<string, Election>();
  readonly down = new Set<string>();
  /** Pairs that cannot talk (a partition). */
  readonly cut = new Set<string>();
  private queue: Array<{ at: number; to: string; from: string; m: PeerMsg }> = [];
  readonly log: string[] = [];
  hostings = new Map<string, number>();
  private seed = 1;

  add(id: string): Election {
    const e: Election = new Election(id, {
      now: () => this.now,
      random: () => ((this.seed = (this.seed * 16807) % 2147483647) / 2147483647),
      send: (to, m) => {
        if (this.down.has(id) || this.down.has(to) || this.cut.has(`${id}|${to}`)) return;
        this.queue.push({ at: this.now + 1, to, from: id, m });
      },
      peers: () => [...this.nodes.keys()].filter((p) => p !== id && !this.down.has(p) && !this.cut.has(`${id}|${p}`)),
      becomeHost: (epoch) => {
        this.log.push(`${id} hosts ${epoch}`);
        this.hostings.set(id, epoch);
      },
      follow: (host, epoch) => this.log.push(`${id} follows ${host}@${epoch}`),
      stepDown: () => {
        this.log.push(`${id} steps down`);
        this.hostings.delete(id);
      },
    });
    this.nodes.set(id, e);
    e.start();
    return e;
  }

  /** kill -9: the node is gone and every peer's link to it drops (the kernel closes them), in this order. */
  kill(id: string, order: 'ascending' | 'descending'): void {
    this.down.add(id);
    const peers = [...this.nodes.keys()].filter((p) => !this.down.has(p)).sort();
    if (order === 'descending') peers.reverse();
    for (const p of peers) this.nodes.get(p)!.onPeerLost(id, 'lost');
  }

  partition(a: string[], b: string[]): void {
    for (const x of a) for (const y of b) this.cut.add(`${x}|${y}`).add(`${y}|${x}`);
  }

  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 1;
      const due = this.queue.filter((q) => q.at <= this.now);
      this.queue = this.queue.filter((q) => q.at > this.now);
      for (const q of due) if (!this.down.has(q.to)) this.nodes.get(q.to)!.onMessage(q.from, q.m);
      if (this.now % 10 === 0) for (const [id, e] of this.nodes) if (!this.down.has(id)) e.tick();
    }
  }

  hosts(): string[] {
    return [...this.nodes].filter(([id, e]) => !this.down.has(id) && e.state === 'hosting').map(([id]) => id);
  }

  followersOf(host: string): string[] {
    return [...this.nodes].filter(([id, e]) => !this.down.has(id) && e.state === 'following' && e.host === host).map(([id]) => id);
  }
}

const ids = ['a1', 'b2', 'c3', 'd4', 'e5'];

describe('bully election with epochs', () => {
  it('election: five nodes converge on the highest id, everyone following it at epoch 1', () => {
    const c = new Cluster();
    for (const id of ids) c.add(id);
    c.run(DEFAULT_TIMING.searchMs + 1000);
    expect(c.hosts()).toEqual(['e5']);
    expect(c.followersOf('e5').sort()).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(c.nodes.get('a1')!.epoch).toBe(1);
  });

  it('election: when the host dies, exactly one new host (the highest left) takes epoch 2', () => {
    const c = new Cluster();
    for (const id of ids) c.add(id);
    c.run(2000);
    c.down.add('e5');
    c.run(2000);
    expect(c.hosts()).toEqual(['d4']);
    expect(c.nodes.get('d4')!.epoch).toBe(2);
    expect(c.followersOf('d4').sort()).toEqual(['a1', 'b2', 'c3']);
  });

  for (const order of ['ascending', 'descending'] as const) {
    it(`election: when the host's links drop (its process killed; peers notice in ${order} id order), the highest left hosts at once, alone, at epoch 2`, () => {
      const c = new Cluster();
      for (const id of ids) c.add(id);
      c.run(2000);
      c.log.length = 0;
      c.kill('e5', order);
      // at once: the winner had no higher peer to ask, nothing waited for a silence timeout
      expect(c.hosts()).toEqual(['d4']);
      c.run(DEFAULT_TIMING.failMs / 10); // a few message hops, far short of any silence timeout
      expect(c.hosts()).toEqual(['d4']);
      expect(c.nodes.get('d4')!.epoch).toBe(2);
      expect(c.followersOf('d4').sort()).toEqual(['a1', 'b2', 'c3']);
      c.run(3000);
      expect(c.log.filter((l) => l.includes('hosts'))).toEqual(['d4 hosts 2']);
      expect(c.followersOf('d4').sort()).toEqual(['a1', 'b2', 'c3']);
    });
  }

  it('election: a link to the host closed on purpose (not lost: the host may live) is given time to come back; no takeover meanwhile', () => {
    const c = new Cluster();
    for (const id of ids) c.add(id);
    c.run(2000);
    c.log.length = 0;
    // d4 closed its link to e5 (say, for a protocol error); it is dialled again 150 ms later
    c.partition(['d4'], ['e5']);
    c.nodes.get('d4')!.onPeerLost('e5', 'closed');
    c.run(150);
    c.cut.clear();
    c.run(3000);
    expect(c.hosts()).toEqual(['e5']);
    expect(c.followersOf('e5').sort()).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(c.log.filter((l) => l.includes('hosts'))).toEqual([]);
  });

  it('election: a paused host that comes back with an older epoch steps down (fencing)', () => {
    const c = new Cluster();
    for (const id of ids) c.add(id);
    c.run(2000);
    c.down.add('e5'); // SIGSTOP: it neither sends nor receives
    c.run(2000);
    c.down.delete('e5'); // SIGCONT: it still thinks it hosts epoch 1
    expect(c.nodes.get('e5')!.state).toBe('hosting');
    c.run(1000);
    expect(c.hosts()).toEqual(['d4']);
    expect(c.nodes.get('e5')!.state).toBe('following');
    expect(c.nodes.get('e5')!.host).toBe('d4');
    expect(c.log).toContain('e5 steps down');
  });

  it('election: a newcomer with a higher id does not depose a healthy host (no flapping)', () => {
    const c = new Cluster();
    for (const id of ['a1', 'b2', 'c3']) c.add(id);
    c.run(2000);
    expect(c.hosts()).toEqual(['c3']);
    c.add('z9');
    c.run(3000);
    expect(c.hosts()).toEqual(['c3']);
    expect(c.nodes.get('z9')!.state).toBe('following');
    expect(c.log.filter((l) => l.includes('hosts'))).toEqual(['c3 hosts 1']);
  });

  it('election: after a 2|3 partition heals there is exactly one host again', () => {
    const c = new Cluster();
    for (const id of ids) c.add(id);
    c.run(2000);
    c.partition(['d4', 'e5'], ['a1', 'b2', 'c3']);
    c.run(3000);
    expect(c.hosts().sort()).toEqual(['c3', 'e5']); // each side has a host meanwhile
    c.cut.clear();
    c.run(1500);
    const hosts = c.hosts();
    expect(hosts).toHaveLength(1);
    expect(c.followersOf(hosts[0]!)).toHaveLength(4);
  });
});
