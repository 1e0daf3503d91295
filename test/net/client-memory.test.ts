// Client memory: decoded states and the decode scratch are sized by the ids a client actually
// sees, not by the host's capacity, and clients of one process share one codec per (game,
// capacity). Memory is measured as the byteLength of the arrays involved (not process RSS).

import { describe, expect, it } from 'vitest';
import { shooterSchema } from '../../src/engine/games/shooter/schema.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { sharedSnapshotCodec } from '../../src/net/client/client.js';
import {
  createSnapshotCodec,
  decodeSnapshot,
  decodeSnapshotBytes,
  encodeDelta,
  encodeFull,
  liveIds,
  newSnapshotState,
  type SnapshotCodec,
  type SnapshotMessage,
  type SnapshotSource,
  type SnapshotState,
} from '../../src/net/protocol/snapshot/index.js';

const CAPACITY = 100_000;
const FI = Object.fromEntries(shooterSchema.fields.map((f, i) => [f.key, i])) as Record<string, number>;
const KB = 1024;

/** Bytes of a decoded state: the sum of its arrays' byteLength. */
const stateBytes = (s: SnapshotState): number => s.live.byteLength + s.globals.byteLength + s.values.reduce((n, v) => n + v.byteLength, 0);

/** A host world over one block of the full capacity, with spawn / despawn like the engine's. */
function hostWorld() {
  const block: StateBlock = blockViews(shooterSchema, CAPACITY, new SharedArrayBuffer(blockBytes(shooterSchema, CAPACITY)), 0);
  const arch = block.fields[FI['Entity.archetype']!] as Uint8Array;
  const gen = block.fields[FI['Entity.gen']!] as Uint16Array;
  let maxEid = 0;
  return {
    block,
    /** A copy of the current state (a ring slot, as the host would delta against). */
    snapshot(): SnapshotSource {
      const b = blockViews(shooterSchema, CAPACITY, new SharedArrayBuffer(blockBytes(shooterSchema, CAPACITY)), 0);
      block.fields.forEach((f, i) => (b.fields[i] as Uint8Array).set(f as Uint8Array));
      b.globals.set(block.globals);
      return { block: b, maxEid };
    },
    src(): SnapshotSource {
      return { block, maxEid };
    },
    spawn(e: number, archetype: number): void {
      arch[e] = archetype;
      gen[e] = (gen[e]! + 1) & 0xffff;
      if (e > maxEid) maxEid = e;
      this.set(e, 'Position.x', (e * 37) % 800);
      this.set(e, 'Position.y', 600 - ((e * 11) % 600));
      this.set(e, 'Entity.owner', archetype === 1 ? e : 0);
      this.set(e, 'Player.health', archetype === 1 ? 100 : 0);
      this.set(e, 'Enemy.color', archetype === 2 ? e % 3 : 0);
    },
    despawn(e: number): void {
      block.fields.forEach((f, i) => {
        if (i !== FI['Entity.gen']) f[e] = 0;
      });
    },
    set(e: number, key: string, v: number): void {
      block.fields[FI[key]!]![e] = v;
    },
  };
}

const wire = (host: SnapshotCodec, m: SnapshotMessage): Uint8Array => host.pack(m);

