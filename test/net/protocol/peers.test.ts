import { randomUUID } from 'node:crypto';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MAX_PEERS, PeerListDrop, isHostAddress, peersMsg, readPeersMsg } from '../../../src/net/protocol/peers.js';

const HOST = { ip: '127.0.0.60', port: 47380, epoch: 3 };
const hostId = 'aaaaaaaa-0000-4000-8000-000000000000';
const idA = 'ffffffff-0000-4000-8000-000000000000';
const idB = 'bbbbbbbb-0000-4000-8000-000000000000';

const list = (peers: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'peers', epoch: 3, host: hostId, peers, ...extra });
const good = () => [
  { id: idA, ip: '127.0.0.61', port: 47380, rank: 0 },
  { id: idB, ip: 'lan-box.local', port: 5050, rank: 1 },
];

describe('peers message', () => {
  it('the host lists its peers by election rank: the highest id first, itself never', () => {
    const m = peersMsg(3, hostId, [
      { id: idB, ip: '10.0.0.2', port: 5050 },
      { id: hostId, ip: '10.0.0.1', port: 5050 },
      { id: idA, ip: '10.0.0.3', port: 5050 },
    ]);
    expect(m).toEqual({
      type: 'peers',
      epoch: 3,
      host: hostId,
      peers: [
        { id: idA, ip: '10.0.0.3', port: 5050, rank: 0 },
        { id: idB, ip: '10.0.0.2', port: 5050, rank: 1 },
      ],
    });
  });

  it('a well-formed list round-trips through msgpack and is read back by rank', () => {
    const wire = new Packr({ useRecords: false }).unpack(new Packr({ useRecords: false }).pack(list(good().reverse())));
    const r = readPeersMsg(wire, HOST);
    expect(r.ok && r.msg.peers.map((p) => p.rank)).toEqual([0, 1]);
    expect(r.ok && r.msg.peers[1]!.ip).toBe('lan-box.local');
  });

  it('an empty list is valid (every peer left)', () => {
    expect(readPeersMsg(list([]), HOST)).toMatchObject({ ok: true, msg: { peers: [] } });
  });

  const bad: Array<[string, Record<string, unknown>, PeerListDrop]> = [
    ['peers not an array', list([]) && { ...list([]), peers: 'x' }, PeerListDrop.NOT_A_LIST],
    ['an entry not a map', list([42]), PeerListDrop.NOT_A_LIST],
    ['more than MAX_PEERS', list(Array.from({ length: MAX_PEERS + 1 }, (_, i) => ({ id: randomUUID(), ip: '10.0.0.1', port: 1000 + i, rank: i }))), PeerListDrop.TOO_MANY],
    ['a host id that is no uuid', list(good(), { host: 'me' }), PeerListDrop.BAD_ID],
    ['a peer id that is no uuid', list([{ ...good()[0], id: 'x' }]), PeerListDrop.BAD_ID],
    ['an IPv4 address out of range', list([{ ...good()[0], ip: '300.1.1.1' }]), PeerListDrop.BAD_ADDRESS],
    ['a URL instead of an address', list([{ ...good()[0], ip: 'evil.com/x?y' }]), PeerListDrop.BAD_ADDRESS],
    ['an address with a port in it', list([{ ...good()[0], ip: '10.0.0.1:80' }]), PeerListDrop.BAD_ADDRESS],
    ['a number as address', list([{ ...good()[0], ip: 167772161 }]), PeerListDrop.BAD_ADDRESS],
    ['a host name over 253 characters', list([{ ...good()[0], ip: `${'a'.repeat(60)}.`.repeat(5) + 'com' }]), PeerListDrop.BAD_ADDRESS],
    ['port 0', list([{ ...good()[0], port: 0 }]), PeerListDrop.BAD_PORT],
    ['port 65536', list([{ ...good()[0], port: 65536 }]), PeerListDrop.BAD_PORT],
    ['a fractional port', list([{ ...good()[0], port: 80.5 }]), PeerListDrop.BAD_PORT],
    ['a rank past the list', list([{ ...good()[0], rank: 1 }]), PeerListDrop.BAD_RANK],
    ['a negative rank', list([{ ...good()[0], rank: -1 }]), PeerListDrop.BAD_RANK],
    ['two peers of one rank', list([good()[0], { ...good()[1], rank: 0 }]), PeerListDrop.DUPLICATE],
    ['one id twice', list([good()[0], { ...good()[1], id: idA }]), PeerListDrop.DUPLICATE],
    ['one address twice', list([good()[0], { ...good()[1], ip: '127.0.0.61', port: 47380 }]), PeerListDrop.DUPLICATE],
    ['the host itself by address', list([{ ...good()[0], ip: '127.0.0.60' }]), PeerListDrop.SELF],
    ['the host itself by id', list([{ ...good()[0], id: hostId }]), PeerListDrop.SELF],
    ['another epoch than the welcome said', list(good(), { epoch: 2 }), PeerListDrop.STALE_EPOCH],
  ];
  for (const [what, m, reason] of bad) {
    it(`a list with ${what} is dropped as ${reason}`, () => {
      const r = readPeersMsg(m, HOST);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toBe(reason);
    });
  }

  it('addresses: IPv4 and host names pass; lookalikes and junk do not', () => {
    for (const ok of ['192.168.1.23', '127.0.0.1', 'localhost', 'lan-box', 'a.b-c.d', '0.0.0.0']) expect(isHostAddress(ok), ok).toBe(true);
    for (const no of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '-a.b', 'a..b', 'a b', '::1', '[::1]', 'é.com', null, 7]) expect(isHostAddress(no), String(no)).toBe(false);
  });
});
