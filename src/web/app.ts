// The web client: the page the host serves on its game port. It draws with the terminal
// client's own game views (src/render-term/games.ts into a PixelCanvas, blown up on a
// <canvas>), keeps its session, prediction and interpolation in src/client-core/ (the same
// code as the terminal client), and reads keys through the terminal client's Keyboard.
//
//   WebSocket -> ClientSession -> WorldState -> Interpolator (+ Predictor, shooter)
//   requestAnimationFrame: buttons -> input; world -> game view -> PixelCanvas -> <canvas>

import { Interpolator } from '../client-core/interpolate.js';
import { Predictor } from '../client-core/predict.js';
import { fromSnapshotState, ownShip, type WorldState } from '../client-core/world.js';
import type { ChatMsg, RosterEntry } from '../net/protocol/messages.js';
import { decodeSnapshot, type SnapshotState } from '../net/protocol/snapshot/index.js';
import { gameView } from '../render-term/games.js';
import { KEY_BUTTONS, KITTY_EVENT_TYPES, Keyboard } from '../render-term/input.js';
import { Button } from '../engine/games/shooter/schema.js';
import { PixelCanvas } from '../render-term/raster.js';
import { TOUCH_PADS, keyName } from './keys.js';
import { pageHost } from './migrate.js';
import { WebClient, type LinkState } from './net.js';
import { rgbaPixel } from './palette.js';
import { bannerOf } from './screens.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** Pixels of the longer side of the game picture (the canvas shows them enlarged, crisp). */
const PICTURE = 300;
const CHAT_LINES = 100;

const params = new URLSearchParams(location.search);
const interpolator = new Interpolator();
const predictor = new Predictor();
const keyboard = new Keyboard();
keyboard.kittyFlags(KITTY_EVENT_TYPES); // browsers report releases
let game = '';
let me = 0;
let rttMs = 0;
let pingMs = -1;
let seq = 0;
let snapsThisSecond = 0;
let snapRate = 0;
const names = new Map<number, string>();
/**
 * Keys pressed since the last frame: a tap shorter than a frame (a quick key press, a touch
 * tap) still goes out once, held for that frame's input.
 */
const tapped = new Set<string>();

function press(key: string): void {
  tapped.add(key);
  keyboard.handle({ kind: 'key', key, type: 'press', mods: 0 }, performance.now());
}

function release(key: string): void {
  keyboard.handle({ kind: 'key', key, type: 'release', mods: 0 }, performance.now());
}

/** The buttons of this frame: the keys held, and the ones tapped since the last frame. */
function buttonsNow(now: number, playing: boolean): number {
  const map = gameView(game).keyButtons ?? KEY_BUTTONS;
  let b = keyboard.buttons(now, playing);
  for (const k of tapped) b |= map[k] ?? 0;
  tapped.clear();
  if (map === KEY_BUTTONS && !playing && b & Button.FIRE) b |= Button.READY;
  return b;
}

const client = new WebClient(pageHost(location), params.get('name') ?? '', {
  welcomed() {
    game = client.session.welcome.game;
    me = client.session.welcome.client;
    interpolator.reset();
    predictor.reset();
    keyboard.reset();
    keyboard.useKeys(gameView(game).keyButtons);
    $('hud-game').textContent = game;
  },
  snapshot(state) {
    const codec = client.session.codec;
    if (!codec) return;
    snapsThisSecond++;
    const w = fromSnapshotState(codec, state);
    const now = performance.now();
    interpolator.push(w, now);
    const predict = gameView(game).predict;
    if (!predict) return;
    const own = ownShip(w, me);
    predictor.reconcile(own ?? { x: 0, y: 0 }, w.tick, now, rttMs, predict.movable(w, own));
  },
  json() {},
  hostError(e) {
    addChat('*', `${e.code}: ${e.message}`, true);
  },
  left() {},
  chat(m: ChatMsg) {
    addChat(m.name, m.text, m.from === 0);
  },
  roster(players: RosterEntry[]) {
    names.clear();
    for (const p of players) names.set(p.client, p.name);
  },
  state(s: LinkState) {
    $('hud-link').textContent = s;
    // at once, not at the next frame: a migration can be over before the next frame is drawn
    showBanner(s);
  },
});

