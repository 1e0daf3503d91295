import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Button, shooterSchema } from '../../src/engine/games/shooter/schema.js';
import type { ClientOptions, LanpartyClient } from '../../src/net/client/client.js';
import { createSnapshotCodec, type JsonSnapshot } from '../../src/net/protocol/snapshot/index.js';
import { startTerminalClient, type TerminalClient, type TerminalClientOptions } from '../../src/render-term/runner.js';
import { KITTY_FLAGS, restoreSequence } from '../../src/render-term/terminal.js';
import { shown } from './vt.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Stands in for LanpartyClient (JSON mode): records inputs, emits what a test tells it. */
class FakeClient extends EventEmitter {
  welcome = { client: 7, token: 'tok-7', entity: 1, hz: 60, game: 'shooter' };
  codec = createSnapshotCodec(shooterSchema, 100);
  snapshots = 0;
  bytesIn = 0;
  closed = false;
  left = false;
  inputs: number[] = [];
  input(b: number): void {
    this.inputs.push(b);
  }
  ping(): Promise<number> {
    return Promise.resolve(3);
  }
  leaveAndClose(): Promise<void> {
    this.left = true;
    this.closed = true;
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
  snapshot(s: JsonSnapshot): void {
    this.snapshots++;
    this.bytesIn += 500;
    this.emit('json', s);
  }
  drop(): void {
    this.closed = true;
    this.emit('close');
  }
}

const snap = (tick: number, phase: number, x = 220): JsonSnapshot => ({
  type: 'snapshot',
  tick,
  base: -1,
  ids: [1, 2],
  fields: {
    'Entity.archetype': [1, 2],
    'Entity.gen': [1, 1],
    'Entity.owner': [7, 0],
    'Position.x': [x, 100],
    'Position.y': [630, 100],
    'Player.slot': [1, 0],
    'Player.health': [100, 0],
    'Player.score': [3, 0],
    'Player.ready': [0, 0],
    'Player.lost': [0, 0],
    'Player.won': [0, 0],
    'Enemy.color': [0, 1],
    'Laser.slot': [0, 0],
  },
  globals: { phase, level: 1, matchNo: 1 },
});

interface Harness {
  tc: TerminalClient;
  out: Writable & { columns: number; rows: number };
  input: PassThrough;
  text: () => string;
  clients: FakeClient[];
  connects: ClientOptions[];
}

const running: TerminalClient[] = [];
afterEach(async () => {
  for (const tc of running.splice(0)) {
    tc.quit();
    await tc.done.catch(() => {});
  }
});

function harness(o: Partial<TerminalClientOptions> & { fail?: (n: number) => Error | null } = {}): Harness {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    { columns: 80, rows: 24 },
  );
  const input = new PassThrough();
  const clients: FakeClient[] = [];
  const connects: ClientOptions[] = [];
  const tc = startTerminalClient({
    host: '127.0.0.1',
    port: 5999,
    mode: 'json',
    out: out as unknown as NodeJS.WriteStream,
    in: input as unknown as NodeJS.ReadStream,
    exitOnSignal: false,
    connect: async (co) => {
      connects.push(co);
      const err = o.fail?.(connects.length);
      if (err) throw err;
      const c = new FakeClient();
      clients.push(c);
      return c as unknown as LanpartyClient;
    },
    ...o,
  });
  running.push(tc);
  return { tc, out, input, text: () => chunks.join(''), clients, connects };
}

