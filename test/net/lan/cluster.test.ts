// Real `lanparty up` processes on loopback: 5 nodes on 127.0.0.10-14 (each its own peer,
// host candidate and player), plus players (SessionClients) in this process on 127.0.0.20+
// and a beacon watcher on 127.0.0.29. Hermetic: every address is 127.0.0.x (the nodes run
// with LANPARTY_TEST=1 and refuse anything else), broadcasts go to 127.255.255.255, and
// each test has a discovery port, client/peer ports and a session name of its own.
//
// No assertion is on speed: the waits are generous (a loaded 2-core machine), and the times
// measured are printed ("[measured] ...").

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Packr } from 'msgpackr';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BeaconWatcher,
  Cluster,
  killAllNodes,
  ownClientOn,
  Player,
  sleep,
  waitFor,
  type ClusterSpec,
  type NodeProcess,
  type NodeStatus,
} from '../../helpers/cluster.js';

const NODE_IPS = [10, 11, 12, 13, 14].map((i) => `127.0.0.${i}`);
const PLAYER_IPS = [20, 21, 22].map((i) => `127.0.0.${i}`);
const WATCHER_IP = '127.0.0.29';
const SPOOFER_IP = '127.0.0.30';
const TAG = randomBytes(3).toString('hex');

/** Ports and session of test `n`: nothing another test (or file) could hear. */
function specFor(n: number, extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    session: `cl${n}-${TAG}`,
    discoveryPort: 47110 + n,
    port: 47300 + 2 * n,
    peerPort: 47301 + 2 * n,
    duration: 240,
    ...extra,
  };
}

const measured = (what: string) => console.log(`[measured] ${what}`);

let players: Player[] = [];
let watchers: BeaconWatcher[] = [];
const udp: UdpSocket[] = [];

afterEach(async () => {
  for (const p of players) p.stop();
  for (const w of watchers) w.stop();
  for (const s of udp.splice(0)) s.close();
  players = [];
  watchers = [];
  await killAllNodes();
});
afterAll(killAllNodes);

async function startPlayers(spec: ClusterSpec, n = PLAYER_IPS.length): Promise<Player[]> {
  const ps = PLAYER_IPS.slice(0, n).map((ip) => new Player({ bind: ip, session: spec.session, discoveryPort: spec.discoveryPort, key: spec.key }));
  players.push(...ps);
  await Promise.all(ps.map((p) => p.start(30_000)));
  return ps;
}

async function startWatcher(spec: ClusterSpec): Promise<BeaconWatcher> {
  const w = await new BeaconWatcher({ bind: WATCHER_IP, port: spec.discoveryPort, key: spec.key }).start();
  watchers.push(w);
  return w;
}

/** Five nodes released together; waits until they agree and every own player is connected. */
async function startCluster(spec: ClusterSpec) {
  const c = new Cluster(spec);
  const go = await c.startTogether(NODE_IPS);
  const cons = await c.waitConsensus(40_000, { clients: true });
  return { c, go, cons };
}

/** Every welcome a player got: epochs never go down, and never two connections at once. */
function expectOneHostAtATime(ps: Player[]): void {
  for (const p of ps) {
    expect(p.overlaps, 'a new connection while the previous one was open').toBe(0);
    const epochs = p.welcomes.map((w) => w.epoch);
    expect(epochs, 'welcome epochs never decrease').toEqual([...epochs].sort((a, b) => a - b));
  }
}

/** The nodes' own players, from their status lines: the epoch of their host never goes down. */
function expectNodePlayersMonotonic(nodes: NodeProcess[]): void {
  for (const n of nodes) {
    const epochs = n.statuses.filter((s) => s.client).map((s) => s.client!.epoch);
    expect(epochs, `${n.ip}'s player: host epochs never decrease`).toEqual([...epochs].sort((a, b) => a - b));
  }
}

/** Newest status line of `n` that arrived at least `ms` before `t`. */
function statusBefore(n: NodeProcess, t: number, ms = 300): NodeStatus {
  const s = n.statusAt(t - ms);
  if (!s?.client || !s.own) throw new Error(`no status line with a connected player from ${n.ip} before the event`);
  return s;
}