function addChat(name: string, text: string, fromHost: boolean): void {
  const log = $('chat');
  const line = document.createElement('div');
  line.className = fromHost ? 'host' : 'line';
  line.textContent = `${name}: ${text}`;
  log.append(line);
  while (log.childElementCount > CHAT_LINES) log.firstElementChild!.remove();
  log.scrollTop = log.scrollHeight;
}

// ---- input ------------------------------------------------------------------------------

const chatInput = $<HTMLInputElement>('chat-input');
addEventListener('keydown', (ev) => {
  if (document.activeElement === chatInput) return;
  const key = keyName(ev.key);
  if (key === 'enter') {
    chatInput.focus();
    ev.preventDefault();
    return;
  }
  if (!key) return;
  if (!ev.repeat) press(key);
  ev.preventDefault();
});
addEventListener('keyup', (ev) => {
  const key = keyName(ev.key);
  if (key) release(key);
});
addEventListener('blur', () => keyboard.reset());
$<HTMLFormElement>('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = chatInput.value.trim();
  if (text && client.open) client.session.chat(text);
  chatInput.value = '';
  chatInput.blur();
});

function setupTouch(): void {
  const move = $('pads-move');
  const fire = $('pads-fire');
  for (const pad of TOUCH_PADS) {
    const b = document.createElement('button');
    b.id = pad.id;
    b.textContent = pad.label;
    const down = (ev: Event) => {
      ev.preventDefault();
      press(pad.key);
    };
    const up = (ev: Event) => {
      ev.preventDefault();
      release(pad.key);
    };
    b.addEventListener('pointerdown', down);
    b.addEventListener('pointerup', up);
    b.addEventListener('pointercancel', up);
    b.addEventListener('pointerleave', up);
    (pad.key === 'space' ? fire : move).append(b);
  }
  const touch = () => document.body.classList.add('touch');
  if (matchMedia('(pointer: coarse)').matches) touch();
  addEventListener('touchstart', touch, { once: true, passive: true });
}

// ---- drawing ----------------------------------------------------------------------------

const view = $<HTMLCanvasElement>('view');
const ctx = view.getContext('2d')!;
let picture: { pc: PixelCanvas; image: ImageData; pixels: Uint32Array; off: HTMLCanvasElement } | null = null;
const pixelOf = new Map<number, number>();

function pictureFor(w: number, h: number) {
  if (picture && picture.pc.width === w && picture.pc.height === h) return picture;
  const off = document.createElement('canvas');
  off.width = w;
  off.height = h;
  const image = new ImageData(w, h);
  picture = { pc: new PixelCanvas(w, h), image, pixels: new Uint32Array(image.data.buffer), off };
  return picture;
}

function fit(): void {
  const stage = view.parentElement!;
  const pw = picture?.pc.width ?? PICTURE;
  const ph = picture?.pc.height ?? PICTURE;
  const k = Math.max(1, Math.floor(Math.min(stage.clientWidth / pw, stage.clientHeight / ph) * devicePixelRatio));
  if (view.width !== pw * k || view.height !== ph * k) {
    view.width = pw * k;
    view.height = ph * k;
  }
  view.style.width = `${(pw * k) / devicePixelRatio}px`;
}

