// Hostile and broken peers over real sockets. In every test an honest msgpack client is
// connected alongside and must keep receiving snapshots undisturbed, with its state intact.
// Where the host closes the peer, the peer first gets an error message with the stable code
// in its own wire mode (read from the socket), and host.stats().drops counts the code.

import { afterEach, describe, expect, it } from 'vitest';
import { Button, PLAYER_SPEED, PLAYER_W, Phase } from '../../src/engine/games/shooter/schema.js';
import type { LanpartyClient } from '../../src/net/client/client.js';
import { ErrorCode } from '../../src/net/errors.js';
import { stateField } from '../../src/net/protocol/snapshot/index.js';
import {
  BUSY_SLOW_CONSUMER,
  PREAMBLE,
  RawPeer,
  cleanupNet,
  entityOf,
  fillWithFiringPlayers,
  header,
  joinClient,
  jsonFrame,
  msgpackFrame,
  readGlobal,
  sleep,
  startHost,
  ticks,
  u32le,
  waitUntil,
  type Msg,
  type TestHost,
  type TestHostOptions,
} from '../helpers/net.js';

afterEach(cleanupNet);

const JOIN = { type: 'join', protocol: 1 };

/** A host with an honest msgpack client that already receives snapshots. */
async function withHonest(o: TestHostOptions = {}): Promise<{ th: TestHost; honest: LanpartyClient }> {
  const th = await startHost(o);
  const honest = await joinClient(th);
  await waitUntil(() => honest.snapshots >= 3, 3000, 'first snapshots');
  return { th, honest };
}

/** The honest client keeps getting snapshots, decodes them all, and its state is the authoritative one. */
async function expectUndisturbed(th: TestHost, honest: LanpartyClient): Promise<void> {
  const before = honest.snapshots;
  await waitUntil(() => honest.snapshots >= before + 10, 3000, 'the honest client to keep receiving snapshots');
  expect(honest.closed).toBe(false);
  expect(honest.decodeErrors).toBe(0);
  const st = honest.state!;
  const codec = honest.codec!;
  const eid = honest.welcome.entity;
  expect(st.live[eid]).toBe(1);
  expect(stateField(codec, st, 'Entity.owner')![eid]).toBe(honest.welcome.client);
  const auth = entityOf(th, honest.welcome.client)!;
  expect(auth.eid).toBe(eid);
  // the honest player never moves, so its decoded position is exactly the authoritative one
  expect(stateField(codec, st, 'Position.x')![eid]).toBe(auth.values['Position.x']);
  expect(stateField(codec, st, 'Position.y')![eid]).toBe(auth.values['Position.y']);
  expect(stateField(codec, st, 'Player.slot')![eid]).toBe(auth.values['Player.slot']);
  expect(await honest.ping()).toBeGreaterThanOrEqual(0);
}

/** The peer is told `code` in its own mode, then closed; the host counted it. */
async function expectClosedWith(th: TestHost, peer: RawPeer, code: string, count = 1): Promise<Msg> {
  const err = await peer.nextError();
  expect(err).toMatchObject({ type: 'error', code });
  expect(typeof err.message).toBe('string');
  await peer.waitClosed();
  expect(th.host.stats().drops[code]).toBe(count);
  return err;
}

/** The peer got an error for a bad message, and its connection still works (ping/pong). */
async function expectRejectedButOpen(th: TestHost, peer: RawPeer, code: string): Promise<void> {
  const err = await peer.nextError();
  expect(err).toMatchObject({ type: 'error', code });
  peer.send({ type: 'ping', id: 7 });
  expect(await peer.nextWhere((m) => m.type === 'pong')).toMatchObject({ id: 7 });
  expect(peer.closed).toBe(false);
  expect(th.host.stats().drops[code]).toBe(1);
}

