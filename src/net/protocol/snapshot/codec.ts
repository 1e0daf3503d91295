// The codec context: one per (schema, capacity), shared by every encode and decode with it.
// It holds the field table, the compiled gather loops, one Packr / Unpackr and scratch
// memory. The scratch is sized by need (the largest id an encode or decode actually met),
// never by the capacity, so a codec for capacity 100,000 that only sees a small world stays
// small. Encodes and decodes are synchronous and reset the scratch they use when they start,
// so one codec may serve any number of clients of one thread, one call at a time.

import { Packr, Unpackr } from 'msgpackr';
import type { StateBlock } from '../../../engine/layout.js';
import { ENGINE_COMPONENT, type Schema } from '../../../engine/schema.js';
import { Arena } from './arena.js';
import { compileGathers, type CollectAll, type GatherAll } from './compile-gather.js';
import { codecFields, networkedGlobals, schemaDescriptor, type CodecField, type SourceView } from './fields.js';
import type { SchemaDescriptor, SnapshotMessage } from './types.js';

/** Smallest row count of the id / visibility scratch (grown by powers of two). */
const MIN_SCRATCH_ROWS = 64;
/** Id scratch arrays: encodeDelta uses five (rm, add, keep, ch, sub), the others fewer. */
const ID_ARRAYS = 5;

/** Per-schema codec state: field list, wire types, scratch memory, one Packr. */
export class SnapshotCodec {
  readonly fields: readonly CodecField[];
  readonly globalNames: readonly string[];
  readonly globalIndex: readonly number[];
  readonly descriptor: SchemaDescriptor;
  /** Bytes of one entity row on the wire (raw columns). */
  readonly rowWireBytes: number;
  readonly maskBytes: number;
  readonly packr = new Packr({ useRecords: false, variableMapSize: true });
  readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  /** @internal Encode scratch (messages hold views into it until the next encode). */
  readonly arena = new Arena();
  /** @internal Decode scratch (nothing a decode returns points into it). */
  readonly decodeArena = new Arena();
  /** @internal Encode arena bytes to reserve per row of an encode. */
  readonly encodeRowBytes: number;
  /** @internal */ readonly views = new WeakMap<StateBlock, SourceView[]>();
  /** @internal */ readonly bytes = new WeakMap<StateBlock, Buffer[]>();
  /** @internal */ readonly gatherAll: GatherAll;
  /** @internal */ readonly collectAll: CollectAll;
  /** @internal */ readonly scan: Int32Array;
  /** @internal Residuals per bit width, of a predicted column's trial (./columns.ts). */
  readonly widths = new Int32Array(10);
  /** @internal */ readonly archIndex: number;
  /** @internal */ readonly genIndex: number;
  /** @internal Entity.gen's position among `fields`. */
  readonly genField: number;
  private idScratch: Uint32Array[] = [];
  private visScratch: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];

  constructor(
    readonly schema: Schema,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('SnapshotCodec: capacity must be a positive integer');
    this.fields = codecFields(schema);
    const g = networkedGlobals(schema);
    this.globalNames = g.names;
    this.globalIndex = g.index;
    this.descriptor = schemaDescriptor(schema);
    this.rowWireBytes = this.fields.reduce((n, f) => n + f.width, 0);
    this.maskBytes = Math.max(1, Math.ceil(this.fields.length / 8));
    this.encodeRowBytes = 16 + 2 * this.rowWireBytes + this.maskBytes;
    ({ gatherAll: this.gatherAll, collectAll: this.collectAll } = compileGathers(this.fields));
    this.scan = new Int32Array(2 * this.fields.length);
    this.archIndex = schema.fields.findIndex((f) => f.component === ENGINE_COMPONENT && f.name === 'archetype');
    this.genIndex = schema.fields.findIndex((f) => f.component === ENGINE_COMPONENT && f.name === 'gen');
    this.genField = this.fields.findIndex((f) => f.index === this.genIndex);
  }

  /** msgpack bytes of a message (standard msgpack: maps, bin, numbers, strings). */
  pack(msg: SnapshotMessage): Uint8Array {
    return this.packr.pack(msg);
  }

  /**
   * @internal Rows to allocate for ids 0..top, by need: the next power of two above `top`
   * (at least 64), at most capacity + 1. Scratch and decoded states grow to this.
   */
  scratchRows(top: number): number {
    let n = MIN_SCRATCH_ROWS;
    while (n <= top) n *= 2;
    return Math.min(n, this.capacity + 1);
  }

  /**
   * @internal The id scratch arrays, each with room for ids 1..top (top <= capacity). Their
   * contents are undefined; they are replaced (not copied) when they grow.
   */
  ids(top: number): Uint32Array[] {
    if (this.idScratch.length === 0 || this.idScratch[0]!.length <= top) {
      const rows = this.scratchRows(top);
      this.idScratch = Array.from({ length: ID_ARRAYS }, () => new Uint32Array(rows));
    }
    return this.idScratch;
  }

  /** @internal Visibility scratch (0: now, 1: base) with rows 0..top; contents undefined. */
  vis(which: 0 | 1, top: number): Uint8Array {
    if (this.visScratch[which].length <= top) this.visScratch[which] = new Uint8Array(this.scratchRows(top));
    return this.visScratch[which];
  }

  /** @internal Bytes of scratch memory this codec holds now (arenas, id and visibility arrays). */
  get scratchBytes(): number {
    let n = this.arena.byteLength + this.decodeArena.byteLength + this.scan.byteLength;
    for (const a of this.idScratch) n += a.byteLength;
    return n + this.visScratch[0].byteLength + this.visScratch[1].byteLength;
  }
}

export const createSnapshotCodec = (schema: Schema, capacity: number): SnapshotCodec => new SnapshotCodec(schema, capacity);