function draw(world: WorldState): void {
  const gv = gameView(game);
  const size = gv.size(world);
  const k = PICTURE / Math.max(size.width, size.height);
  const p = pictureFor(Math.max(1, Math.round(size.width * k)), Math.max(1, Math.round(size.height * k)));
  p.pc.px.fill(gv.background);
  gv.draw(p.pc, world, { me, worldWidth: size.width, worldHeight: size.height });
  const src = p.pc.px;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    let v = pixelOf.get(c);
    if (v === undefined) pixelOf.set(c, (v = rgbaPixel(c)));
    p.pixels[i] = v;
  }
  p.off.getContext('2d')!.putImageData(p.image, 0, 0);
  fit();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(p.off, 0, 0, view.width, view.height);
}

function panel(world: WorldState | null): void {
  const gv = gameView(game);
  const players = gv.players(world);
  $('hud-players').textContent = String(world && gv.count ? gv.count(world, names) : players.length);
  const box = $('players');
  box.replaceChildren(
    ...players.map((p) => {
      const d = document.createElement('div');
      d.className = p.owner === me ? 'mine' : '';
      d.textContent = world ? gv.panelLine(p, p.owner === me, names.get(p.owner) ?? '', world) : '';
      return d;
    }),
  );
  const info = world ? gv.info(world) : '';
  $('info').textContent = Array.isArray(info) ? info.join('\n') : info;
}

// ---- the loop ---------------------------------------------------------------------------

/** The banner over the game: the lobby, the end of a match, or the link being down. */
function showBanner(link: LinkState): void {
  const latest = interpolator.latest;
  const own = latest ? ownShip(latest, me) : undefined;
  const banner = bannerOf(game, link, latest, own);
  const el = $('banner');
  if (el.textContent !== banner.text) el.textContent = banner.text;
  el.className = banner.kind;
}

let lastPanel = 0;
function frame(now: number): void {
  requestAnimationFrame(frame);
  const latest = interpolator.latest;
  const gv = gameView(game);
  if (client.open && game) {
    const buttons = document.activeElement === chatInput ? 0 : buttonsNow(now, gv.playing ? gv.playing(latest) : true);
    client.session.input(buttons);
    predictor.record(++seq, buttons, now);
  }
  let world = interpolator.sample(now);
  const p = gv.predict ? predictor.position(now) : null;
  if (world && p) world = { ...world, entities: world.entities.map((e) => (e.kind === 'player' && e.owner === me ? { ...e, x: p.x, y: p.y } : e)) };
  if (world && game) draw(world);
  showBanner(client.link);
  if (now - lastPanel > 250 && game) {
    lastPanel = now;
    panel(latest);
  }
}

setInterval(() => {
  snapRate = snapsThisSecond;
  snapsThisSecond = 0;
  $('hud-rate').textContent = String(snapRate);
  $('hud-ping').textContent = pingMs < 0 ? '-' : `${pingMs.toFixed(0)} ms`;
  if (!client.open) return;
  void client.session.ping().then((rtt) => {
    pingMs = rtt;
    rttMs = rttMs === 0 ? rtt : rttMs + (rtt - rttMs) * 0.25;
  });
}, 1000);

setupTouch();
addEventListener('resize', fit);
client.start();
requestAnimationFrame(frame);
// for the end-to-end tests and curious players: the page's state, read-only
Object.assign(globalThis, {
  lanparty: {
    client,
    interpolator,
    get game() {
      return game;
    },
    get me() {
      return me;
    },
    get snapRate() {
      return snapRate;
    },
    /**
     * Decode a full snapshot message (bench/web: the decode figure), into `out` (a state an
     * earlier call returned) as the session reuses its states, else into a new state.
     */
    decodeFull(m: Record<string, unknown>, out?: SnapshotState): SnapshotState | null {
      const codec = client.session.codec;
      const r = codec && decodeSnapshot(codec, m, null, out);
      return r && r.ok ? r.state : null;
    },
    /** What every snapshot becomes before it is drawn (bench/web). */
    worldOf(state: SnapshotState): WorldState | null {
      const codec = client.session.codec;
      return codec && fromSnapshotState(codec, state);
    },
  },
});
