import { describe, expect, it } from 'vitest';
import { Backoff, EpochFence, HostSuccession } from '../../src/client-core/succession.js';
import { PeerListDrop } from '../../src/net/protocol/peers.js';

const hostId = 'aaaaaaaa-0000-4000-8000-000000000000';
const idHigh = 'ffffffff-0000-4000-8000-000000000000';
const idLow = 'bbbbbbbb-0000-4000-8000-000000000000';
const first = { ip: '127.0.0.60', port: 47380 };
const peers = (epoch: number) => ({
  type: 'peers',
  epoch,
  host: hostId,
  peers: [
    { id: idLow, ip: '127.0.0.62', port: 47380, rank: 1 },
    { id: idHigh, ip: '127.0.0.61', port: 47380, rank: 0 },
  ],
});
const addr = (s: HostSuccession) => `${s.target.ip}:${s.target.port}`;

describe('host succession', () => {
  it('after a loss, tries the peers by rank, then the lost host, then waits a longer delay each round', () => {
    const s = new HostSuccession(first, { minDelayMs: 100, maxDelayMs: 500, steadyRounds: 2 });
    expect(s.welcomed(1)).toBe(true);
    expect(s.peerList(peers(1))).toEqual({ ok: true });
    const tries: string[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      delays.push(s.next().delayMs);
      tries.push(addr(s));
    }
    expect(tries.slice(0, 3)).toEqual(['127.0.0.61:47380', '127.0.0.62:47380', '127.0.0.60:47380']);
    expect(tries.slice(3, 6)).toEqual(tries.slice(0, 3));
    // a delay before each round, none between the hosts of a round
    expect(delays).toEqual([100, 0, 0, 100, 0, 0, 200, 0, 0, 400, 0, 0]);
  });

  it('without a peer list (a dedicated host) it retries the one host it knows', () => {
    const s = new HostSuccession(first, { steadyRounds: 1 });
    s.welcomed(0);
    expect([s.next(), s.next(), s.next()].map((n) => `${n.target.ip}:${n.target.port} ${n.delayMs}`)).toEqual([
      '127.0.0.60:47380 50',
      '127.0.0.60:47380 100',
      '127.0.0.60:47380 200',
    ]);
  });

  it('the new host becomes home: the next loss starts over from its own list, delays reset', () => {
    const s = new HostSuccession(first);
    s.welcomed(1);
    s.peerList(peers(1));
    s.next();
    s.next();
    expect(s.next().delayMs).toBe(0);
    s.next(); // round 2 begins at rank 0: 127.0.0.61
    expect(s.welcomed(2)).toBe(true);
    // until it sends its own list, the old one minus the new host itself
    expect(s.peers.map((p) => p.ip)).toEqual(['127.0.0.62']);
    const n = s.next();
    expect([n.target.ip, n.delayMs]).toEqual(['127.0.0.62', 50]);
    expect(s.next().target.ip).toBe('127.0.0.61'); // the home it last played on
  });

  it('fences a host older than one it followed, and counts it', () => {
    const s = new HostSuccession(first);
    expect(s.welcomed(3)).toBe(true);
    s.next();
    expect(s.welcomed(2)).toBe(false);
    expect(s.fenced).toBe(1);
    expect(s.fence.maxEpoch).toBe(3);
    expect(s.welcomed(3)).toBe(true); // the same epoch: the same host, back after a restart
  });

  it('drops a malformed list with a counted reason and keeps the previous one', () => {
    const s = new HostSuccession(first);
    s.welcomed(1);
    s.peerList(peers(1));
    const bad = { ...peers(1), peers: [{ id: idHigh, ip: '999.0.0.1', port: 47380, rank: 0 }] };
    expect(s.peerList(bad)).toMatchObject({ ok: false, reason: PeerListDrop.BAD_ADDRESS });
    expect(s.peerList({ ...peers(1), peers: null })).toMatchObject({ ok: false, reason: PeerListDrop.NOT_A_LIST });
    expect(s.peerList(peers(0))).toMatchObject({ ok: false, reason: PeerListDrop.STALE_EPOCH });
    expect(Object.fromEntries(s.drops)).toEqual({ [PeerListDrop.BAD_ADDRESS]: 1, [PeerListDrop.NOT_A_LIST]: 1, [PeerListDrop.STALE_EPOCH]: 1 });
    expect(s.peers.map((p) => p.rank)).toEqual([0, 1]);
  });

  it('a list that arrives before the welcome is refused (no epoch to check it against)', () => {
    const s = new HostSuccession(first);
    expect(s.peerList(peers(0))).toMatchObject({ ok: false, reason: PeerListDrop.STALE_EPOCH });
  });
});

describe('epoch fence and backoff', () => {
  it('the fence admits the newest epoch and the same again, never an older one', () => {
    const f = new EpochFence();
    expect(f.adopt(2)).toBe(true);
    expect(f.admits(2)).toBe(true);
    expect(f.admits(1)).toBe(false);
    expect(f.adopt(1)).toBe(false);
    expect(f.maxEpoch).toBe(2);
  });

  it('backoff holds its first delay for the steady rounds, then doubles up to its cap, and starts over on reset', () => {
    const b = new Backoff(50, 300, 2);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 50, 100, 200, 300, 300]);
    b.reset();
    expect(b.next()).toBe(50);
    expect(new HostSuccession(first).next().delayMs).toBe(50); // the defaults: 50 ms, 60 rounds, 2 s
  });

  it('bad backoff bounds are refused with a RangeError naming the option', () => {
    expect(() => new Backoff(100, 50)).toThrow(/maxMs/);
    expect(() => new Backoff(-1, 50)).toThrow(/minMs/);
    expect(() => new Backoff(10, 50, 1.5)).toThrow(/steadyRounds/);
  });
});
