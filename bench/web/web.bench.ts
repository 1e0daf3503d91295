// The web suite: the web client (src/web) in headless Debian chromium, against a host in this
// process (a shooter sim worker and a HostServer on 127.0.0.1, interest off: the page gets
// the whole world).
//
//   decode   a full snapshot of ~1,000 entities, captured from the host by a WebSocket peer
//            here, handed to the page and decoded there by the page's own code (the shared
//            decoder of src/net/protocol/snapshot, through window.lanparty): each call
//            timed alone (p50 / mean / p99, at the resolution chromium gives performance.now()),
//            and batches of calls timed together (a mean that resolution cannot blur)
//   frames   requestAnimationFrame callbacks per second while the page draws a match of
//            ~200 entities (the page's own loop: input, interpolation, drawing)

import { Packr, Unpackr } from 'msgpackr';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { HostServer } from '../../src/net/server/host-server.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { round } from '../stats.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';
import { launchChromium } from './chromium.js';
import { timeInPage, type PageTimings } from './page-timing.js';

const IP = '127.0.0.1';
const DECODE_ENTITIES = 1_000;
const FRAME_ENTITIES = 200;
const FRAME_SECONDS = 5;

export const info: SuiteInfo = {
  name: 'web',
  title: 'web client in headless chromium: snapshot decode, frame rate',
  description: [
    'The page the host serves (src/web), in Debian\'s headless chromium driven by playwright-core, against a host in the ' +
      'bench process (shooter with drifting drones, interest off). **decode**: a full snapshot message of ~1,000 entities ' +
      'from that host, decoded in the page by the shared decoder (src/net/protocol/snapshot), as the page does it: into a ' +
      'reused state (`reused`), into a new state each time (`new state`), unpacked from its bytes first (`unpack+decode`), ' +
      'the decoded state turned into the list of entities the page interpolates and draws (`to world`), and all of what ' +
      'the page does with each snapshot it receives: unpack, decode into a reused state, to world (`per snapshot`). Each call is ' +
      'timed alone (p50 / mean / p99; chromium rounds performance.now() to 0.1 ms without cross-origin isolation, see ' +
      '`clock ms`) and in batches of 100 (`batch mean`).',
    '**frames**: requestAnimationFrame callbacks per second over 5 s while the page plays a match of ~200 entities ' +
      '(its own loop: input, interpolation, prediction, drawing), the longest gap between two frames, the snapshots ' +
      'the page received meanwhile and the distinct decoded states its session used for them (it reuses their memory).',
  ],
  columns: [
    { key: 'case', label: 'case' },
    { key: 'entities', label: 'entities' },
    { key: 'p50_ms', label: 'p50 ms' },
    { key: 'mean_ms', label: 'mean ms' },
    { key: 'p99_ms', label: 'p99 ms' },
    { key: 'max_ms', label: 'max ms' },
    { key: 'batch_mean_ms', label: 'batch mean ms' },
    { key: 'first_ms', label: 'first call ms' },
    { key: 'clock_ms', label: 'clock ms' },
    { key: 'fps', label: 'frames/s' },
    { key: 'longest_frame_ms', label: 'longest frame ms' },
    { key: 'snapshots', label: 'snapshots' },
    { key: 'states', label: 'states' },
  ],
  targets: [
    { label: 'a 1,000-entity snapshot handled by the page (unpack, decode, to world) ≤ 1 ms (mean)', where: { key: 'case', value: 'decode: per snapshot' }, metric: 'mean_ms', max: 1 },
    { label: 'decode a 1,000-entity snapshot into a new state ≤ 1 ms (mean)', where: { key: 'case', value: 'decode: new state' }, metric: 'mean_ms', max: 1 },
    { label: 'a 200-entity match drawn at ≥ 55 frames/s', where: { key: 'case', value: 'frames' }, metric: 'fps', min: 55 },
  ],
};

interface Bench {
  sim: SimHost;
  host: HostServer;
  stop(): Promise<void>;
}

