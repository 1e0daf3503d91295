// The fragments suite: one tick of snapshot work for 1,000 interest clients of a shooter with
// 10,000 drones, before (each distinct view encoded on its own, as the encode and budget
// workers did) and after (src/net/server/tick-fragments.ts: each cell's rows encoded once per
// tick, or once per tick and base, and spliced into every client's snapshot), without and
// with a 30 KB/s budget per client, in one sitting.
//
// The world: the shooter (src/engine/games/shooter) in 1000 x 1000 (the load suite's world)
// and in 2000 x 2000, 10,000 drones, 1,000 players scattered at random and walking randomly
// (3 px a tick), cameras 750 x 750 in 125 px cells. Each client acknowledges like a real
// one (the first snapshot of each 3-tick window, received 1 to 4 ticks late), so its base is
// 2 to 7 ticks old; its base range is the range it had at that tick. The simulation steps
// between timed iterations (untimed); each timed iteration is the whole tick for every client.
// After timing, sampled clients' snapshots of both paths are decoded and compared.

import { Bench } from 'tinybench';
import { Cmd, type Command } from '../../src/engine/input-queue.js';
import { createShooter, PLAYER_H, PLAYER_W, type ShooterSpec } from '../../src/engine/games/shooter/index.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { nextFloat, seedRng } from '../../src/engine/prng.js';
import { Simulation } from '../../src/engine/simulation.js';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import { encodeMsgpackFrame } from '../../src/net/protocol/msgpack-frame.js';
import {
  createSnapshotCodec,
  decodeSnapshotBytes,
  encodeFull,
  liveIds,
  type SnapshotCodec,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';
import { globalsOf } from '../../src/net/protocol/snapshot/source.js';
import { BudgetClient, changesPerCell, Scratch } from '../../src/net/server/budget.js';
import { CellRect, TickCells } from '../../src/net/server/cell-index.js';
import { InterestIndex, rangeKey } from '../../src/net/server/interest.js';
import { SnapshotFragments } from '../../src/net/server/tick-fragments.js';
import { encodeViewMessage } from '../../src/net/server/view-encode.js';
import { round } from '../stats.js';
import { envSubset } from '../results-io.js';
import type { Row, SuiteInfo, SuiteResult } from '../types.js';

const CLIENTS = 1000;
const DRONES = 10_000;
const BUDGET = 30 * 1024;
/**
 * A subset, for profiling: FRAGMENTS_WORLDS=1000 (comma-separated sizes), FRAGMENTS_MODES=budget
 * (of interest, budget, budget-after: the budget rows without the per-client `before` one).
 */
const WORLDS = (process.env.FRAGMENTS_WORLDS ?? '1000,2000').split(',').map(Number);
const MODES = (process.env.FRAGMENTS_MODES ?? 'interest,budget').split(',');
const TIME_MS = Number(process.env.FRAGMENTS_TIME_MS ?? 4000);
/** Untimed ticks a budget path runs first, so that its clients hold what they would in steady state. */
const BUDGET_WARMUP_TICKS = 90;

export const info: SuiteInfo = {
  name: 'fragments',
  title: 'per-tick snapshot work, 1,000 interest clients x 10,000 entities (shared fragments vs per view)',
  description: [
    'One tick of the snapshot work of 1,000 interest clients (each a framed msgpack snapshot ready to write) in ' +
      'the shooter with 10,000 drones, 1,000 players scattered at random and walking 3 px a tick, cameras 750 x 750 ' +
      'in 125 px cells, in a 1000 x 1000 world (the load suite\'s) and a 2000 x 2000 one. Clients acknowledge like ' +
      'real ones (the first snapshot of each 3-tick window, 1 to 4 ticks late): bases 2 to 7 ticks old, each with ' +
      'the cell range the client had then. One thread, the simulation stepping between timed iterations.',
    '`before`: what the network thread did until now (src/net/server/encoder.ts on main): interest clients grouped ' +
      'by (cells now, base, cells at the base) and one payload encoded per group (src/net/server/view-encode.ts, ' +
      'the same encode); budgeted clients (`budget 30 KB/s`) each encoded on their own (`BudgetClient.refreshMessage`). ' +
      '`after`: src/net/server/tick-fragments.ts: each cell\'s rows encoded once per tick (or tick and base) as shared ' +
      'parts, each client\'s snapshot its own small part plus the parts of its cells. Both budget rows use the same ' +
      'planner (`BudgetClient.plan`, made cheaper by this change too), so they differ by the encoding only. `ms/tick`: ' +
      'median and p99 of the whole tick; `us/client` = median / 1,000; `B/snapshot`: mean framed bytes a client is ' +
      'sent per snapshot (`B/client/s` at 60 Hz); `payloads`: distinct frames built per tick. After timing, 20 ' +
      'clients\' snapshots of both paths are decoded on their base states and must give the same state; budgeted ' +
      'clients decode their whole chain of snapshots. Wall-clock timings on a shared 2-core machine move with its load.',
  ],
  columns: [
    { key: 'world', label: 'world' },
    { key: 'mode', label: 'mode' },
    { key: 'path', label: 'path' },
    { key: 'median_ms', label: 'ms/tick median' },
    { key: 'p99_ms', label: 'ms/tick p99' },
    { key: 'us_per_client', label: 'us/client' },
    { key: 'bytes_per_snapshot', label: 'B/snapshot' },
    { key: 'bytes_per_client_s', label: 'B/client/s' },
    { key: 'payloads', label: 'payloads' },
    { key: 'samples', label: 'samples' },
  ],
  labelKeys: ['world', 'mode', 'path'],
  targets: [
    {
      label: '1000 x 1000, 30 KB/s budget: a tick for 1,000 clients <= 16.7 ms',
      where: { match: { world: '1000x1000', mode: 'budget 30 KB/s', path: 'after' } },
      metric: 'median_ms',
      max: 16.7,
    },
    {
      // over a few seconds: the bucket (0.25 s of budget) may start a window full, so a window
      // can run a little over; over time the rate is the budget
      label: '1000 x 1000, 30 KB/s budget: <= 30 KB/s per client (+1% over the timed window)',
      where: { match: { world: '1000x1000', mode: 'budget 30 KB/s', path: 'after' } },
      metric: 'bytes_per_client_s',
      max: Math.round(BUDGET * 1.01),
    },
  ],
};

// ---- the session ------------------------------------------------------------------------------

interface Session {
  size: number;
  sim: Simulation<ShooterSpec>;
  ring: SnapshotRing;
  codec: SnapshotCodec;
  interest: InterestIndex;
  capacity: number;
  selves: Int32Array;
  /** Per client: base tick and base range of the tick about to be sent. */
  bases: Int32Array;
  baseRanges: Int32Array;
  /** Per client and ring slot: the range it had at that tick. */
  history: Int32Array;
  step(): void;
}

function session(size: number): Session {
  const capacity = DRONES + CLIENTS + 500;
  const game = createShooter({ maxPlayers: CLIENTS, width: size, height: size, drones: DRONES, capacity });
  const block: StateBlock = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  const sim = new Simulation(game, block, { capacity, seed: 7, hashEveryTick: false });
  const ring = SnapshotRing.create(game.schema, capacity);
  const interest = new InterestIndex(game.schema, game.interest!, capacity);
  const rng = seedRng(size);
  const join: Command[] = [];
  for (let c = 1; c <= CLIENTS; c++) join.push({ type: Cmd.JOIN, client: c, seq: 0, buttons: 0, ax: 0, ay: 0 });
  sim.step(join);
  const selves = new Int32Array(CLIENTS);
  const { x, y } = sim.world.c.Position;
  for (let i = 0; i < CLIENTS; i++) {
    const e = sim.entityOf(i + 1);
    if (e < 0) throw new Error(`fragments: client ${i + 1} was refused`);
    selves[i] = e;
    x[e] = nextFloat(rng) * (size - PLAYER_W);
    y[e] = nextFloat(rng) * (size - PLAYER_H);
  }
  const s: Session = {
    size,
    sim,
    ring,
    codec: createSnapshotCodec(game.schema, capacity),
    interest,
    capacity,
    selves,
    bases: new Int32Array(CLIENTS),
    baseRanges: new Int32Array(CLIENTS * 4),
    history: new Int32Array(CLIENTS * 4 * ring.slots),
    step() {
      // the players walk (the lobby does not move them: this bench does)
      for (const e of selves) {
        x[e] = Math.min(Math.max(x[e]! + (nextFloat(rng) - 0.5) * 6, 0), size - PLAYER_W);
        y[e] = Math.min(Math.max(y[e]! + (nextFloat(rng) - 0.5) * 6, 0), size - PLAYER_H);
      }
      sim.step([]);
      const tick = sim.tick;
      ring.publish(tick, block, { maxEid: sim.maxEid, aliveCount: sim.aliveCount, hashHi: 0, hashLo: 0 });
      const token = ring.beginRead(tick);
      const slot = tick % ring.slots;
      const r = new Int32Array(4);
      for (let i = 0; i < CLIENTS; i++) {
        interest.rangeOf(ring.blockOf(tick), tick, sim.maxEid, selves[i]!, r);
        s.history.set(r, (i * ring.slots + slot) * 4);
        // acks: the first tick of each 3-tick window, seen by the host 1 to 4 ticks later
        const base = 3 * Math.floor((tick - 1 - (i % 4)) / 3);
        s.bases[i] = base;
        s.baseRanges.set(s.history.subarray((i * ring.slots + (base % ring.slots)) * 4, (i * ring.slots + (base % ring.slots)) * 4 + 4), i * 4);
      }
      if (!ring.endRead(tick, token)) throw new Error('fragments: the ring was written meanwhile');
    },
  };
  for (let t = 0; t < ring.slots; t++) s.step(); // every client has a history
  return s;
}

// ---- one tick, each path ------------------------------------------------------------------------

interface TickOut {
  frames: Array<Uint8Array | null>;
  bytes: number;
  payloads: number;
}

/** The interest path as the encode worker ran it: one payload per (range, base, base range). */
function interestBefore(s: Session, visNow: Uint8Array, visBase: Uint8Array): TickOut {
  const { ring, interest, codec } = s;
  const tick = s.sim.tick;
  const token = ring.beginRead(tick);
  const block = ring.blockOf(tick);
  const maxEid = ring.info(tick).maxEid;
  const cache = new Map<string, Uint8Array | null>();
  const frames: Array<Uint8Array | null> = [];
  const r = new Int32Array(4);
  let bytes = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const self = s.selves[i]!;
    const base = s.bases[i]!;
    const br = s.baseRanges.subarray(i * 4, i * 4 + 4);
    interest.rangeOf(block, tick, maxEid, self, r);
    const key = `${rangeKey(r)}:${base}:${rangeKey(br)}:0:${interest.contains(block, maxEid, r, self) ? 0 : self}`;
    let frame = cache.get(key);
    if (frame === undefined) {
      const msg = encodeViewMessage(codec, ring, interest, tick, r, base, br, self, visNow, visBase);
      frame = msg ? encodeMsgpackFrame(codec.pack(msg)) : null;
      cache.set(key, frame);
    }
    frames.push(frame);
    bytes += frame?.length ?? 0;
  }
  interest.release();
  if (!ring.endRead(tick, token)) throw new Error('fragments: torn read');
  return { frames, bytes, payloads: cache.size };
}

