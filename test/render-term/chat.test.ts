import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Button } from '../../src/engine/games/shooter/schema.js';
import type { LanpartyClient } from '../../src/net/client/client.js';
import { gatherSchema } from '../../src/engine/games/gather/schema.js';
import { createSnapshotCodec, type JsonSnapshot } from '../../src/net/protocol/snapshot/index.js';
import { Chat, clean, SCROLLBACK_KEPT, typed } from '../../src/render-term/chat.js';
import { parseKeys, type KeyEvent } from '../../src/render-term/keys.js';
import { startTerminalClient, type TerminalClient } from '../../src/render-term/runner.js';
import { shown } from './vt.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
const evs = (s: string) => parseKeys(s).events.filter((e): e is KeyEvent => e.kind === 'key');

describe('chat input and scrollback (unit)', () => {
  it('Enter opens, typing (shift, kitty shifted keys, backspace) builds the text, Enter returns it exactly', () => {
    const c = new Chat();
    expect(c.handle(evs('w')[0]!)).toBeNull(); // closed: keys are the game's
    expect(c.handle(evs('\r')[0]!)).toBe('handled');
    expect(c.open).toBe(true);
    for (const e of evs('Hi thxx\x7f\x7fere!')) c.handle(e);
    // kitty: shift + '1' with its shifted key (alternate keys), a release (ignored), shift + 'a'
    for (const e of evs('\x1b[49:33;2u\x1b[49:33;2:3u\x1b[97;2u')) c.handle(e);
    expect(c.input).toBe('Hi there!!A');
    expect(c.handle(evs('\r')[0]!)).toEqual({ send: 'Hi there!!A' });
    expect(c.open).toBe(false);
  });

  it('Esc cancels; a blank line sends nothing; ctrl / alt chords type nothing', () => {
    const c = new Chat();
    c.handle(evs('\r')[0]!);
    for (const e of evs('abc')) c.handle(e);
    expect(c.handle({ kind: 'key', key: 'escape', type: 'press', mods: 0 })).toBe('handled');
    expect(c.input).toBeNull();
    c.handle(evs('\r')[0]!);
    for (const e of evs('  \x1bx')) c.handle(e);
    expect(c.input).toBe('  ');
    expect(c.handle(evs('\r')[0]!)).toBe('handled');
    expect(typed({ kind: 'key', key: 'up', type: 'press', mods: 0 })).toBe('');
  });

  it('keeps the newest messages and strips control characters from messages and names', () => {
    const c = new Chat();
    for (let i = 0; i < SCROLLBACK_KEPT + 5; i++) c.add({ from: 8, name: 'bob', text: `m${i}`, tick: i });
    expect(c.lines.length).toBe(SCROLLBACK_KEPT);
    expect(c.lines.at(-1)!.text).toBe(`m${SCROLLBACK_KEPT + 4}`);
    c.add({ from: 9, name: 'e\x1bve', text: 'a\x00b\x1b[2J\u0085c\x7f\t', tick: 1 });
    expect(c.lines.at(-1)).toMatchObject({ name: 'eve', text: 'ab[2Jc' });
    c.roster([{ client: 7, name: 'ann\x07' }]);
    expect(c.names.get(7)).toBe('ann');
    expect(clean('\u009b31m')).toBe('31m');
  });
});

/** Stands in for LanpartyClient (JSON mode, the gather game). */
class FakeClient extends EventEmitter {
  welcome = { client: 7, token: 'tok-7', entity: 1, hz: 60, game: 'gather' };
  codec = createSnapshotCodec(gatherSchema, 100);
  roster = [{ client: 7, name: 'ann' }];
  snapshots = 0;
  bytesIn = 0;
  closed = false;
  inputs: number[] = [];
  said: string[] = [];
  input(b: number): void {
    this.inputs.push(b);
  }
  chat(text: string): void {
    this.said.push(text);
  }
  ping(): Promise<number> {
    return Promise.resolve(3);
  }
  leaveAndClose(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

const snap = (tick: number): JsonSnapshot => ({
  type: 'snapshot',
  tick,
  base: -1,
  ids: [1, 2],
  fields: {
    'Entity.archetype': [1, 2],
    'Entity.gen': [1, 1],
    'Entity.owner': [7, 0],
    'Position.x': [100, 300],
    'Position.y': [100, 200],
    'Player.points': [2, 0],
    'Player.gamesWon': [0, 0],
    'Player.dir': [0, 0],
  },
  globals: { cols: 59, rows: 39, round: 1 },
});

const running: TerminalClient[] = [];
afterEach(async () => {
  for (const tc of running.splice(0)) {
    tc.quit();
    await tc.done.catch(() => {});
  }
});

function harness() {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    { columns: 100, rows: 30 },
  );
  const input = new PassThrough();
  const clients: FakeClient[] = [];
  const tc = startTerminalClient({
    host: '127.0.0.1',
    port: 5999,
    mode: 'json',
    out: out as unknown as NodeJS.WriteStream,
    in: input as unknown as NodeJS.ReadStream,
    exitOnSignal: false,
    holdMs: 10_000,
    connect: async () => {
      const c = new FakeClient();
      clients.push(c);
      return c as unknown as LanpartyClient;
    },
  });
  running.push(tc);
  return { tc, input, clients, text: () => chunks.join('') };
}

describe('chat in the terminal client (gather, fake client)', () => {
  it('Enter opens the line; keys type instead of moving; Enter sends the exact text; Esc cancels; scrollback and roster names show', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    const c = h.clients[0]!;
    c.emit('json', snap(1));
    expect(h.tc.game).toBe('gather');
    await until(() => shown(h.text(), 100, 30).includes('lanparty gather'), 'gather title');
    await until(() => shown(h.text(), 100, 30).includes('>ann'), 'roster name in the panel');

    h.input.write('\r');
    await until(() => h.tc.chat.open, 'chat open');
    c.inputs.length = 0;
    h.input.write('wasd Hello, q!');
    await until(() => h.tc.chat.input === 'wasd Hello, q!', 'typed');
    await sleep(60);
    expect(h.tc.chat.open).toBe(true); // q typed, did not quit
    expect(c.inputs.length).toBeGreaterThan(0);
    expect(c.inputs.every((b) => b === 0)).toBe(true); // no movement while typing
    await until(() => shown(h.text(), 100, 30).includes('say: wasd Hello, q!'), 'input line drawn');
    h.input.write('\r');
    await until(() => c.said.length === 1, 'sent');
    expect(c.said).toEqual(['wasd Hello, q!']);
    expect(h.tc.chat.open).toBe(false);

    // Esc cancels: nothing sent
    h.input.write('\rnope');
    await until(() => h.tc.chat.input === 'nope', 'typed again');
    h.input.write('\x1b');
    await until(() => !h.tc.chat.open, 'cancelled by Esc');
    expect(c.said).toEqual(['wasd Hello, q!']);

    // keys move again once the line is closed
    h.input.write('d');
    await until(() => c.inputs.some((b) => (b & Button.RIGHT) !== 0), 'moving');

    // messages from the host show in the scrollback, newest last, with no control characters
    c.emit('roster', [{ client: 7, name: 'ann' }, { client: 8, name: 'bob' }]);
    c.emit('chat', { from: 8, name: 'bob', text: 'gg\x1b[2J\x07', tick: 5 });
    await until(() => shown(h.text(), 100, 30).includes('bob: gg[2J'), 'message drawn');
    expect(h.text()).not.toContain('\x07');
    expect(h.text()).not.toContain('gg\x1b'); // the ESC of the message never reaches the terminal
  });
});
