// The terminal client: connects, draws up to `fps` frames a second (only the cells that
// changed), sends the held buttons every frame, predicts the own ship and interpolates the
// rest, keeps the HUD's numbers, and re-establishes the connection when it drops (with the
// session token, showing the "host migration" banner meanwhile). The terminal is restored on
// every way out (see terminal.ts).

import { StringDecoder } from 'node:string_decoder';
import { LanpartyClient, type ClientOptions } from '../net/client/client.js';
import { webUrl } from '../net/address.js';
import { ErrorCode } from '../net/errors.js';
import { Chat } from './chat.js';
import { diffScreens, type ColorDepth } from './diff.js';
import type { HostAddress, TerminalClientOptions } from './options.js';
import { renderFrame, type FrameModel } from './frame.js';
import { gameView } from './games.js';
import type { HudInfo } from './hud.js';
import { Keyboard } from './input.js';
import { Interpolator } from '../client-core/interpolate.js';
import { flushRest, parseKeys, type TermEvent } from './keys.js';
import { Predictor } from '../client-core/predict.js';
import { Screen } from './screen.js';
import { RateMeter } from './stats.js';
import { SEQ, TerminalGuard } from './terminal.js';
import { fromJsonSnapshot, fromSnapshotState, ownShip, type WorldState } from '../client-core/world.js';

