// The chat room over real sockets on 127.0.0.1: unique nicknames, the roster on join and on
// leave-for-good (not on a reconnect within the grace), announcements, broadcast chat lines,
// the length and rate limits, sanitising of text and names, nicknames kept across reconnects.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient, type ClientOptions } from '../../src/net/client/client.js';
import { ErrorCode } from '../../src/net/errors.js';
import type { ChatMsg, ErrorMsg, RosterEntry } from '../../src/net/protocol/messages.js';
import { LOOPBACK, RawPeer, cleanupNet, joinClient, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Watch {
  chats: ChatMsg[];
  rosters: RosterEntry[][];
  errors: ErrorMsg[];
}

function watch(c: LanpartyClient): Watch {
  const w: Watch = { chats: [], rosters: [], errors: [] };
  c.on('chat', (m) => w.chats.push(m));
  c.on('roster', (r) => w.rosters.push(r));
  c.on('hostError', (e) => w.errors.push(e));
  return w;
}

const names = (r: RosterEntry[]) => r.map((p) => p.name);
const texts = (w: Watch, from?: number) => w.chats.filter((m) => from === undefined || m.from === from).map((m) => m.text);

async function refusedWith(th: TestHost, o: Partial<ClientOptions>): Promise<string> {
  const err = await LanpartyClient.connect({ host: LOOPBACK, port: th.port, timeoutMs: 3000, ...o }).then(
    (c) => {
      c.close();
      throw new Error('the join was accepted');
    },
    (e: Error & { code?: string }) => e,
  );
  return err.code ?? err.message;
}

describe('chat room', () => {
  it('nicknames are unique per session, case-insensitively, at join and on nick; no name gets player<id>', async () => {
    const th = await startHost();
    const a = await joinClient(th, { name: 'Alice' });
    expect(await refusedWith(th, { name: 'alice' })).toBe(ErrorCode.NAME_TAKEN);
    expect(await refusedWith(th, { name: 'ALICE', mode: 'json' })).toBe(ErrorCode.NAME_TAKEN);
    // over a raw socket: the error, then the close
    const raw = await RawPeer.connect(th.port, 'json');
    raw.send({ type: 'join', protocol: 1, name: 'aLiCe' });
    expect(await raw.nextError()).toMatchObject({ code: ErrorCode.NAME_TAKEN, message: expect.stringContaining('taken') });
    await raw.waitClosed();
    expect(th.host.stats().drops[ErrorCode.NAME_TAKEN]).toBe(3);

    const b = await joinClient(th);
    expect(b.welcome.client).toBeGreaterThan(a.welcome.client);
    await waitUntil(() => b.roster.length === 2, 2000, "b's roster");
    expect(b.roster).toEqual([
      { client: a.welcome.client, name: 'Alice' },
      { client: b.welcome.client, name: `player${b.welcome.client}` },
    ]);
    // another client's default name is reserved
    expect(await refusedWith(th, { name: `Player${b.welcome.client}` })).toBe(ErrorCode.NAME_TAKEN);

    const wa = watch(a);
    const wb = watch(b);
    b.nick('ALICE');
    await waitUntil(() => wb.errors.length > 0, 2000, 'NAME_TAKEN for the nick');
    expect(wb.errors[0]).toMatchObject({ code: ErrorCode.NAME_TAKEN });
    expect(b.closed).toBe(false);
    b.nick('Bob');
    await waitUntil(() => wa.rosters.length > 0 && wb.rosters.length > 0, 2000, 'the roster after the nick');
    expect(names(wa.rosters[0]!)).toEqual(['Alice', 'Bob']);
    expect(names(wb.rosters[0]!)).toEqual(['Alice', 'Bob']);
    await waitUntil(() => texts(wa, 0).includes(`player${b.welcome.client} is now Bob`), 2000, 'the nick announcement');
    // a case change of one's own name is allowed
    a.nick('ALICE');
    await waitUntil(() => names(b.roster).includes('ALICE'), 2000, 'the case change');
    // a default name stays reserved for its client id, even once it renamed itself
    expect(await refusedWith(th, { name: `player${b.welcome.client}` })).toBe(ErrorCode.NAME_TAKEN);
    const c = await joinClient(th, { name: 'Carol' });
    await waitUntil(() => c.roster.length === 3, 2000, "c's roster");
    expect(wa.errors).toEqual([]);
  });

  it('a name held by a player within its reconnect grace: NAME_IN_GRACE with the seconds left, closed; its token takes it back; free after the grace', async () => {
    const th = await startHost({ graceMs: 1500 });
    const a = await joinClient(th, { name: 'Zed' });
    const token = a.welcome.token;
    a.close(); // a crash: no leave
    // until the host has seen the close, the name is simply taken
    await waitUntil(async () => (await refusedWith(th, { name: 'zed' })) === ErrorCode.NAME_IN_GRACE, 2000, 'NAME_IN_GRACE');
    const raw = await RawPeer.connect(th.port, 'json');
    raw.send({ type: 'join', protocol: 1, name: 'Zed' });
    expect(await raw.nextError()).toMatchObject({ code: ErrorCode.NAME_IN_GRACE, message: expect.stringMatching(/held for [12] more s/) });
    await raw.waitClosed();

    // the token takes the session back, name and all
    const back = await joinClient(th, { token });
    expect(back.welcome.reconnected).toBe(true);
    await waitUntil(() => back.roster.length === 1, 2000, 'the roster');
    expect(back.roster).toEqual([{ client: a.welcome.client, name: 'Zed' }]);
    // a nick to a name in grace is refused the same way, the connection stays open
    const b = await joinClient(th, { name: 'Yan' });
    const wb = watch(b);
    b.close();
    const c = await joinClient(th);
    const wc = watch(c);
    await waitUntil(async () => (await refusedWith(th, { name: 'Yan' })) === ErrorCode.NAME_IN_GRACE, 2000, 'NAME_IN_GRACE for Yan');
    c.nick('Yan');
    await waitUntil(() => wc.errors.length > 0, 2000, 'the nick refused');
    expect(wc.errors[0]).toMatchObject({ code: ErrorCode.NAME_IN_GRACE });
    expect(c.closed).toBe(false);
    expect(wb.errors).toEqual([]);

    // after the grace the name is free
    back.close();
    await sleep(1700);
    const again = await joinClient(th, { name: 'Zed' });
    expect(again.welcome.reconnected).toBe(false);
  });

  it('the roster goes to everyone on join and on leave for good, not on a reconnect within the grace; the nickname is kept', async () => {
    const th = await startHost({ graceMs: 600 });
    const a = await joinClient(th, { name: 'A' });
    const wa = watch(a);
    const b = await joinClient(th, { name: 'B' });
    const { client, token } = b.welcome;
    // (a's own first roster may arrive after the watch started: rosters are sent gathered, every 50 ms)
    await waitUntil(() => wa.rosters.at(-1)?.length === 2 && texts(wa, 0).includes('B joined'), 2000, 'roster and announcement to a');
    expect(wa.rosters.at(-1)).toEqual([
      { client: a.welcome.client, name: 'A' },
      { client, name: 'B' },
    ]);
    const announcement = wa.chats.find((m) => m.text === 'B joined')!;
    expect(announcement).toMatchObject({ type: 'chat', from: 0, name: '*' });
    expect(typeof announcement.tick).toBe('number');
    await waitUntil(() => b.roster.length === 2, 2000, "b's roster");

    b.nick('Bee');
    await waitUntil(() => names(a.roster).includes('Bee'), 2000, 'the nick');
    // the announcement and the roster go out apart (rosters are gathered): wait for both
    await waitUntil(() => texts(wa, 0).includes('B is now Bee'), 2000, 'the nick announcement');
    const rostersBefore = wa.rosters.length;
    const chatsBefore = wa.chats.length;

    b.close(); // abrupt: the player waits for the grace
    await sleep(150);
    const b2 = await joinClient(th, { token, name: 'ignored' });
    expect(b2.welcome).toMatchObject({ client, reconnected: true });
    // the reconnected client gets the roster, with its nickname kept; the others hear nothing
    await waitUntil(() => b2.roster.length === 2, 2000, "the reconnected client's roster");
    expect(b2.roster).toContainEqual({ client, name: 'Bee' });
    await sleep(800); // past the grace the old connection had
    expect(wa.rosters.length).toBe(rostersBefore);
    expect(wa.chats.length).toBe(chatsBefore);
    b2.chat('back');
    await waitUntil(() => texts(wa, client).includes('back'), 2000, 'chat after the reconnect');
    expect(wa.chats.at(-1)).toMatchObject({ from: client, name: 'Bee' });

    // leave for good after the grace: roster and announcement
    b2.close();
    await sleep(200);
    expect(wa.rosters.length).toBe(rostersBefore); // still within the grace
    await waitUntil(() => wa.rosters.length === rostersBefore + 1, 3000, 'the roster after the grace');
    expect(wa.rosters.at(-1)).toEqual([{ client: a.welcome.client, name: 'A' }]);
    await waitUntil(() => texts(wa, 0).includes('Bee left'), 2000, 'the leave announcement');
    // the name is free again
    const again = await joinClient(th, { name: 'bee' });
    await waitUntil(() => names(a.roster).includes('bee'), 2000, 'the name reused');

    // an explicit leave: at once
    const n = wa.rosters.length;
    again.leave();
    await waitUntil(() => wa.rosters.length === n + 1 && texts(wa, 0).includes('bee left'), 2000, 'leave announced');
    expect(names(a.roster)).toEqual(['A']);
  });

  it('chat lines are broadcast to every joined client with sender, name and tick', async () => {
    const th = await startHost();
    const a = await joinClient(th, { name: 'A' });
    const b = await joinClient(th, { name: 'B', mode: 'json' });
    const { peer } = await RawPeer.joined(th.port, 'msgpack', { type: 'join', protocol: 1, name: 'raw' });
    const wa = watch(a);
    const wb = watch(b);
    await sleep(100);
    const t0 = th.sim.tick;
    a.chat('hello, world! 👋');
    const want = { type: 'chat', from: a.welcome.client, name: 'A', text: 'hello, world! 👋' };
    const said = (w: Watch) => w.chats.filter((m) => m.from !== 0);
    await waitUntil(() => said(wa).length && said(wb).length, 2000, 'the chat line');
    expect(said(wa)[0]).toMatchObject(want);
    expect(said(wb)[0]).toMatchObject(want);
    const raw = await peer.nextWhere((m) => m.type === 'chat' && m.from !== 0);
    expect(raw).toMatchObject(want);
    expect(raw.tick).toBeGreaterThanOrEqual(t0);
    expect(raw.tick).toBeLessThanOrEqual(th.sim.tick);
    peer.send({ type: 'chat', text: 'from raw' });
    await waitUntil(() => texts(wa).includes('from raw') && texts(wb).includes('from raw'), 2000, 'the raw line');
    expect(wb.chats.at(-1)).toMatchObject({ name: 'raw', from: expect.any(Number) });
    expect(wa.errors).toEqual([]);
  });

  it('text is limited to 200 characters; names to 1-32: longer is INVALID_MESSAGE, the connection stays open', async () => {
    const th = await startHost();
    const { peer } = await RawPeer.joined(th.port, 'json', { type: 'join', protocol: 1, name: 'p' });
    const a = await joinClient(th, { name: 'A' });
    const wa = watch(a);
    peer.send({ type: 'chat', text: 'x'.repeat(201) });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    peer.send({ type: 'chat', text: '' });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    peer.send({ type: 'chat', text: 42 });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    peer.send({ type: 'nick', name: 'n'.repeat(33) });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    peer.send({ type: 'nick', name: '' });
    expect(await peer.nextError()).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    // 200 characters (code points, an emoji is one) pass
    const max = '🙂'.repeat(100) + 'y'.repeat(100);
    peer.send({ type: 'chat', text: max });
    await waitUntil(() => texts(wa).includes(max), 2000, 'the 200-character line');
    expect(peer.closed).toBe(false);
    expect(await refusedWith(th, { name: 'n'.repeat(33) })).toBe(ErrorCode.INVALID_MESSAGE);
  });

  it('chat is rate-limited per client: a burst of 5 passes, the excess is dropped and counted, the sender told once, others undisturbed', async () => {
    const th = await startHost();
    const a = await joinClient(th, { name: 'A' });
    const b = await joinClient(th, { name: 'B' });
    const wa = watch(a);
    const wb = watch(b);
    for (let i = 1; i <= 9; i++) a.chat(`spam ${i}`);
    b.chat('calm');
    await waitUntil(() => texts(wa).includes('calm') && texts(wb).includes('calm'), 2000, "b's line");
    await sleep(200);
    expect(texts(wb, a.welcome.client)).toEqual(['spam 1', 'spam 2', 'spam 3', 'spam 4', 'spam 5']);
    expect(texts(wa, a.welcome.client)).toEqual(['spam 1', 'spam 2', 'spam 3', 'spam 4', 'spam 5']);
    expect(wa.errors.map((e) => e.code)).toEqual([ErrorCode.CHAT_RATE_LIMITED]);
    expect(wb.errors).toEqual([]);
    expect(th.host.stats().drops[ErrorCode.CHAT_RATE_LIMITED]).toBe(4);
    expect(a.closed).toBe(false);
    // sustained: one a second
    await sleep(1100);
    a.chat('later');
    await waitUntil(() => texts(wb).includes('later'), 2000, 'the line after a second');
    a.chat('too soon');
    await waitUntil(() => wa.errors.length === 2, 2000, 'told again for a new run of drops');
    expect(texts(wb)).not.toContain('too soon');
    expect(th.host.stats().drops[ErrorCode.CHAT_RATE_LIMITED]).toBe(5);
    // reconnecting does not refill the bucket
    const token = a.welcome.token;
    a.close();
    const a2 = await waitUntil(
      () => joinClient(th, { token }).catch((e: { code?: string }) => (e.code === ErrorCode.TOKEN_IN_USE ? null : Promise.reject(e))),
      2000,
      'the reconnect',
    );
    a2.chat('after reconnect');
    await sleep(200);
    expect(texts(wb)).not.toContain('after reconnect');
    expect(th.host.stats().drops[ErrorCode.CHAT_RATE_LIMITED]).toBe(6);
  });

  it('control characters, escape sequences and bidi overrides are removed from text; refused in names', async () => {
    const th = await startHost();
    const a = await joinClient(th, { name: 'A' });
    const { peer } = await RawPeer.joined(th.port, 'json', { type: 'join', protocol: 1, name: 'watcher' });
    const wa = watch(a);
    const nasty =
      '\x1b[31mred\x1b[0m \x1b]0;pwned\x07ok\r\nline\u202eevil\u2066x\u2069\x7f\x85\x9b2J\x00\x08end\x1bc \u202a\u202b\u202c\u202d\u2067\u2068tab\there';
    a.chat(nasty);
    const got = await peer.nextWhere((m) => m.type === 'chat' && m.from === a.welcome.client);
    expect(got.text).toBe('red ok  lineevilxend tab here');
    expect(got.text).not.toMatch(UNSAFE);
    // a line of nothing but controls is not sent at all
    a.chat('\x1b[2J\x1b[H\r\n\u202e');
    a.chat('after');
    const next = await peer.nextWhere((m) => m.type === 'chat' && m.from === a.welcome.client);
    expect(next.text).toBe('after');

    // names: refused, never rewritten
    for (const bad of ['bad\x1b[2J', 'tab\tname', 'rtl\u202eevil', 'iso\u2066x', 'c1\x9bx', 'del\x7f', ' padded ']) {
      expect(await refusedWith(th, { name: bad })).toBe(ErrorCode.INVALID_MESSAGE);
      a.nick(bad);
    }
    await waitUntil(() => wa.errors.length === 7, 2000, 'the nick refusals');
    expect(wa.errors.every((e) => e.code === ErrorCode.INVALID_MESSAGE)).toBe(true);
    await sleep(100);
    expect(names(a.roster)).toEqual(['A', 'watcher']);
    for (const p of a.roster) expect(p.name).not.toMatch(UNSAFE);
  });
});

describe('chat in large sessions', () => {
  it('a join storm: rosters are gathered (changes, not whole lists, to those already in), one line names a crowd, everyone ends with the full roster', async () => {
    const th = await startHost({ maxConnections: 100, gameOptions: { maxPlayers: 100 }, simOptions: { gameOptions: { maxPlayers: 100 } } });
    const first = await joinClient(th, { name: 'first' });
    const w = watch(first);
    const crowd = await Promise.all(Array.from({ length: 40 }, (_, i) => joinClient(th, { name: `p${i}` })));
    const all = [first, ...crowd];
    await waitUntil(() => all.every((c) => c.roster.length === 41), 5000, 'everyone with the 41-name roster');
    for (const c of all) expect(names(c.roster).sort()).toEqual(['first', ...crowd.map((_, i) => `p${i}`)].sort());
    // the first player got the 40 joins in a few gathered messages, not 40 whole rosters
    expect(w.rosters.length).toBeLessThan(15);
    // every joiner is announced: singly when few came at once, else in a crowd line
    const named = () => {
      let n = 0;
      for (const t of texts(w, 0)) {
        const crowdLine = /^(?:\w+, ){4}\w+ and (\d+) others joined$/.exec(t);
        if (crowdLine) n += 5 + Number(crowdLine[1]);
        else if (/^\w+ joined$/.test(t)) n++;
      }
      return n;
    };
    // (the first player's own join may fall in the same gathering as the crowd's)
    await waitUntil(() => named() >= 40, 3000, 'the 40 joiners announced');
    expect(named()).toBeLessThanOrEqual(41);
  }, 20_000);
});