describe('terminal client runner', () => {
  it('takes over the terminal, draws, sends the held buttons every frame, and restores everything on q', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    const c = h.clients[0]!;
    expect(h.text().startsWith('\x1b[?1049h\x1b[?25l')).toBe(true); // alternate screen, hidden cursor
    expect(h.text()).toContain(`\x1b[>${KITTY_FLAGS}u\x1b[?u`); // kitty flags pushed and queried
    c.snapshot(snap(10, 0));
    await until(() => shown(h.text()).includes('press SPACE to ready'), 'lobby screen');
    expect(shown(h.text())).toContain('PLAYERS 1');
    const before = c.inputs.length;
    await sleep(100);
    expect(c.inputs.length - before).toBeGreaterThan(3); // one input per frame
    h.input.write('d');
    await until(() => c.inputs.includes(Button.RIGHT), 'RIGHT sent');
    h.input.write(' ');
    await until(() => c.inputs.some((b) => b & Button.READY && b & Button.FIRE), 'READY sent outside a match');
    h.input.write('q');
    await h.tc.done;
    expect(c.left).toBe(true);
    expect(c.closed).toBe(true);
    expect(h.text().endsWith(restoreSequence(true))).toBe(true);
    expect(restoreSequence(true)).toBe('\x1b[<u\x1b[?2026l\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l');
  });

  it('draws the own ship where prediction puts it, ahead of the host', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    const c = h.clients[0]!;
    c.snapshot(snap(10, 1, 300));
    await sleep(30);
    h.input.write('\x1b[C');
    // the fake host never moves the ship; the prediction does, by up to ~250 ms of movement
    await until(() => (h.tc.model(performance.now()).world?.entities.find((e) => e.owner === 7)?.x ?? 0) > 303, 'predicted move');
  });

  it('a failed connect rejects, with the terminal restored', async () => {
    const h = harness({ fail: () => new Error('ECONNREFUSED') });
    await expect(h.tc.done).rejects.toThrow('ECONNREFUSED');
    expect(h.text().endsWith(restoreSequence(true))).toBe(true);
  });

  it('SIGTERM restores the terminal and removes its handlers', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const exits = process.listenerCount('exit');
    const h = harness({ kitty: false });
    await until(() => h.clients.length === 1, 'connect');
    expect(process.listenerCount('SIGTERM')).toBe(listeners + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await h.tc.done;
    expect(h.text().endsWith(restoreSequence(false))).toBe(true);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
    expect(process.listenerCount('exit')).toBe(exits);
  });

  it('an uncaught exception restores the terminal before Node reports it (once)', async () => {
    const h = harness({ kitty: false });
    await until(() => h.clients.length === 1, 'connect');
    // what Node does before it reports an uncaught exception
    (process as unknown as EventEmitter).emit('uncaughtExceptionMonitor', new Error('boom'), 'uncaughtException');
    expect(h.text().endsWith(restoreSequence(false))).toBe(true);
    h.tc.quit();
    await h.tc.done;
    expect(h.text().split(restoreSequence(false)).length).toBe(2);
  });

  it('a dropped connection shows the host migration banner, rejoins with the session token, and carries on', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    h.clients[0]!.snapshot(snap(10, 1));
    await until(() => shown(h.text()).includes('P1'), 'first frame');
    h.clients[0]!.drop();
    await until(() => h.clients.length === 2, 'reconnect');
    expect(h.connects[1]!.token).toBe('tok-7');
    const at = h.text().length;
    h.clients[1]!.snapshot(snap(11, 1));
    await until(() => h.tc.migrating === false && h.text().length > at, 'back');
    await sleep(50);
    expect(shown(h.text())).not.toContain('HOST MIGRATION');
  });

  it('keeps retrying while the host is away (banner up), then gives up after reconnectMs', async () => {
    const h = harness({ reconnectMs: 700, fail: (n) => (n > 1 ? new Error('ECONNREFUSED') : null) });
    await until(() => h.clients.length === 1, 'connect');
    h.clients[0]!.snapshot(snap(10, 1));
    h.clients[0]!.drop();
    await until(() => shown(h.text()).includes('HOST MIGRATION - reconnecting...'), 'banner');
    await expect(h.tc.done).rejects.toThrow('connection to the host lost');
    expect(h.connects.length).toBeGreaterThanOrEqual(2);
  });

  it('setMigrating drives the banner; reconnect() moves to another host', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    h.clients[0]!.snapshot(snap(10, 1));
    h.tc.setMigrating(true);
    await until(() => shown(h.text()).includes('HOST MIGRATION'), 'banner');
    const moved = h.tc.reconnect({ host: '10.1.1.1', port: 6000 });
    await moved;
    h.tc.setMigrating(false);
    expect(h.connects[1]).toMatchObject({ host: '10.1.1.1', port: 6000, token: 'tok-7' });
    expect(h.clients[0]!.closed).toBe(true);
    h.clients[1]!.snapshot(snap(11, 1));
    await until(() => !shown(h.text()).includes('HOST MIGRATION'), 'banner gone');
  });

  it('kitty flags reply switches to press/release keys; a resize redraws everything', async () => {
    const h = harness();
    await until(() => h.clients.length === 1, 'connect');
    h.input.write('\x1b[?11u');
    await until(() => h.tc.keyboard.releases, 'kitty');
    h.input.write('\x1b[100u');
    await sleep(300); // longer than the legacy hold time: still held
    expect(h.clients[0]!.inputs.at(-1)).toBe(Button.RIGHT);
    h.input.write('\x1b[100;1:3u');
    await until(() => h.clients[0]!.inputs.at(-1) === 0, 'released');
    const at = h.text().length;
    h.out.columns = 100;
    h.out.rows = 30;
    h.out.emit('resize');
    await until(() => h.text().slice(at).includes('\x1b[2J'), 'full redraw');
    h.out.columns = 20;
    h.out.rows = 8;
    h.out.emit('resize');
    await until(() => shown(h.text(), 20, 8).includes('too small'), 'too small');
  });

  it('a static picture writes nothing', async () => {
    const h = harness({ kitty: false });
    await until(() => h.clients.length === 1, 'connect');
    h.clients[0]!.snapshot(snap(10, 0));
    await sleep(1200); // the snapshot rate falls back to 0 and stays
    const at = h.text().length;
    await sleep(200);
    expect(h.text().length).toBe(at);
  });
});