describe('bad input over real sockets (an honest client alongside)', () => {
  it('a JSON header that is not digits and spaces: BAD_HEADER in JSON mode, closed', async () => {
    const { th, honest } = await withHonest();
    const peer = await RawPeer.connect(th.port, 'json');
    peer.write(header('12ab'));
    await expectClosedWith(th, peer, ErrorCode.BAD_HEADER);
    // spaces first (a JSON-mode start), then not a number
    const p2 = await RawPeer.connect(th.port, 'json');
    p2.write(Buffer.concat([header(' 5'), Buffer.from('hello')]));
    await expectClosedWith(th, p2, ErrorCode.BAD_HEADER, 2);
    await expectUndisturbed(th, honest);
  });

  it('a negative length: BAD_LENGTH, closed', async () => {
    const { th, honest } = await withHonest();
    const peer = await RawPeer.connect(th.port, 'json');
    peer.write(Buffer.concat([header('-5'), Buffer.from('hello')]));
    await expectClosedWith(th, peer, ErrorCode.BAD_LENGTH);
    await expectUndisturbed(th, honest);
  });

  it('a length over the 64 KiB limit: FRAME_TOO_LARGE on the header alone, in either mode; 64 KiB exactly is fine', async () => {
    const { th, honest } = await withHonest();
    // JSON mode: only the header is sent, no payload ever follows
    const j = await RawPeer.connect(th.port, 'json');
    j.write(header(String(64 * 1024 + 1)));
    await expectClosedWith(th, j, ErrorCode.FRAME_TOO_LARGE);
    // msgpack mode, claiming 4 GiB
    const m = await RawPeer.connect(th.port, 'msgpack');
    m.write(Buffer.concat([PREAMBLE, u32le(0xffff_ffff)]));
    m.expectBytes(await m.readBytes(5), PREAMBLE);
    await expectClosedWith(th, m, ErrorCode.FRAME_TOO_LARGE, 2);
    // a frame of exactly 64 KiB is accepted (a join padded with JSON whitespace)
    const big = await RawPeer.connect(th.port, 'json');
    const body = JSON.stringify(JOIN);
    big.write(jsonFrame(body + ' '.repeat(64 * 1024 - body.length)));
    expect(await big.nextWhere((x) => x.type === 'welcome' || x.type === 'error')).toMatchObject({ type: 'welcome' });
    await expectUndisturbed(th, honest);
  });

  it('truncated frames: half a frame, then close, is counted as TRUNCATED_FRAME (JSON and msgpack)', async () => {
    const { th, honest } = await withHonest();
    // JSON: a header announcing 100 bytes, 50 of them, then the peer closes
    const j = await RawPeer.connect(th.port, 'json');
    j.write(Buffer.concat([header('100'), Buffer.alloc(50, 0x20)]));
    await sleep(50);
    j.socket.end();
    await waitUntil(() => th.host.stats().drops[ErrorCode.TRUNCATED_FRAME] === 1, 2000, 'TRUNCATED_FRAME');
    // JSON: half a header
    const h = await RawPeer.connect(th.port, 'json');
    h.write(header('20').subarray(0, 30));
    await sleep(50);
    h.socket.end();
    await waitUntil(() => th.host.stats().drops[ErrorCode.TRUNCATED_FRAME] === 2, 2000, 'TRUNCATED_FRAME (half header)');
    // msgpack, after a join: a frame announcing 100 bytes, 10 of them, then the peer resets
    const { peer: m } = await RawPeer.joined(th.port, 'msgpack');
    m.write(Buffer.concat([u32le(100), Buffer.alloc(10)]));
    await sleep(50);
    m.socket.destroy();
    await waitUntil(() => th.host.stats().drops[ErrorCode.TRUNCATED_FRAME] === 3, 2000, 'TRUNCATED_FRAME (msgpack)');
    // a peer that closes between frames truncates nothing
    const { peer: clean } = await RawPeer.joined(th.port, 'json');
    clean.socket.end();
    await sleep(100);
    expect(th.host.stats().drops[ErrorCode.TRUNCATED_FRAME]).toBe(3);
    await expectUndisturbed(th, honest);
  });

  it('invalid JSON: BAD_ENCODING error, the connection stays open and can still join', async () => {
    const { th, honest } = await withHonest();
    const peer = await RawPeer.connect(th.port, 'json');
    peer.write(jsonFrame('{"type": "join", '));
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.BAD_ENCODING });
    peer.write(jsonFrame(Buffer.from([0xff, 0xfe, 0x00])));
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.BAD_ENCODING });
    expect(th.host.stats().drops[ErrorCode.BAD_ENCODING]).toBe(2);
    peer.send(JOIN);
    expect(await peer.nextWhere((m) => m.type === 'welcome' || m.type === 'error')).toMatchObject({ type: 'welcome' });
    expect(peer.closed).toBe(false);
    await expectUndisturbed(th, honest);
  });

  it('invalid msgpack: BAD_ENCODING error in msgpack mode, the connection stays open and can still join', async () => {
    const { th, honest } = await withHonest();
    const peer = await RawPeer.connect(th.port, 'msgpack');
    peer.write(PREAMBLE);
    peer.expectBytes(await peer.readBytes(5), PREAMBLE);
    peer.write(msgpackFrame(Buffer.from([0xc1]))); // 0xc1: never used in msgpack
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.BAD_ENCODING });
    peer.write(msgpackFrame(Buffer.from([0x82, 0xa4]))); // a map cut short
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.BAD_ENCODING });
    expect(th.host.stats().drops[ErrorCode.BAD_ENCODING]).toBe(2);
    peer.send(JOIN);
    expect(await peer.nextWhere((m) => m.type === 'welcome' || m.type === 'error')).toMatchObject({ type: 'welcome' });
    await expectUndisturbed(th, honest);
  });

  it('wrong field types (input with a string seq): INVALID_MESSAGE, the connection stays open', async () => {
    const { th, honest } = await withHonest();
    const { peer } = await RawPeer.joined(th.port, 'msgpack');
    peer.send({ type: 'input', ack: -1, inputs: [['1', Button.RIGHT]] });
    await expectRejectedButOpen(th, peer, ErrorCode.INVALID_MESSAGE);
    // JSON mode too, and a message that is not a map at all
    const { peer: j } = await RawPeer.joined(th.port, 'json');
    j.send({ type: 'ping', id: 'x' });
    expect(await j.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    j.send([1, 2, 3]);
    expect(await j.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    expect(j.closed).toBe(false);
    expect(th.host.stats().drops[ErrorCode.INVALID_MESSAGE]).toBe(3);
    await expectUndisturbed(th, honest);
  });

  it('unknown message types: UNKNOWN_TYPE, the connection stays open', async () => {
    const { th, honest } = await withHonest();
    const { peer } = await RawPeer.joined(th.port, 'msgpack');
    peer.send({ type: 'teleport', x: 1, y: 2 });
    await expectRejectedButOpen(th, peer, ErrorCode.UNKNOWN_TYPE);
    peer.send({ type: 42 });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.UNKNOWN_TYPE });
    expect(th.host.stats().drops[ErrorCode.UNKNOWN_TYPE]).toBe(2);
    await expectUndisturbed(th, honest);
  });

  it('client-sent positions, sizes and ids in an input have no effect: position changes only by the movement rules', async () => {
    const { th, honest } = await withHonest();
    const { peer, welcome } = await RawPeer.joined(th.port, 'msgpack');
    const me = welcome.client as number;
    const start = entityOf(th, me)!;
    const forged = (seq: number, buttons: number) => ({
      type: 'input',
      ack: -1,
      inputs: [[seq, buttons, 5000, -3]], // ax/ay are analog axes: the shooter ignores them
      x: 5000,
      y: -3,
      size: 1000,
      Position: { x: 5000, y: -3 },
      entity: honest.welcome.entity,
      eid: honest.welcome.entity,
      client: honest.welcome.client,
      owner: honest.welcome.client,
      health: 9999,
      score: 1_000_000,
    });
    let seq = 0;
    // in the lobby nothing moves
    for (let i = 0; i < 10; i++) peer.send(forged(++seq, 0));
    await ticks(th, 10);
    const lobby = entityOf(th, me)!;
    expect(lobby.eid).toBe(start.eid);
    expect(lobby.values).toEqual(start.values);

    // in a match, holding RIGHT: x grows by at most PLAYER_SPEED / 60 a tick, y never changes
    honest.input(Button.READY);
    peer.send(forged(++seq, Button.READY));
    await waitUntil(() => readGlobal(th, 'phase') === Phase.PLAYING, 3000, 'match start');
    const step = PLAYER_SPEED / 60;
    let prev = entityOf(th, me)!;
    const x0 = prev.values['Position.x']!;
    const until = performance.now() + 600;
    while (performance.now() < until) {
      peer.send(forged(++seq, Button.RIGHT));
      await sleep(16);
      const now = entityOf(th, me)!;
      const dx = now.values['Position.x']! - prev.values['Position.x']!;
      expect(dx).toBeGreaterThanOrEqual(0);
      expect(dx).toBeLessThanOrEqual(step * (now.tick - prev.tick) + 0.01); // f32 positions
      expect(now.values['Position.y']).toBe(start.values['Position.y']);
      expect(now.values['Position.x']!).toBeLessThan(750 - PLAYER_W);
      expect(now.values['Player.score']).toBe(0);
      expect(now.values['Player.health']).toBeLessThanOrEqual(100);
      expect(now.values['Entity.owner']).toBe(me);
      prev = now;
    }
    expect(prev.values['Position.x']!).toBeGreaterThan(x0); // it did move, by the rules
    // the forged fields were valid extra keys: no errors were sent, nothing was dropped for them
    expect(th.host.stats().drops[ErrorCode.INVALID_MESSAGE]).toBeUndefined();
    // the honest player was not touched
    const h = entityOf(th, honest.welcome.client)!;
    expect(h.eid).toBe(honest.welcome.entity);
    expect(h.values['Player.score']).toBe(0);
    await expectUndisturbed(th, honest);
  });

  it('an input flood: the host rate-limits (RATE_LIMITED), keeps the flooder open and stays responsive', async () => {
    const { th, honest } = await withHonest();
    const { peer } = await RawPeer.joined(th.port, 'msgpack');
    const N = 5000;
    const frames: Buffer[] = [];
    for (let i = 1; i <= N; i++) frames.push(msgpackFrame({ type: 'input', ack: -1, inputs: [[i, i % 2 ? Button.LEFT : Button.RIGHT]] }));
    peer.write(Buffer.concat(frames)); // thousands of messages at once
    const limited = await waitUntil(() => th.host.stats().drops[ErrorCode.RATE_LIMITED], 3000, 'RATE_LIMITED');
    await sleep(100);
    const total = th.host.stats().drops[ErrorCode.RATE_LIMITED]!;
    expect(limited).toBeGreaterThan(0);
    // a burst of 480 (one token went to the join) plus what refills meanwhile passes; the rest is dropped
    expect(total).toBeGreaterThan(N / 2);
    expect(total).toBeLessThanOrEqual(N - 479);
    // the flooder is throttled, not closed: once the bucket refills it is answered again
    await sleep(100);
    peer.send({ type: 'ping', id: 99 });
    expect(await peer.nextWhere((m) => m.type === 'pong')).toMatchObject({ id: 99 });
    expect(peer.closed).toBe(false);
    await expectUndisturbed(th, honest);
  });

  it('a handshake that never completes is closed after the handshake timeout, with HANDSHAKE_TIMEOUT in its mode when known', async () => {
    const { th, honest } = await withHonest({ handshakeTimeoutMs: 300 });
    // connect and send nothing: no mode, so no message, just closed
    const silent = await RawPeer.connect(th.port, 'json');
    // JSON mode, half a join
    const halfJson = await RawPeer.connect(th.port, 'json');
    halfJson.write(jsonFrame(JOIN).subarray(0, 64 + 5));
    // msgpack mode: the preamble, then half a join
    const halfMp = await RawPeer.connect(th.port, 'msgpack');
    const join = msgpackFrame(JOIN);
    halfMp.write(Buffer.concat([PREAMBLE, join.subarray(0, 6)]));
    // msgpack mode: the preamble and nothing else
    const preOnly = await RawPeer.connect(th.port, 'msgpack');
    preOnly.write(PREAMBLE);

    await silent.waitClosed();
    expect(silent.bytesIn).toBe(0);
    expect(await halfJson.nextError()).toMatchObject({ code: ErrorCode.HANDSHAKE_TIMEOUT });
    await halfJson.waitClosed();
    for (const p of [halfMp, preOnly]) {
      p.expectBytes(await p.readBytes(5), PREAMBLE);
      expect(await p.nextError()).toMatchObject({ code: ErrorCode.HANDSHAKE_TIMEOUT });
      await p.waitClosed();
    }
    expect(th.host.stats().drops[ErrorCode.HANDSHAKE_TIMEOUT]).toBe(4);
    // the host closed them: nothing was counted as truncated
    expect(th.host.stats().drops[ErrorCode.TRUNCATED_FRAME]).toBeUndefined();
    await expectUndisturbed(th, honest);
  });

  it('a client that stops reading is skipped while behind, then dropped with SLOW_CONSUMER; others undisturbed', async () => {
    const { th, honest } = await withHonest(BUSY_SLOW_CONSUMER);
    fillWithFiringPlayers(th);
    honest.input(Button.READY);
    // a JSON-mode client: always sent full snapshots, which it never acknowledges anyway
    const { peer: stuck } = await RawPeer.joined(th.port, 'json');
    stuck.send({ type: 'input', ack: -1, inputs: [[1, Button.READY]] });
    await waitUntil(() => readGlobal(th, 'phase') === Phase.PLAYING, 3000, 'match start');
    stuck.socket.pause(); // stops reading

    const during = honest.snapshots;
    const dropTick = await waitUntil(() => th.host.stats().drops[ErrorCode.SLOW_CONSUMER] && th.sim.tick, 8000, 'SLOW_CONSUMER');
    expect(honest.snapshots).toBeGreaterThan(during + 30); // the honest client was served all along
    // read what was queued for the stuck client: snapshots, then the error, then the close
    stuck.socket.resume();
    const got = await stuck.drainUntilClosed(3000);
    const last = got[got.length - 1]!;
    expect(last).toMatchObject({ type: 'error', code: ErrorCode.SLOW_CONSUMER });
    const snapTicks = got.filter((m) => m.type === 'snapshot').map((m) => m.tick as number);
    expect(snapTicks.length).toBeGreaterThan(0);
    // skipped while behind: for the last stuckMs (36 ticks at 60 Hz) before the drop, no snapshot was written to it
    expect(dropTick - Math.max(...snapTicks)).toBeGreaterThan(18);
    expect(th.host.stats().drops[ErrorCode.SLOW_CONSUMER]).toBe(1);
    await expectUndisturbed(th, honest);
  });

  it('garbage first bytes: BAD_PREAMBLE, closed (the error in JSON mode, the fallback)', async () => {
    const { th, honest } = await withHonest();
    const garbage = ['SSH-2.0-OpenSSH_9.2\r\n', 'GEX', 'LXYZW and more', 'LQ', '\xff'];
    for (const [i, g] of garbage.entries()) {
      const peer = await RawPeer.connect(th.port, 'json');
      peer.write(g);
      await expectClosedWith(th, peer, ErrorCode.BAD_PREAMBLE, i + 1);
    }
    // a good preamble split across packets is fine
    const slow = await RawPeer.connect(th.port, 'msgpack');
    for (const part of [PREAMBLE.subarray(0, 1), PREAMBLE.subarray(1, 3), PREAMBLE.subarray(3)]) {
      slow.write(part);
      await sleep(20);
    }
    slow.expectBytes(await slow.readBytes(5), PREAMBLE);
    slow.send(JOIN);
    expect(await slow.nextWhere((m) => m.type === 'welcome' || m.type === 'error')).toMatchObject({ type: 'welcome' });
    await expectUndisturbed(th, honest);
  });

  it('BAD_VERSION for preamble version 9 (answered in msgpack mode) and for join.protocol 2 (either mode)', async () => {
    const { th, honest } = await withHonest();
    const peer = await RawPeer.connect(th.port, 'msgpack');
    peer.write(Buffer.from('LPMP\x09', 'latin1'));
    // the host's own preamble tells the version it speaks; then the error, in msgpack framing
    peer.expectBytes(await peer.readBytes(5), PREAMBLE);
    await expectClosedWith(th, peer, ErrorCode.BAD_VERSION);

    const mp = await RawPeer.connect(th.port, 'msgpack');
    mp.write(Buffer.concat([PREAMBLE, msgpackFrame({ type: 'join', protocol: 2 })]));
    mp.expectBytes(await mp.readBytes(5), PREAMBLE);
    await expectClosedWith(th, mp, ErrorCode.BAD_VERSION, 2);
    const j = await RawPeer.connect(th.port, 'json');
    j.send({ type: 'join', protocol: 2 });
    await expectClosedWith(th, j, ErrorCode.BAD_VERSION, 3);
    await expectUndisturbed(th, honest);
  });

  it('past 20 invalid messages: TOO_MANY_ERRORS, closed; a first message that is not a join: UNEXPECTED_MESSAGE, closed', async () => {
    const { th, honest } = await withHonest();
    const { peer } = await RawPeer.joined(th.port, 'msgpack');
    for (let i = 0; i < 21; i++) peer.send({ type: 'nope' });
    const errors: Msg[] = [];
    for (;;) {
      const e = await peer.nextError();
      errors.push(e);
      if (e.code !== ErrorCode.UNKNOWN_TYPE) break;
    }
    expect(errors.length).toBe(21);
    expect(errors[20]).toMatchObject({ code: ErrorCode.TOO_MANY_ERRORS });
    await peer.waitClosed();
    expect(th.host.stats().drops[ErrorCode.TOO_MANY_ERRORS]).toBe(1);

    const early = await RawPeer.connect(th.port, 'json');
    early.send({ type: 'input', ack: -1, inputs: [[1, 0]] });
    await expectClosedWith(th, early, ErrorCode.UNEXPECTED_MESSAGE);
    await expectUndisturbed(th, honest);
  });
});
