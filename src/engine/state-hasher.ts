// The state hash of hash.ts, kept up to date cheaply: each chunk's hash is remembered together
// with a copy of the bytes it was computed from, and a chunk is hashed again only when its
// bytes differ from that copy (a native memcmp, far cheaper than hashing). The result is
// exactly hashState's: a reused hash belongs to the very bytes the chunk holds now. Nothing
// relies on knowing what a system wrote, so no change can slip past it.
//
// In a large shooter most rows do not change in a tick (the owner and player columns, the
// x of enemies and lasers, archetype and generation but where something spawned or died):
// only the chunks that hold a change are hashed. Chunks outside the tick's turn (see
// hash.ts) are neither compared nor hashed.

import { chunkOut, CHUNK_BYTES, Fold, hashChunk, HASH_CHUNKS_PER_TICK, networkedFields, type Hash64 } from './hash.js';
import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

interface FieldCache {
  readonly index: number;
  readonly rowBytes: number;
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  /** The field's bytes as a Buffer, for compare and copy. */
  readonly live: Buffer;
  /** The bytes each cached chunk hash was computed from. */
  readonly copy: Buffer;
  /** Per chunk: its two lanes, and the length they were computed for (-1: none yet). */
  readonly laneA: Int32Array;
  readonly laneB: Int32Array;
  readonly length: Int32Array;
}

export class StateHasher {
  private readonly fields: FieldCache[];
  /** Chunks hashed again in the last call (the rest were reused), for benchmarks. */
  rehashed = 0;

  constructor(
    private readonly schema: Schema,
    private readonly block: StateBlock,
    readonly chunksPerTick = HASH_CHUNKS_PER_TICK,
  ) {
    if (!Number.isInteger(chunksPerTick) || chunksPerTick < 1) throw new RangeError('StateHasher: chunksPerTick must be an integer >= 1');
    this.fields = networkedFields(schema).map((index) => {
      const arr = block.fields[index]!;
      const chunks = Math.ceil(arr.byteLength / CHUNK_BYTES);
      return {
        index,
        rowBytes: arr.BYTES_PER_ELEMENT,
        words: new Int32Array(arr.buffer, arr.byteOffset, arr.byteLength >>> 2),
        bytes: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
        live: Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength),
        copy: Buffer.alloc(arr.byteLength),
        laneA: new Int32Array(chunks),
        laneB: new Int32Array(chunks),
        length: new Int32Array(chunks).fill(-1),
      };
    });
  }

  hash(maxEid: number): Hash64 {
    const fold = new Fold();
    const round = fold.begin(this.schema, this.block.globals, maxEid, this.chunksPerTick);
    const turn = this.block.globals[0]! % round;
    const rows = maxEid + 1;
    let rehashed = 0;
    let g = 0;
    for (const f of this.fields) {
      const len = rows * f.rowBytes;
      for (let c = 0, start = 0; start < len; c++, g++, start += CHUNK_BYTES) {
        if (g % round !== turn) continue;
        const end = Math.min(start + CHUNK_BYTES, len);
        if (f.length[c] !== end - start || f.live.compare(f.copy, start, end, start, end) !== 0) {
          hashChunk(f.words, f.bytes, start, end);
          f.laneA[c] = chunkOut[0]!;
          f.laneB[c] = chunkOut[1]!;
          f.length[c] = end - start;
          f.live.copy(f.copy, start, start, end);
          rehashed++;
        }
        fold.add(f.laneA[c]!, f.laneB[c]!);
      }
      fold.add(len, f.index);
    }
    this.rehashed = rehashed;
    return fold.end();
  }
}