/** A shooter host with `drones` drifting drones, interest off, on a free port of 127.0.0.1. */
async function startHost(drones: number): Promise<Bench> {
  const gameOptions = { drones, maxPlayers: 16 };
  const sim = await SimHost.start({ game: 'shooter', gameOptions, capacity: 4000 });
  const host = await HostServer.start({ sim, gameName: 'shooter', gameOptions, bind: IP, port: 0, interest: false });
  return {
    sim,
    host,
    async stop() {
      await host.stop();
      await sim.stop();
    },
  };
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The bytes of one full snapshot, from a WebSocket peer that joins and never acks. */
async function captureFull(port: number): Promise<{ bytes: Buffer; count: number }> {
  const ws = new WebSocket(`ws://${IP}:${port}/ws`);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no full snapshot within 10 s')), 10_000);
      ws.on('open', () => ws.send(packr.pack({ type: 'join', protocol: 1, name: 'capture' })));
      ws.on('error', reject);
      let seen = 0;
      ws.on('message', (data: Buffer) => {
        const m = unpackr.unpack(data) as { type: string; base?: number };
        // a few ticks in, once the drones are all spawned
        if (m.type !== 'snapshot' || m.base !== -1 || ++seen < 30) return;
        clearTimeout(timer);
        resolve({ bytes: Buffer.from(data), count: -1 });
      });
    });
  } finally {
    ws.terminate();
  }
}

async function openPage(page: Page, port: number): Promise<void> {
  await page.goto(`http://${IP}:${port}/?name=bench`);
  await page.waitForFunction(() => {
    const lp = (globalThis as unknown as { lanparty: { client: { link: string; session?: { snapshots: number } } } }).lanparty;
    return lp.client.link === 'playing' && (lp.client.session?.snapshots ?? 0) > 30;
  }, undefined, { timeout: 20_000 });
}

function decodeRows(t: PageTimings): Row[] {
  return t.cases.map((c) => ({
    case: `decode: ${c.name}`,
    entities: t.entities,
    p50_ms: round(c.p50, 3),
    mean_ms: round(c.mean, 3),
    p99_ms: round(c.p99, 3),
    max_ms: round(c.max, 3),
    batch_mean_ms: round(c.batchMean, 4),
    first_ms: round(c.first, 3),
    clock_ms: round(t.clockMs, 4),
  }));
}

interface Frames {
  fps: number;
  longest: number;
  entities: number;
  snapshots: number;
  /** Distinct decoded states the page's session held over the snapshots (it reuses their memory). */
  states: number;
}

async function measureFrames(page: Page): Promise<Frames> {
  return page.evaluate(
    (seconds) =>
      new Promise<Frames>((resolve) => {
        const g = globalThis as unknown as {
          lanparty: { interpolator: { latest: { entities: unknown[] } | null }; client: { session: { state: unknown; snapshots: number } } };
          requestAnimationFrame(f: (now: number) => void): void;
        };
        const lp = g.lanparty;
        let frames = 0;
        let longest = 0;
        let t0 = -1;
        let last = 0;
        const states = new Set<unknown>();
        const snaps0 = lp.client.session.snapshots;
        const frame = (now: number) => {
          states.add(lp.client.session.state);
          if (t0 < 0) t0 = now;
          else {
            frames++;
            longest = Math.max(longest, now - last);
          }
          last = now;
          if (now - t0 < seconds * 1000) g.requestAnimationFrame(frame);
          else {
            const snapshots = lp.client.session.snapshots - snaps0;
            resolve({ fps: (frames * 1000) / (now - t0), longest, entities: lp.interpolator.latest?.entities.length ?? 0, snapshots, states: states.size });
          }
        };
        g.requestAnimationFrame(frame);
      }),
    FRAME_SECONDS,
  );
}

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  const browser = await launchChromium({ viewport: { width: 1000, height: 700 }, extraArgs: ['--js-flags=--expose-gc'] });
  try {
    const page = browser.ctx.pages()[0] ?? (await browser.ctx.newPage());
    // ---- decode ----
    let b = await startHost(DECODE_ENTITIES);
    try {
      await openPage(page, b.host.port);
      const { bytes } = await captureFull(b.host.port);
      const t = await timeInPage(page, bytes);
      console.log(`decode: ${t.entities} entities, ${bytes.length} bytes`);
      rows.push(...decodeRows(t));
    } finally {
      await b.stop();
    }
    // ---- frames ----
    b = await startHost(FRAME_ENTITIES);
    try {
      await page.goto('about:blank');
      await openPage(page, b.host.port);
      // a match, not the lobby: alone, readying starts it
      await page.keyboard.press('Space');
      await page.waitForFunction(() => (globalThis as unknown as { lanparty: { interpolator: { latest: { phase: number } | null } } }).lanparty.interpolator.latest?.phase === 1, undefined, { timeout: 10_000 });
      const f = await measureFrames(page);
      rows.push({ case: 'frames', entities: f.entities, fps: round(f.fps, 1), longest_frame_ms: round(f.longest, 1), snapshots: f.snapshots, states: f.states });
    } finally {
      await b.stop();
    }
  } finally {
    await browser.close();
  }
  return { rows };
}