function interestAfter(s: Session, frags: SnapshotFragments): TickOut {
  const t = frags.begin(s.ring, s.sim.tick)!;
  const frames: Array<Uint8Array | null> = [];
  const r = new Int32Array(4);
  let bytes = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const frame = t.frameFor(s.selves[i]!, s.bases[i]!, s.baseRanges.subarray(i * 4, i * 4 + 4), r);
    frames.push(frame);
    bytes += frame?.length ?? 0;
  }
  if (!t.end()) throw new Error('fragments: torn read');
  return { frames, bytes, payloads: new Set(frames).size };
}

interface BudgetSide {
  clients: BudgetClient[];
  /** Decoded state of a few sampled clients: every snapshot they are sent is decoded. */
  states: Array<SnapshotState | null>;
}

const SAMPLED = [0, 333, 999];

function budgetBefore(s: Session, side: BudgetSide, ref: BudgetReference): TickOut {
  const { ring, interest, codec } = s;
  const tick = s.sim.tick;
  const token = ring.beginRead(tick);
  const block = ring.blockOf(tick);
  const maxEid = ring.info(tick).maxEid;
  const { cells, rect, scratch, changed } = ref;
  cells.build(interest.gridOf(block, tick, maxEid), block.fields[codec.archIndex] as Uint8Array, tick, token);
  changesPerCell(ring, tick, cells, interest.xIndex, interest.yIndex, changed);
  const globals = globalsOf(codec, block);
  const r = new Int32Array(4);
  const frames: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const c = side.clients[i]!;
    interest.rangeOf(block, tick, maxEid, s.selves[i]!, r);
    const plan = c.plan(codec, tick, cells, changed, rect.set(r), s.selves[i]!, 60, scratch, globals);
    const frame = encodeMsgpackFrame(codec.pack(c.refreshMessage(codec, block, tick, cells, plan, scratch)));
    c.commit(tick);
    c.spent(frame.length);
    frames.push(frame);
    bytes += frame.length;
  }
  interest.release();
  if (!ring.endRead(tick, token)) throw new Error('fragments: torn read');
  return { frames, bytes, payloads: CLIENTS };
}

