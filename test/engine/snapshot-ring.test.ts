import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SnapshotRing } from '../../src/engine/snapshot-ring.js';
import { blockBytes, blockViews } from '../../src/engine/layout.js';
// @ts-expect-error plain-JS fixture shared with the writer thread
import { ringTestSchema, ROWS } from './fixtures/ring-schema.mjs';
import type { Schema } from '../../src/engine/schema.js';

const schema = ringTestSchema as Schema;

interface HammerResult {
  accepted: number;
  /** Reads the seqlock refused at the end: the reader really raced the writer. */
  refused: number;
  torn: number;
  written: number;
}

/**
 * A writer thread publishes as fast as it can while this thread reads slots that are about
 * to be overwritten (the oldest ticks in the ring) and checks that every value of an
 * accepted read belongs to one tick.
 */
async function hammer(unguarded: boolean, minMs: number, minAccepted: number): Promise<HammerResult> {
  const ring = SnapshotRing.create(schema, ROWS, { unguarded });
  const stopBuffer = new SharedArrayBuffer(4);
  const writer = new Worker(new URL('./fixtures/ring-writer.mjs', import.meta.url), {
    workerData: { ringBuffer: ring.buffer, stopBuffer },
  });
  const written = new Promise<number>((resolve) => writer.once('message', resolve));
  while (ring.newestTick() < ring.slots) await new Promise((r) => setTimeout(r, 1));
  let accepted = 0;
  let refused = 0;
  let torn = 0;
  const start = performance.now();
  let i = 0;
  // at least minMs and minAccepted reads, whatever the machine's load; at most 20 s
  for (let now = start; (now - start < minMs || accepted < minAccepted) && now - start < 20_000; now = performance.now()) {
    const newest = ring.newestTick();
    // mostly the oldest slot (next to be overwritten), sometimes any slot in the window
    const t = newest - (i++ % 4 === 0 ? (i * 7) % ring.slots : ring.slots - 1);
    const token = ring.beginRead(t);
    if (token < 0) continue;
    const block = ring.blockOf(t);
    const first = block.fields[3]![1]!; // V.a of row 1
    let consistent = block.globals[0] === first;
    for (let f = 3; f < block.fields.length && consistent; f++) {
      const arr = block.fields[f]!;
      for (let r = 1; r <= ROWS; r++) {
        if (arr[r] !== first) {
          consistent = false;
          break;
        }
      }
    }
    if (!ring.endRead(t, token)) {
      refused++;
      continue;
    }
    accepted++;
    if (!consistent) torn++;
  }
  Atomics.store(new Int32Array(stopBuffer), 0, 1);
  const total = await written;
  await writer.terminate();
  return { accepted, refused, torn, written: total };
}

describe('snapshot ring', () => {
  it('ring: a reader hammering the ring while the writer runs never accepts a torn snapshot', async () => {
    const r = await hammer(false, 1500, 300);
    expect(r.written).toBeGreaterThan(1000);
    expect(r.accepted).toBeGreaterThanOrEqual(300);
    expect(r.refused).toBeGreaterThan(0);
    expect(r.torn).toBe(0);
  });

  it('ring: the same reader without the seqlock guard does see torn snapshots (the test can fail)', async () => {
    const r = await hammer(true, 1500, 300);
    expect(r.accepted).toBeGreaterThanOrEqual(300);
    expect(r.torn).toBeGreaterThan(0);
  });

  it('ring: a slot overwritten by a newer tick is refused, an unwritten tick too', () => {
    const ring = SnapshotRing.create(schema, 10, { slots: 4 });
    const src = blockViews(schema, 10, new SharedArrayBuffer(blockBytes(schema, 10)), 0);
    expect(ring.beginRead(0)).toBe(-1);
    for (let t = 0; t < 6; t++) ring.publish(t, src, { maxEid: 10, aliveCount: 10, hashHi: 0, hashLo: t });
    expect(ring.newestTick()).toBe(5);
    expect(ring.beginRead(1)).toBe(-1); // slot 1 now holds tick 5
    const token = ring.beginRead(5);
    expect(token).toBeGreaterThanOrEqual(0);
    expect(ring.info(5).hashLo).toBe(5);
    ring.publish(9, src, { maxEid: 10, aliveCount: 10, hashHi: 0, hashLo: 9 }); // slot 1 again
    expect(ring.endRead(5, token)).toBe(false);
  });

  it('ring: copyNewest returns a consistent copy of the newest tick', () => {
    const ring = SnapshotRing.create(schema, 10, { slots: 4 });
    const src = blockViews(schema, 10, new SharedArrayBuffer(blockBytes(schema, 10)), 0);
    const dst = blockViews(schema, 10, new SharedArrayBuffer(blockBytes(schema, 10)), 0);
    for (let t = 1; t <= 3; t++) {
      src.fields[3]!.fill(t * 10);
      ring.publish(t, src, { maxEid: 10, aliveCount: 10, hashHi: 0, hashLo: t });
    }
    const info = ring.copyNewest(dst);
    expect(info?.tick).toBe(3);
    expect(Array.from(dst.fields[3]!.subarray(1, 11))).toEqual(new Array(10).fill(30));
  });

  it('ring: a buffer of the wrong size is rejected with a RangeError naming the mismatch', () => {
    expect(() => new SnapshotRing(schema, 10, new SharedArrayBuffer(64))).toThrow(RangeError);
    expect(() => SnapshotRing.create(schema, 10, { slots: 1 })).toThrow(/options.slots/);
  });
});
