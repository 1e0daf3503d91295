import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shooterSchema } from '../../src/engine/games/shooter/index.js';
import { CHUNK_BYTES, hashRound, hashState, hashToHex } from '../../src/engine/hash.js';
import { blockBytes, blockViews, type StateBlock } from '../../src/engine/layout.js';
import { StateHasher } from '../../src/engine/state-hasher.js';

const CAPACITY = 3000; // u32 fields span 3 chunks, u8 fields one short chunk
const schema = shooterSchema;
const newBlock = (): StateBlock => blockViews(schema, CAPACITY, new SharedArrayBuffer(blockBytes(schema, CAPACITY)), 0);
const hex = (block: StateBlock, maxEid: number, chunksPerTick: number) => hashToHex(hashState(schema, block, maxEid, chunksPerTick));

describe('state hash', () => {
  it('hash: the incremental hasher always equals the hash from scratch, whatever was written, grown or ticked', () => {
    const field = fc.integer({ min: 0, max: schema.fields.length - 1 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), field, row: fc.integer({ min: 0, max: CAPACITY }), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({ kind: fc.constant('maxEid' as const), maxEid: fc.integer({ min: 0, max: CAPACITY }) }),
      fc.record({ kind: fc.constant('tick' as const) }),
      fc.record({ kind: fc.constant('hash' as const) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 5, 128), fc.array(op, { minLength: 1, maxLength: 200 }), (chunksPerTick, ops) => {
        const block = newBlock();
        const hasher = new StateHasher(schema, block, chunksPerTick);
        let maxEid = 10;
        for (const o of ops) {
          if (o.kind === 'write') block.fields[o.field]![o.row] = o.value;
          else if (o.kind === 'maxEid') maxEid = o.maxEid;
          else if (o.kind === 'tick') block.globals[0] = block.globals[0]! + 1;
          else expect(hashToHex(hasher.hash(maxEid))).toBe(hex(block, maxEid, chunksPerTick));
        }
        expect(hashToHex(hasher.hash(maxEid))).toBe(hex(block, maxEid, chunksPerTick));
      }),
      { numRuns: 300 },
    );
  });

  it('hash: a change of any byte of a networked field (rows 0..maxEid) or of a hashed global shows within one round of ticks', () => {
    const block = newBlock();
    const maxEid = CAPACITY;
    for (const chunksPerTick of [1, 4, 128]) {
      const round = hashRound(schema, maxEid, chunksPerTick);
      if (chunksPerTick === 1) expect(round).toBeGreaterThan(20); // really in turns
      const hashes = () => Array.from({ length: round }, (_, t) => ((block.globals[0] = 100 + t), hex(block, maxEid, chunksPerTick)));
      const before = hashes();
      const at = (i: number) => new Uint8Array(block.fields[i]!.buffer, block.fields[i]!.byteOffset, (maxEid + 1) * schema.fields[i]!.bytes);
      for (const i of schema.fields.flatMap((f, k) => (f.networked ? [k] : []))) {
        const bytes = at(i);
        // the first and last byte of the range, and one in every chunk between
        for (let b = 0; b < bytes.length; b += Math.min(CHUNK_BYTES, Math.max(1, bytes.length - 1 - b))) {
          bytes[b]! ^= 0x40;
          const after = hashes();
          bytes[b]! ^= 0x40;
          expect(after, `${schema.fields[i]!.key} byte ${b}, chunksPerTick ${chunksPerTick}`).not.toEqual(before);
        }
      }
      for (const g of [1, 2, 5, 6]) {
        // rngA, rngB, aliveCount, maxEid: every tick, not in turns
        block.globals[g] = block.globals[g]! + 1;
        const after = hashes();
        block.globals[g] = block.globals[g]! - 1;
        expect(after.every((h, t) => h !== before[t])).toBe(true);
      }
    }
  });

  it('hash: fields that are not networked are not part of it', () => {
    const block = newBlock();
    const before = hex(block, 100, 128);
    const cooldown = schema.fields.findIndex((f) => f.key === 'Player.cooldown');
    expect(schema.fields[cooldown]!.networked).toBe(false);
    block.fields[cooldown]![5] = 9;
    expect(hex(block, 100, 128)).toBe(before);
  });
});