/** The per-client budget path's own scratch: the tick's cells, a view, the planner's arrays. */
interface BudgetReference {
  cells: TickCells;
  rect: CellRect;
  scratch: Scratch;
  changed: Int32Array;
}

function budgetAfter(s: Session, side: BudgetSide, frags: SnapshotFragments): TickOut {
  const t = frags.begin(s.ring, s.sim.tick)!;
  const frames: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const frame = t.budgetFrameFor(side.clients[i]!, s.selves[i]!, 60);
    frames.push(frame);
    bytes += frame.length;
  }
  if (!t.end()) throw new Error('fragments: torn read');
  return { frames, bytes, payloads: CLIENTS };
}

/** Decode the sampled clients' new snapshots on their chains (untimed). */
function decodeSampled(s: Session, side: BudgetSide, out: TickOut, what: string): void {
  SAMPLED.forEach((i, k) => {
    const r = decodeSnapshotBytes(s.codec, out.frames[i]!.subarray(4), side.states[k]!);
    if (!r.ok) throw new Error(`fragments ${what}: client ${i} cannot decode its snapshot: ${r.reason}`);
    side.states[k] = r.state;
  });
}

// ---- measuring --------------------------------------------------------------------------------

async function time(name: string, s: Session, fn: () => TickOut, after: (o: TickOut) => void): Promise<Row> {
  let bytes = 0;
  let count = 0;
  let payloads = 0;
  let last: TickOut | null = null;
  const bench = new Bench({ time: TIME_MS, iterations: 10, warmupTime: 300, warmupIterations: 3, throws: true });
  bench.add(
    name,
    () => {
      last = fn();
    },
    {
      async: false,
      beforeEach: () => s.step(),
      afterEach: function (this: unknown, mode?: string) {
        const o = last!;
        after(o);
        if (mode === 'warmup') return;
        bytes += o.bytes;
        payloads += o.payloads;
        count++;
      },
    },
  );
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`fragments ${name}: tinybench task ${r.state}`);
  const perSnapshot = bytes / (count * CLIENTS);
  console.log(`fragments: ${name}: median ${round(r.latency.p50)} ms, ${perSnapshot.toFixed(0)} B/snapshot, ${(payloads / count).toFixed(0)} payloads`);
  return {
    median_ms: round(r.latency.p50),
    p99_ms: round(r.latency.p99),
    us_per_client: round((r.latency.p50 * 1000) / CLIENTS),
    bytes_per_snapshot: Math.round(perSnapshot),
    bytes_per_client_s: Math.round(perSnapshot * 60),
    payloads: Math.round(payloads / count),
    samples: r.latency.samplesCount,
  };
}