describe('LAN cluster on loopback (real processes)', () => {
  it('converges on the highest node id as host at epoch 1 within 40 s of a common start', async () => {
    const spec = specFor(0);
    const w = await startWatcher(spec);
    const c = new Cluster(spec);
    const go = await c.startTogether(NODE_IPS);
    const cons = await c.waitConsensus(40_000, { clients: true });
    const converged = performance.now() - go;

    const highest = Cluster.highest(c.nodes);
    expect(cons.hostId).toBe(highest.id);
    expect(cons.epoch).toBe(1);
    for (const n of c.nodes) {
      expect(n.status!.state).toBe(n === highest ? 'hosting' : 'following');
      expect(ownClientOn(n, 1)).toBe(true);
    }
    // nobody else ever claimed to host, at any epoch
    const claims = w.hostClaims();
    expect(new Set(claims.map((h) => `${h.id}@${h.epoch}`))).toEqual(new Set([`${highest.id}@1`]));
    const firstClaim = claims[0]!.at - go;
    measured(
      `startup: host ${highest.id!.slice(0, 8)} (highest of 5) announced itself ${firstClaim.toFixed(0)} ms after the common start; ` +
        `all 5 following with their players connected (status lines, 1 s resolution) after ${converged.toFixed(0)} ms`,
    );
  }, 90_000);

  it('kill -9 of the host: exactly one new host at epoch 2; every surviving player back with the same id, entity, position, score', async () => {
    const spec = specFor(1);
    const w = await startWatcher(spec);
    const { c, cons } = await startCluster(spec);
    const ps = await startPlayers(spec);
    // play a little (ready up, move, shoot), then stand still so the replica holds the position
    await sleep(2500);
    for (const p of ps) p.mode = 'still';
    await sleep(1500);
    const before = ps.map((p) => ({ w: p.welcome!, own: p.own()! }));
    for (const b of before) expect(b.own).not.toBeNull();
    await sleep(300); // a status line from every node past this point
    const survivors = c.alive().filter((n) => n !== cons.host);
    const tKill = performance.now();
    const nodeBefore = new Map(survivors.map((n) => [n, statusBefore(n, tKill)]));

    cons.host.kill();
    await cons.host.exitPromise;
    const after = await c.waitConsensus(30_000, { clients: true, minEpoch: 2, among: () => survivors });
    await waitFor(() => ps.every((p) => p.connectedAt(2)), 30_000, 'every player connected at epoch 2');
    const playersBack = Math.max(...ps.map((p) => p.firstSnapshot.get(2)! - tKill));
    const nodesBack = performance.now() - tKill;

    // exactly one new host, epoch 2, the highest id left (bully)
    expect(after.epoch).toBe(2);
    expect(after.hostId).toBe(Cluster.highest(survivors).id);
    const claims2 = w.hostClaims(tKill).filter((h) => h.epoch >= 2);
    expect(new Set(claims2.map((h) => `${h.id}@${h.epoch}`))).toEqual(new Set([`${after.hostId}@2`]));
    expect(after.host.logs.some((l) => l.msg === 'taking over as host' && l.epoch === 2)).toBe(true);

    // the nodes' own players: same client id and entity, score never lower
    for (const n of survivors) {
      const b = nodeBefore.get(n)!;
      const a = n.status!;
      expect(a.client!.epoch).toBe(2);
      expect(a.client!.id).toBe(b.client!.id);
      expect(a.own!.eid).toBe(b.own!.eid);
      expect(a.own!.score).toBeGreaterThanOrEqual(b.own!.score);
      expect(a.migrations).toBeGreaterThanOrEqual(1);
    }
    // the test's players: same id and entity, rejoined with their token, same position, score kept
    ps.forEach((p, i) => {
      const b = before[i]!;
      const w2 = p.welcome!;
      const own = p.own()!;
      expect(w2.epoch).toBe(2);
      expect(w2.reconnected).toBe(true);
      expect(w2.client).toBe(b.w.client);
      expect(w2.entity).toBe(b.w.entity);
      expect(own.eid).toBe(b.own.eid);
      // standing still for 1.5 s before the kill: the replica (<= 100 ms old) has the position
      expect(Math.abs(own.x - b.own.x)).toBeLessThanOrEqual(1);
      expect(Math.abs(own.y - b.own.y)).toBeLessThanOrEqual(1);
      expect(own.score).toBeGreaterThanOrEqual(b.own.score);
    });
    expectOneHostAtATime(ps);
    expectNodePlayersMonotonic(survivors);
    measured(
      `kill -9 failover: the 3 test players had a snapshot from the epoch-2 host ${playersBack.toFixed(0)} ms after the kill; ` +
        `all 4 nodes agreed with their players connected (status lines) after ${nodesBack.toFixed(0)} ms`,
    );
  }, 120_000);

  it('SIGSTOP of the host for 3 s: a new host takes over, the old one steps down on SIGCONT; no player follows two hosts', async () => {
    const spec = specFor(2);
    const w = await startWatcher(spec);
    const { c, cons } = await startCluster(spec);
    const ps = await startPlayers(spec);
    await sleep(1500);
    const old = cons.host;
    const others = c.alive().filter((n) => n !== old);
    const tStop = performance.now();
    old.pause();
    const during = await c.waitConsensus(20_000, { minEpoch: 2, among: () => others, fresh: tStop });
    const elected = performance.now() - tStop;
    await sleep(Math.max(0, 3000 - (performance.now() - tStop)));
    const tCont = performance.now();
    old.resume();

    // the old host sees the newer epoch and steps down to following
    await old.nextStatus((s) => s.state === 'following' && s.epoch === during.epoch && s.host?.id === during.hostId, 20_000, 'the old host following the new one');
    const stepped = performance.now() - tCont;
    expect(old.logs.some((l) => l.msg === 'stepping down')).toBe(true);
    // exactly one host afterwards, everyone's player (the old host's too) on it
    const final = await c.waitConsensus(30_000, { clients: true, fresh: tCont + 1000 });
    expect(final.hostId).toBe(during.hostId);
    expect(final.epoch).toBe(during.epoch);
    await waitFor(() => ps.every((p) => p.connectedAt(final.epoch)), 30_000, 'every player on the new host');
    // it stays that way
    await sleep(2000);
    expect(c.consensus(c.alive(), performance.now() - 2000)?.hostId).toBe(final.hostId);
    const claims = w.hostClaims(tCont + 1500);
    expect(new Set(claims.map((h) => `${h.id}@${h.epoch}`))).toEqual(new Set([`${final.hostId}@${final.epoch}`]));

    expectOneHostAtATime(ps);
    expectNodePlayersMonotonic(c.nodes);
    for (const p of ps) {
      // joined the old host, then the new one: never back to epoch 1 after epoch 2
      expect(p.welcomes[0]!.epoch).toBe(1);
      expect(p.welcome!.epoch).toBe(final.epoch);
      expect(p.welcome!.client).toBe(p.welcomes[0]!.client);
    }
    measured(
      `SIGSTOP: new host elected (status lines) ${elected.toFixed(0)} ms after the stop; ` +
        `the old host was following it ${stepped.toFixed(0)} ms after SIGCONT (status lines, 1 s resolution)`,
    );
  }, 120_000);

  it('with --key, a spoofed beacon (epoch 99, no or bad MAC) and a spoofed peer link are ignored', async () => {
    const key = `k-${TAG}`;
    const spec = specFor(3, { key });
    const w = await startWatcher(spec);
    const { c, cons } = await startCluster(spec);
    const ps = await startPlayers(spec, 2);
    const fake = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const sock = createSocket({ type: 'udp4' });
    udp.push(sock);
    await new Promise<void>((r) => sock.bind(0, SPOOFER_IP, () => r()));
    sock.setBroadcast(true);
    const beacon = (q: number) => ({
      v: 1, k: 'b', id: fake, s: spec.session, g: 'shooter', ip: SPOOFER_IP, cp: spec.port, pp: spec.peerPort, h: fake, e: 99, n: 0, q,
    });
    const mac = (k: string, body: object) => createHmac('sha256', k).update(JSON.stringify(body)).digest('hex');
    const spoofs = (q: number): Buffer[] => [
      Buffer.from(JSON.stringify(beacon(q))), // unsigned
      Buffer.from(JSON.stringify({ ...beacon(q + 1), m: randomBytes(32).toString('hex') })), // a random MAC
      Buffer.from(JSON.stringify({ ...beacon(q + 2), m: mac('not-the-key', beacon(q + 2)) })), // signed with another key
      Buffer.from(JSON.stringify({ ...beacon(q + 3), m: 'zz' })), // not even hex
    ];

    // peer links to every node's peer port: hello + coordinator as the fake id, wrong or no MAC
    const packr = new Packr({ useRecords: false });
    const frame = (msg: object, m?: string) => {
      const payload = packr.pack(m === undefined ? { b: packr.pack(msg) } : { b: packr.pack(msg), m });
      const len = Buffer.alloc(4);
      len.writeUInt32LE(payload.length);
      return Buffer.concat([len, payload]);
    };
    const spoofPeer = (n: NodeProcess, m: string | undefined) =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host: n.ip, port: spec.peerPort!, localAddress: SPOOFER_IP });
        s.on('error', () => {});
        s.resume(); // read (and discard) the node's hello, so its hang-up is seen
        s.once('connect', () => {
          s.write(
            Buffer.concat([
              Buffer.from('LPPE1', 'latin1'),
              frame({ t: 'hello', from: fake, n: 0 }, m),
              frame({ t: 'coordinator', from: fake, host: fake, epoch: 99, n: 1 }, m),
              frame({ t: 'heartbeat', from: fake, host: fake, epoch: 99, n: 2 }, m),
            ]),
          );
        });
        // the node must hang up on us
        s.once('close', () => resolve(true));
        setTimeout(() => {
          s.destroy();
          resolve(false);
        }, 5000);
      });

    const t0 = performance.now();
    let q = 1_000_000;
    const closed: boolean[] = [];
    while (performance.now() - t0 < 2500) {
      for (const d of spoofs(q)) sock.send(d, spec.discoveryPort, '127.255.255.255');
      q += 10;
      if (closed.length === 0) {
        closed.push(...(await Promise.all(c.nodes.map((n) => spoofPeer(n, randomBytes(32).toString('hex'))))));
        closed.push(...(await Promise.all(c.nodes.map((n) => spoofPeer(n, undefined)))));
      }
      await sleep(100);
    }
    await sleep(500);
    const t1 = performance.now();

    // the nodes hung up on every spoofed link, and counted what they dropped
    expect(closed.every(Boolean)).toBe(true);
    for (const n of c.nodes) {
      const reasons = n.dropReasons();
      expect(reasons.has('beacon.unsigned'), `${n.ip} dropped the unsigned beacon`).toBe(true);
      expect(reasons.has('beacon.bad_mac'), `${n.ip} dropped the badly signed beacon`).toBe(true);
      expect(reasons.has('peer.bad_mac'), `${n.ip} dropped the spoofed peer link`).toBe(true);
    }
    // host and epoch unchanged in every status line of the window (and the next line)
    const final = await c.waitConsensus(10_000, { fresh: t1 });
    expect(final.hostId).toBe(cons.hostId);
    expect(final.epoch).toBe(cons.epoch);
    for (const n of c.nodes) {
      const lines = n.statuses.filter((s) => s.at >= t0);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const s of lines) {
        expect(s.host?.id).toBe(cons.hostId);
        expect(s.epoch).toBe(cons.epoch);
        expect(s.state).toBe(n === cons.host ? 'hosting' : 'following');
      }
    }
    // no beacon the watcher (same key) accepted claimed anything else
    expect(w.heard.some((s) => s.b.id === fake)).toBe(false);
    expect(new Set(w.hostClaims().map((h) => `${h.id}@${h.epoch}`))).toEqual(new Set([`${cons.hostId}@${cons.epoch}`]));
    // the players stayed where they were
    for (const p of ps) {
      expect(p.welcomes.map((x) => x.epoch)).toEqual([cons.epoch]);
      expect(p.client?.closed).toBe(false);
    }
  }, 120_000);

  it('malformed datagrams on the discovery port do not stop discovery: a node started afterwards joins and follows the host', async () => {
    const spec = specFor(4);
    const { c, cons } = await startCluster(spec);
    const sock = createSocket({ type: 'udp4' });
    udp.push(sock);
    await new Promise<void>((r) => sock.bind(0, SPOOFER_IP, () => r()));
    sock.setBroadcast(true);
    const id = '12345678-1234-4234-8234-123456789abc';
    const good = { v: 1, k: 'b', id, s: spec.session, g: 'shooter', ip: SPOOFER_IP, cp: 5050, pp: 5051, h: '', e: 0, n: 0, q: 1 };
    const bad: Buffer[] = [
      Buffer.alloc(0),
      randomBytes(1),
      randomBytes(100),
      randomBytes(511),
      Buffer.alloc(513, 0x7b), // '{' x 513: over the size limit
      Buffer.from(JSON.stringify({ ...good, pad: 'x'.repeat(600) })), // a beacon, but oversized
      Buffer.alloc(60_000, 0x20), // far over the limit
      Buffer.from('{"v":1,"k":"b",'),
      Buffer.from('{not json}'),
      Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x7d]), // invalid UTF-8 around {}
      Buffer.from('null'),
      Buffer.from('[1,2,3]'),
      Buffer.from('"beacon"'),
      Buffer.from('42'),
      Buffer.from('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['),
      Buffer.from(JSON.stringify({ ...good, v: 2 })),
      Buffer.from(JSON.stringify({ ...good, v: '1' })),
      Buffer.from(JSON.stringify({ ...good, id: 123 })),
      Buffer.from(JSON.stringify({ ...good, id: 'not-a-uuid' })),
      Buffer.from(JSON.stringify({ ...good, k: 'x' })),
      Buffer.from(JSON.stringify({ ...good, q: -1 })),
      Buffer.from(JSON.stringify({ ...good, q: 1.5 })),
      Buffer.from(JSON.stringify({ ...good, s: 42 })),
      Buffer.from(JSON.stringify({ ...good, s: 'x'.repeat(100) })),
      Buffer.from(JSON.stringify({ ...good, g: 'a\u0000b' })),
      Buffer.from(JSON.stringify({ ...good, ip: '999.1.1.1' })),
      Buffer.from(JSON.stringify({ ...good, ip: ['127.0.0.1'] })),
      Buffer.from(JSON.stringify({ ...good, cp: 0 })),
      Buffer.from(JSON.stringify({ ...good, pp: 70_000 })),
      Buffer.from(JSON.stringify({ ...good, cp: '5050' })),
      Buffer.from(JSON.stringify({ ...good, h: 'not-a-host' })),
      Buffer.from(JSON.stringify({ ...good, h: null })),
      Buffer.from(JSON.stringify({ ...good, e: -5 })),
      Buffer.from(JSON.stringify({ ...good, e: 1e300 })),
      Buffer.from(JSON.stringify({ ...good, n: 'many' })),
      Buffer.from(JSON.stringify({ ...good, e: { $gt: 0 } })),
      Buffer.from('{"__proto__":{"polluted":1},"v":1,"k":"q","id":"12345678-1234-4234-8234-123456789abc","q":7}'.replace('"q":7', '"q":"7"')),
      Buffer.from(JSON.stringify({ v: 1, k: 'q', id, q: 2 })), // a valid query, too small for any answer
    ];
    const flood = async (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        for (const d of bad) sock.send(d, spec.discoveryPort, '127.255.255.255');
        await sleep(20);
      }
    };
    await flood(2000);
    // the cluster still works: same host, and a new node (with garbage still coming) joins it
    const late = c.start('127.0.0.15');
    await Promise.all([
      flood(3000),
      late.nextStatus((s) => s.state === 'following', 30_000, 'the late node following'),
    ]);
    const final = await c.waitConsensus(30_000, { clients: true });
    expect(final.hostId).toBe(cons.hostId);
    expect(final.epoch).toBe(cons.epoch);
    expect(late.status!.host?.id).toBe(cons.hostId);
    expect(ownClientOn(late, cons.epoch)).toBe(true);
    expect(late.exited).toBe(false);
    // the garbage did arrive, and was dropped by reason
    const reasons = cons.host.dropReasons();
    for (const r of ['beacon.too_large', 'beacon.not_json', 'beacon.not_object', 'beacon.version', 'beacon.bad_id', 'beacon.bad_port', 'beacon.bad_host']) {
      expect(reasons.has(r), `host dropped ${r}`).toBe(true);
    }
    expect(c.nodes.every((n) => !n.exited)).toBe(true);
  }, 120_000);
});