function decodeBytes(ctx: SnapshotCodec, bytes: Uint8Array, base: SnapshotState | null, out?: SnapshotState): SnapshotState {
  const r = decodeSnapshotBytes(ctx, bytes, base, out);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}`);
  return r.state;
}

/** The decoded state equals the host world (shooter fields carry no quantization). */
function expectHost(ctx: SnapshotCodec, s: SnapshotState, src: SnapshotSource): void {
  const arch = src.block.fields[FI['Entity.archetype']!]!;
  const want: number[] = [];
  for (let e = 1; e <= src.maxEid; e++) if (arch[e] !== 0) want.push(e);
  expect(liveIds(s)).toEqual(want);
  expect(s.count).toBe(want.length);
  for (const e of want) {
    ctx.fields.forEach((f, i) => {
      const host = src.block.fields[f.index]![e]!;
      expect(s.values[i]![e], `${f.key}[${e}]`).toBe(f.key === 'Entity.gen' ? host & 0xff : host);
    });
  }
}

/** The state invariant: arrays of one length > top; rows not live (and all above top) are zero. */
function expectInvariant(s: SnapshotState): void {
  const rows = s.live.length;
  expect(rows).toBeGreaterThan(s.top);
  for (const v of s.values) expect(v.length).toBe(rows);
  for (let e = 0; e < rows; e++) {
    if (s.live[e] === 1 && e <= s.top) continue;
    if (s.live[e] !== 0) throw new Error(`row ${e} live above top ${s.top}`);
    for (let f = 0; f < s.values.length; f++) if (s.values[f]![e] !== 0) throw new Error(`row ${e} field ${f} not zero`);
  }
}

describe('client memory', () => {
  it('a decoded small world at capacity 100,000 stays small; a high entity id grows the state and decodes right', () => {
    const w = hostWorld();
    const host = createSnapshotCodec(shooterSchema, CAPACITY);
    const ctx = createSnapshotCodec(shooterSchema, CAPACITY);
    for (let e = 1; e <= 50; e++) w.spawn(e, 1 + (e % 3));
    w.block.globals[shooterSchema.globalNames.indexOf('level')] = 3;

    // a fresh state, a full decode into a new state and one into a reused state: all small
    expect(stateBytes(newSnapshotState(ctx))).toBeLessThan(8 * KB);
    const base = w.snapshot();
    const fullBytes = wire(host, encodeFull(host, base, 1));
    const s1 = decodeBytes(ctx, fullBytes, null);
    expectHost(ctx, s1, base);
    expectInvariant(s1);
    expect(stateBytes(s1)).toBeLessThan(64 * KB);
    const out = newSnapshotState(ctx);
    decodeBytes(ctx, fullBytes, null, out);
    expect(stateBytes(out)).toBeLessThan(64 * KB);

    // a delta within the small world: still small
    w.set(7, 'Position.x', 123);
    w.despawn(9);
    w.spawn(51, 2);
    const src2 = w.snapshot();
    const s2 = decodeBytes(ctx, wire(host, encodeDelta(host, src2, 2, base, 1)), s1);
    expectHost(ctx, s2, src2);
    expectInvariant(s2);
    expect(stateBytes(s2)).toBeLessThan(64 * KB);
    // neither codec's scratch grew with the capacity
    expect(ctx.scratchBytes).toBeLessThan(64 * KB);
    expect(host.scratchBytes).toBeLessThan(64 * KB);

    // an entity at id 90,000 arrives in a delta: the state (reused, small) grows and is right
    w.spawn(90_000, 1);
    w.set(90_000, 'Player.score', 4242);
    const src3 = w.snapshot();
    const d3 = encodeDelta(host, src3, 3, src2, 2);
    expect(d3.base).toBe(2);
    const s3 = decodeBytes(ctx, wire(host, d3), s2, out);
    expect(s3).toBe(out);
    expect(s3.top).toBe(90_000);
    expect(s3.live.length).toBe(CAPACITY + 1); // next power of two above 90,000, capped at capacity + 1
    expectHost(ctx, s3, src3);
    expectInvariant(s3);
    expect(s3.values[ctx.fields.findIndex((f) => f.key === 'Player.score')]![90_000]).toBe(4242);

    // a delta against the grown state into a small one grows that one too
    w.set(90_000, 'Position.x', 17);
    w.set(3, 'Position.y', 1);
    const src4 = w.snapshot();
    const small = newSnapshotState(ctx);
    const s4 = decodeBytes(ctx, wire(host, encodeDelta(host, src4, 4, src3, 3)), s3, small);
    expect(s4).toBe(small);
    expectHost(ctx, s4, src4);
    expectInvariant(s4);

    // the entity goes away: the state keeps its rows (no shrinking), the row is zero again
    w.despawn(90_000);
    const src5 = w.snapshot();
    const s5 = decodeBytes(ctx, wire(host, encodeDelta(host, src5, 5, src4, 4)), s4, s1);
    expectHost(ctx, s5, src5);
    expectInvariant(s5);
    // a full snapshot of the small world into the grown state clears it right
    const s6 = decodeBytes(ctx, wire(host, encodeFull(host, src5, 6)), null, s3);
    expectHost(ctx, s6, src5);
    expectInvariant(s6);
    // and a full snapshot with the high id straight into a fresh state
    w.spawn(90_000, 2);
    const src7 = w.snapshot();
    const s7 = decodeBytes(ctx, wire(host, encodeFull(host, src7, 7)), null, newSnapshotState(ctx));
    expectHost(ctx, s7, src7);
    expectInvariant(s7);
  });

  it('a failed decode leaves a grown or small state reusable', () => {
    const w = hostWorld();
    const host = createSnapshotCodec(shooterSchema, CAPACITY);
    const ctx = createSnapshotCodec(shooterSchema, CAPACITY);
    for (let e = 1; e <= 20; e++) w.spawn(e, 2);
    w.spawn(70_000, 1);
    const src = w.snapshot();
    const out = newSnapshotState(ctx);
    const full = host.pack(encodeFull(host, src, 1));
    const msg = host.unpackr.unpack(full) as Record<string, unknown>;
    expect(decodeSnapshot(ctx, { ...msg, g: 'x' }, null, out).ok).toBe(false); // fails after growing
    expect(out.live.length).toBeGreaterThan(70_000);
    expectHost(ctx, decodeBytes(ctx, full, null, out), src);
    expectInvariant(out);
  });

  it('50 clients of one process share one codec and stay under 2 MB together (was ~54 MB per client)', () => {
    const w = hostWorld();
    const host = createSnapshotCodec(shooterSchema, CAPACITY);
    for (let e = 1; e <= 50; e++) w.spawn(e, 1 + (e % 3));
    const KEPT = 4; // LanpartyClient keeps 4 decoded states as delta bases
    const ticks: SnapshotSource[] = [];
    const msgs: Uint8Array[] = [];
    for (let t = 0; t < 8; t++) {
      for (let e = 1; e <= 50; e++) w.set(e, 'Position.x', (e * 13 + t * 5) % 800);
      if (t === 4) w.despawn(10);
      if (t === 5) w.spawn(10, 2);
      ticks.push(w.snapshot());
      msgs.push(wire(host, t === 0 ? encodeFull(host, ticks[0]!, 0) : encodeDelta(host, ticks[t]!, t, ticks[t - 1]!, t - 1)));
    }

    const codecs = new Set<SnapshotCodec>();
    const clients: SnapshotState[][] = [];
    for (let c = 0; c < 50; c++) {
      const ctx = sharedSnapshotCodec('shooter', CAPACITY);
      codecs.add(ctx);
      const kept: SnapshotState[] = [];
      for (let t = 0; t < msgs.length; t++) {
        const out = kept.length >= KEPT ? kept.shift() : undefined;
        const s = decodeBytes(ctx, msgs[t]!, kept.at(-1) ?? null, out);
        kept.push(s);
      }
      expectHost(ctx, kept.at(-1)!, ticks.at(-1)!);
      clients.push(kept);
    }
    expect(codecs.size).toBe(1);
    expect(sharedSnapshotCodec('shooter', 2000)).not.toBe([...codecs][0]);

    const states = clients.flat().reduce((n, s) => n + stateBytes(s), 0);
    const scratch = [...codecs][0]!.scratchBytes;
    const total = states + scratch;
    // before: each client had its own codec (12.0 MB of capacity-sized scratch) and states of
    // capacity + 1 rows (10.5 MB each): 54 MB per client, 2.7 GB for 50
    expect(clients.flat()).toHaveLength(50 * KEPT);
    expect(total).toBeLessThan(2 * 1024 * KB);
  });
});