/** Both interest paths on the same tick: 20 clients' snapshots decode to the same state. */
function checkInterest(s: Session, frags: SnapshotFragments, visNow: Uint8Array, visBase: Uint8Array): void {
  s.step();
  const before = interestBefore(s, visNow, visBase);
  const after = interestAfter(s, frags);
  const { ring, codec, interest } = s;
  for (let i = 0; i < CLIENTS; i += 50) {
    const base = s.bases[i]!;
    const token = ring.beginRead(base);
    interest.visible(ring.blockOf(base), base, ring.info(base).maxEid, s.baseRanges.subarray(i * 4, i * 4 + 4), s.selves[i]!, visBase);
    const held = decodeSnapshotBytes(codec, codec.pack(encodeFull(codec, { block: ring.blockOf(base), maxEid: ring.info(base).maxEid }, base, visBase)), null);
    interest.release();
    if (!ring.endRead(base, token) || !held.ok) throw new Error('fragments: no base state');
    const a = decodeSnapshotBytes(codec, before.frames[i]!.subarray(4), held.state);
    const b = decodeSnapshotBytes(codec, after.frames[i]!.subarray(4), held.state);
    if (!a.ok || !b.ok) throw new Error(`fragments: client ${i}: ${a.ok ? '' : a.reason} ${b.ok ? '' : b.reason}`);
    const ids = liveIds(a.state);
    if (ids.join() !== liveIds(b.state).join()) throw new Error(`fragments: client ${i} sees other entities through the fragments`);
    for (let f = 0; f < a.state.values.length; f++) {
      for (const e of ids) if (!Object.is(a.state.values[f]![e], b.state.values[f]![e])) throw new Error(`fragments: client ${i}, entity ${e}, field ${f} differs`);
    }
  }
}

