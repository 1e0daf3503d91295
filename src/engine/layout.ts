// Shared-memory layout of one "state block": every field of the table as a typed array of
// capacity + 1 rows (bitecs entity ids start at 1; row 0 stays empty), the globals as float64,
// and the entity index order (for an exact restore). The live world is one block; each slot
// of the snapshot ring is another block with the same layout, so publishing is a memcpy
// per field.
//
//   block:  | globals f64[G] | order i32[cap+1] | field 0 [cap+1] | field 1 [cap+1] | ...
//           each part starts on an 8-byte boundary

import { FieldTypes, type FieldType, type Schema, type SchemaSpec, type TypedArrayOf } from './schema.js';

export type AnyTypedArray = TypedArrayOf<FieldType>;

export interface StateBlock {
  readonly globals: Float64Array;
  /** bitecs entity-index dense order, copied so a restore reproduces future id allocation. */
  readonly order: Int32Array;
  /** Indexed like schema.fields. */
  readonly fields: readonly AnyTypedArray[];
}

const align8 = (n: number) => (n + 7) & ~7;

export function blockBytes(schema: Schema, capacity: number): number {
  const rows = capacity + 1;
  let n = align8(schema.globalNames.length * 8);
  n += align8(rows * 4);
  for (const f of schema.fields) n += align8(rows * f.bytes);
  return n;
}

export function blockViews(schema: Schema, capacity: number, buffer: SharedArrayBuffer, offset: number): StateBlock {
  const rows = capacity + 1;
  let at = offset;
  const globals = new Float64Array(buffer, at, schema.globalNames.length);
  at += align8(schema.globalNames.length * 8);
  const order = new Int32Array(buffer, at, rows);
  at += align8(rows * 4);
  const fields: AnyTypedArray[] = [];
  for (const f of schema.fields) {
    const Ctor = FieldTypes[f.type] as unknown as new (b: ArrayBufferLike, o: number, n: number) => AnyTypedArray;
    fields.push(new Ctor(buffer, at, rows));
    at += align8(rows * f.bytes);
  }
  return { globals, order, fields };
}

/** Typed component objects (`Position.x[eid]`) over a block: what bitecs systems use. */
export type Components<S extends SchemaSpec> = {
  [C in keyof S['components']]: {
    [F in keyof S['components'][C]]: S['components'][C][F] extends { type: infer T extends FieldType }
      ? TypedArrayOf<T>
      : never;
  };
} & {
  Entity: { archetype: Uint8Array; gen: Uint16Array; owner: Uint32Array };
};

export function componentsOf<S extends SchemaSpec>(schema: Schema<S>, block: StateBlock): Components<S> {
  const out: Record<string, Record<string, AnyTypedArray>> = {};
  schema.fields.forEach((f, i) => {
    (out[f.component] ??= {})[f.name] = block.fields[i]!;
  });
  return out as unknown as Components<S>;
}

/** Named indices into block.globals. */
export type GlobalIndex<S extends SchemaSpec> = Record<keyof S['globals'] | EngineGlobal, number>;
export type EngineGlobal = 'tick' | 'rngA' | 'rngB' | 'rngC' | 'rngD' | 'aliveCount' | 'maxEid';

export function globalIndex<S extends SchemaSpec>(schema: Schema<S>): GlobalIndex<S> {
  const out: Record<string, number> = {};
  schema.globalNames.forEach((g, i) => (out[g] = i));
  return out as GlobalIndex<S>;
}
