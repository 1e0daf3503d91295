// Read access to one published snapshot by field name: what bots, tools and (later) codecs
// use so that they need not know the block layout.

import type { StateBlock } from './layout.js';
import type { Schema } from './schema.js';

export interface SnapshotView {
  readonly tick: number;
  readonly maxEid: number;
  /** The field's values, indexed by eid (rows 1..maxEid). */
  field(key: string): ArrayLike<number>;
  global(name: string): number;
}

export function viewOf(schema: Schema, block: StateBlock, tick: number, maxEid: number): SnapshotView {
  const fieldIndex = new Map(schema.fields.map((f, i) => [f.key, i]));
  const globalIdx = new Map(schema.globalNames.map((g, i) => [g, i]));
  return {
    tick,
    maxEid,
    field(key) {
      const i = fieldIndex.get(key);
      if (i === undefined) throw new TypeError(`no field "${key}" in the schema`);
      return block.fields[i]!;
    },
    global(name) {
      const i = globalIdx.get(name);
      if (i === undefined) throw new TypeError(`no global "${name}" in the schema`);
      return block.globals[i]!;
    },
  };
}