export async function run(): Promise<SuiteResult> {
  const rows: Row[] = [];
  for (const size of WORLDS) {
    const s = session(size);
    const world = `${size}x${size}`;
    const frags = new SnapshotFragments(s.codec, s.interest, s.capacity);
    const visNow = new Uint8Array(s.capacity + 1);
    const visBase = new Uint8Array(s.capacity + 1);
    const add = (mode: string, path: string, r: Row) => rows.push({ world, mode, path, clients: CLIENTS, entities: DRONES + CLIENTS, ...r });

    if (MODES.includes('interest')) {
      add('interest', 'before', await time(`${world} interest before`, s, () => interestBefore(s, visNow, visBase), () => {}));
      add('interest', 'after', await time(`${world} interest after`, s, () => interestAfter(s, frags), () => {}));
      checkInterest(s, frags, visNow, visBase);
    }
    const budgetBefore_ = MODES.includes('budget');
    if (!budgetBefore_ && !MODES.includes('budget-after')) continue;

    const cells = s.interest.cols * s.interest.rows;
    const ref: BudgetReference = { cells: new TickCells(cells), rect: new CellRect(s.interest.cols, cells), scratch: new Scratch(cells), changed: new Int32Array(cells) };
    const newSide = (): BudgetSide => ({ clients: Array.from({ length: CLIENTS }, () => new BudgetClient(s.capacity, cells, BUDGET)), states: SAMPLED.map(() => null) });
    const before = newSide();
    const after = newSide();
    // each path runs alone until its clients hold what they would in steady state (and their
    // buckets are drained of the burst a pause allows), then is timed right away
    const warm = (run: () => TickOut, side: BudgetSide, what: string) => {
      for (let t = 0; t < BUDGET_WARMUP_TICKS; t++) {
        s.step();
        decodeSampled(s, side, run(), what);
      }
    };
    const runBefore = () => budgetBefore(s, before, ref);
    const runAfter = () => budgetAfter(s, after, frags);
    if (budgetBefore_) {
      warm(runBefore, before, 'before');
      add('budget 30 KB/s', 'before', await time(`${world} budget before`, s, runBefore, (o) => decodeSampled(s, before, o, 'before')));
    }
    warm(runAfter, after, 'after');
    add('budget 30 KB/s', 'after', await time(`${world} budget after`, s, runAfter, (o) => decodeSampled(s, after, o, 'after')));
  }
  return { rows, subset: envSubset(['FRAGMENTS_WORLDS', 'FRAGMENTS_MODES']) };
}