export type { HostAddress, TerminalClientOptions } from './options.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const PING_EVERY_MS = 1000;
const PING_STALE_MS = 3000;
const RETRY_MS = 500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TerminalClient {
  /** Settles when the client has stopped and the terminal is restored (rejects on a fatal error). */
  readonly done: Promise<void>;
  client: LanpartyClient | null = null;
  /** Own client id (welcome.client). */
  me = 0;
  readonly keyboard: Keyboard;
  readonly predictor = new Predictor();
  readonly interpolator = new Interpolator();
  /** Chat scrollback, roster names and the input line. */
  readonly chat = new Chat();
  /** The game the host runs (welcome.game). */
  game = 'shooter';
  private readonly o: TerminalClientOptions;
  private readonly out: NodeJS.WriteStream;
  private readonly input: NodeJS.ReadStream;
  private readonly guard: TerminalGuard;
  private readonly now: () => number;
  private readonly frameMs: number;
  private readonly colors: ColorDepth;
  private target: HostAddress;
  private token: string | undefined;
  private archetypes: readonly string[] = [];
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  private finished = false;
  private reconnecting: Promise<void> | null = null;
  private manualMigrating = false;
  private autoMigrating = false;
  private status: string | null;
  private seq = 0;
  private pingMs: number | null = null;
  private rttMs = 0;
  private pingSentAt = -Infinity;
  private pingPending = false;
  private readonly snapRate = new RateMeter();
  private readonly byteRate = new RateMeter();
  private snapBase = 0;
  private byteBase = 0;
  private screen: Screen | null = null;
  private shown: Screen | null = null;
  private blocked = false;
  private nextFrameAt = 0;
  private frameTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private escTimer: NodeJS.Timeout | null = null;
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly onData = (chunk: Buffer | string) => this.safely(() => this.feed(chunk));
  private readonly onResize = () => (this.shown = null);
  private readonly onDrain = () => (this.blocked = false);
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.finish();
    if (this.o.exitOnSignal ?? true) process.kill(process.pid, sig);
  };

  constructor(o: TerminalClientOptions) {
    this.o = o;
    this.out = o.out ?? process.stdout;
    this.input = o.in ?? process.stdin;
    this.now = o.now ?? (() => performance.now());
    this.frameMs = 1000 / (o.fps ?? 60);
    this.colors = o.colors ?? (/truecolor|24bit/i.test(process.env.COLORTERM ?? '') ? 'truecolor' : '256');
    this.keyboard = new Keyboard({ holdMs: o.holdMs });
    this.target = { host: o.host, port: o.port };
    this.token = o.token;
    this.status = `connecting to ${o.host}:${o.port}...`;
    this.guard = new TerminalGuard({ out: this.out, in: this.input, kitty: o.kitty ?? true });
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Take over the terminal and connect. */
  start(): this {
    try {
      this.guard.enter();
      this.input.on('data', this.onData);
      this.input.resume();
      this.out.on('resize', this.onResize);
      this.out.on('drain', this.onDrain);
      if (this.out.isTTY && process.platform !== 'win32') process.on('SIGWINCH', this.onResize);
      for (const s of SIGNALS) process.on(s, this.onSignal);
      this.nextFrameAt = this.now();
      this.frameTimer = setTimeout(() => this.tick(), 0);
      this.pingTimer = setInterval(() => this.safely(() => this.sendPing()), PING_EVERY_MS);
      void this.connectFirst();
    } catch (e) {
      this.finish(e as Error);
    }
    return this;
  }

  /** Show (or hide) the "host migration" banner, e.g. while the CLI elects a new host. */
  setMigrating(on: boolean): void {
    this.manualMigrating = on;
  }

  get migrating(): boolean {
    return this.manualMigrating || this.autoMigrating;
  }

  /**
   * Move to another host (after a host migration) or reconnect to the same one: the banner
   * shows until the new connection is welcomed; the session token is offered first.
   */
  reconnect(target?: HostAddress): Promise<void> {
    if (target) this.target = target;
    const old = this.client;
    this.client = null;
    if (old) {
      this.snapBase += old.snapshots;
      this.byteBase += old.bytesIn;
      old.removeAllListeners();
      old.close();
    }
    return this.reconnectLoop();
  }

  /** Leave the game and restore the terminal. */
  quit(): void {
    this.finish();
  }

  // ---- connection ---------------------------------------------------------------------

  private connectTo(target: HostAddress, token: string | undefined): Promise<LanpartyClient> {
    const connect = this.o.connect ?? ((c: ClientOptions) => LanpartyClient.connect(c));
    return connect({
      host: target.host,
      port: target.port,
      mode: this.o.mode ?? 'msgpack',
      transport: this.o.transport ?? 'tcp',
      token,
      name: this.o.name,
      timeoutMs: this.o.connectTimeoutMs,
    });
  }

  private async connectFirst(): Promise<void> {
    try {
      const c = await this.connectTo(this.target, this.token);
      if (this.finished) return c.close();
      this.adopt(c);
    } catch (e) {
      this.finish(e as Error);
    }
  }

  private reconnectLoop(): Promise<void> {
    this.reconnecting ??= (async () => {
      this.autoMigrating = true;
      this.status = null;
      const deadline = this.now() + (this.o.reconnectMs ?? 15_000);
      let token = this.token;
      try {
        while (!this.finished) {
          try {
            const c = await this.connectTo(this.target, token);
            if (this.finished) return c.close();
            this.adopt(c);
            return;
          } catch (e) {
            const code = (e as { code?: string }).code;
            // a host that does not know (or no longer keeps) our session: join afresh
            if (code === ErrorCode.BAD_TOKEN || code === ErrorCode.TOKEN_EXPIRED) token = undefined;
            if (this.now() >= deadline) {
              this.finish(new Error(`connection to the host lost: ${(e as Error).message}`));
              return;
            }
            if (code !== ErrorCode.BAD_TOKEN && code !== ErrorCode.TOKEN_EXPIRED) await sleep(RETRY_MS);
          }
        }
      } finally {
        this.autoMigrating = false;
        this.reconnecting = null;
      }
    })();
    return this.reconnecting;
  }

  private adopt(c: LanpartyClient): void {
    const old = this.client;
    if (old) {
      this.snapBase += old.snapshots;
      this.byteBase += old.bytesIn;
      old.removeAllListeners();
      old.close();
    }
    this.client = c;
    this.me = c.welcome.client;
    this.token = c.welcome.token;
    this.archetypes = c.codec?.descriptor.archetypes ?? [];
    this.game = c.welcome.game ?? 'shooter';
    this.keyboard.useKeys(gameView(this.game).keyButtons);
    if (c.roster?.length) this.chat.roster(c.roster);
    this.status = null;
    this.seq = 0;
    this.predictor.reset();
    this.interpolator.reset();
    this.pingPending = false;
    c.on('snapshot', (s) => this.safely(() => this.onWorld(fromSnapshotState(c.codec!, s))));
    c.on('json', (j) => this.safely(() => this.onWorld(fromJsonSnapshot(j, this.archetypes))));
    c.on('hostError', (e) => (this.status = `host: ${e.code} ${e.message}`));
    c.on('chat', (m) => this.safely(() => this.chat.add(m)));
    c.on('roster', (players) => this.safely(() => this.chat.roster(players)));
    c.on('close', () => {
      if (this.client !== c || this.finished) return;
      this.snapBase += c.snapshots;
      this.byteBase += c.bytesIn;
      this.client = null;
      void this.reconnectLoop();
    });
    this.sendPing();
  }

  private sendPing(): void {
    const c = this.client;
    if (!c || c.closed) return;
    const now = this.now();
    if (this.pingPending && now - this.pingSentAt < PING_STALE_MS) return;
    this.pingPending = true;
    this.pingSentAt = now;
    void c.ping().then((rtt) => {
      if (this.client !== c) return;
      this.pingPending = false;
      this.pingMs = rtt;
      this.rttMs = this.rttMs === 0 ? rtt : this.rttMs + (rtt - this.rttMs) * 0.25;
    });
  }

  private onWorld(w: WorldState): void {
    const now = this.now();
    this.interpolator.push(w, now);
    const predict = gameView(this.game).predict;
    if (!predict) return;
    const own = ownShip(w, this.me);
    this.predictor.reconcile(own ?? { x: 0, y: 0 }, w.tick, now, this.rttMs, predict.movable(w, own));
  }

  // ---- input --------------------------------------------------------------------------

  private feed(chunk: Buffer | string): void {
    const { events, rest } = parseKeys(this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk)));
    this.rest = rest;
    if (this.escTimer) clearTimeout(this.escTimer);
    this.escTimer = rest
      ? setTimeout(() => {
          const evs = flushRest(this.rest);
          this.rest = '';
          this.safely(() => this.handle(evs));
        }, 50)
      : null;
    this.handle(events);
  }

  private handle(events: TermEvent[]): void {
    const now = this.now();
    for (const ev of events) {
      if (ev.kind === 'kitty-flags') this.keyboard.kittyFlags(ev.flags);
      else if (ev.kind === 'key') {
        if (ev.key === 'ctrl-c' && ev.type === 'press') return this.finish();
        const wasOpen = this.chat.open;
        const act = this.chat.handle(ev);
        if (act !== null) {
          // the chat line takes the keys: nothing stays held for the game meanwhile
          if (!wasOpen) this.keyboard.reset();
          if (typeof act === 'object') {
            const c = this.client;
            if (c && !c.closed) c.chat(act.send);
          }
          continue;
        }
        if (this.keyboard.handle(ev, now) === 'quit') return this.finish();
      }
    }
  }

  // ---- frames -------------------------------------------------------------------------

  private tick(): void {
    if (this.finished) return;
    this.safely(() => this.frame());
    if (this.finished) return;
    const now = this.now();
    this.nextFrameAt += this.frameMs;
    if (this.nextFrameAt < now - this.frameMs) this.nextFrameAt = now; // fell behind: do not catch up
    this.frameTimer = setTimeout(() => this.tick(), Math.max(0, this.nextFrameAt - now));
  }

  /** One frame: send the buttons, draw, write the changed cells. */
  frame(): void {
    const now = this.now();
    const latest = this.interpolator.latest;
    const view = gameView(this.game);
    const buttons = this.chat.open ? 0 : this.keyboard.buttons(now, view.playing ? view.playing(latest) : true);
    const c = this.client;
    if (c && !c.closed) {
      c.input(buttons);
      this.predictor.record(++this.seq, buttons, now);
    }
    this.snapRate.add(now, this.snapBase + (c?.snapshots ?? 0));
    this.byteRate.add(now, this.byteBase + (c?.bytesIn ?? 0));
    if (this.blocked) return;

    const cols = this.out.columns ?? 80;
    const rows = this.out.rows ?? 24;
    if (!this.screen || this.screen.width !== cols || this.screen.height !== rows) {
      this.screen = new Screen(cols, rows);
      this.shown = null;
    }
    renderFrame(this.screen, this.model(now));
    const ansi = diffScreens(this.shown, this.screen, { colors: this.colors });
    if (ansi) {
      if (!this.out.write(SEQ.syncStart + ansi + SEQ.syncEnd)) this.blocked = true;
    }
    // the screen just shown becomes the base; draw the next frame into the other buffer
    const spare = this.shown && this.shown.width === cols && this.shown.height === rows ? this.shown : new Screen(cols, rows);
    this.shown = this.screen;
    this.screen = spare;
  }

  /** What to draw at `now`: interpolated world, own ship predicted. */
  model(now: number): FrameModel {
    let world = this.interpolator.sample(now);
    const p = gameView(this.game).predict ? this.predictor.position(now) : null;
    if (world && p) {
      world = { ...world, entities: world.entities.map((e) => (e.kind === 'player' && e.owner === this.me ? { ...e, x: p.x, y: p.y } : e)) };
    }
    const hud: HudInfo = {
      mode: this.client?.transport === 'udp' ? 'msgpack/udp' : this.o.mode ?? 'msgpack',
      pingMs: this.pingMs,
      snapshotsPerSec: this.snapRate.rate(),
      kbPerSecIn: this.byteRate.rate() / 1024,
      migrating: this.migrating,
      status: this.status,
      keyReleases: this.keyboard.releases,
      holdMs: this.keyboard.holdMs,
      game: this.game,
      names: this.chat.names,
      chat: this.chat.lines,
      chatInput: this.chat.input,
      webUrl: webUrl(this.target.host, this.target.port),
    };
    // the size options: the game's view decides whether they apply (GameView.size)
    return { world, me: this.me, hud, worldWidth: this.o.worldWidth, worldHeight: this.o.worldHeight };
  }

  // ---- the end ------------------------------------------------------------------------

  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.finish(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Stop everything and restore the terminal; an error rejects `done`. Idempotent. */
  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of [this.frameTimer, this.escTimer]) if (t) clearTimeout(t);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.input.off('data', this.onData);
    this.out.off('resize', this.onResize);
    this.out.off('drain', this.onDrain);
    process.off('SIGWINCH', this.onResize);
    for (const s of SIGNALS) process.off(s, this.onSignal);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      // a leave, then the close once the host has read it (a close at once, with snapshots
      // unread, resets the connection and may lose the leave: the player would stay for its grace)
      if (!error) void c.leaveAndClose();
      else c.close();
    }
    try {
      this.guard.restore();
    } catch (e) {
      error ??= e as Error;
    }
    this.input.pause();
    if (error) this.settle.reject(error);
    else this.settle.resolve();
  }
}

/** Start the terminal client; returns it at once (for setMigrating / reconnect / quit). */
export function startTerminalClient(o: TerminalClientOptions): TerminalClient {
  return new TerminalClient(o).start();
}

/** Run the terminal client until the player quits (resolves) or a fatal error (rejects). */
export function runTerminalClient(o: TerminalClientOptions): Promise<void> {
  return startTerminalClient(o).done;
}
