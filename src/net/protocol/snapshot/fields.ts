// The field table: which fields and globals a snapshot carries, each field's wire type and
// quantization, and the schema descriptor a host sends so that any client can decode. The
// wire layout: see the comment at the top of ./index.ts.

import { ENGINE_COMPONENT, type FieldType, type Schema } from '../../../engine/schema.js';
import { SNAPSHOT_FORMAT, type SchemaDescriptor } from './types.js';

/** How a field's values become wire values (CodecField.kind). */
export const FieldKind = {
  /** Quantized f32 -> u16. */
  Q16: 0,
  /** Quantized f32 -> u32. */
  Q32: 1,
  /** u8 / i8 copied. */
  C8: 2,
  /** u16 / i16 copied. */
  C16: 3,
  /** u32 / i32 / f32 copied (f32 as its bits). */
  C32: 4,
  /** Entity.gen u16 -> u8 (gen & 0xff). */
  G8: 5,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

export type WireArray = Uint8Array | Uint16Array | Uint32Array;
export type SourceView = Uint8Array | Uint16Array | Uint32Array | Float32Array;

export const WIDTH: Record<FieldType, 1 | 2 | 4> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4 };
export const RANGE: Record<FieldType, [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffff_ffff],
  i32: [-0x8000_0000, 0x7fff_ffff],
  f32: [-Infinity, Infinity],
};
export const SIGNED_VIEW = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
} as const;
export type ViewCtor = { new (b: ArrayBufferLike, o: number, n: number): ArrayLike<number>; readonly BYTES_PER_ELEMENT: number };

export interface CodecField {
  /** Index into schema.fields / block.fields. */
  readonly index: number;
  readonly key: string;
  readonly wire: FieldType;
  readonly width: 1 | 2 | 4;
  readonly kind: FieldKind;
  readonly min: number;
  readonly step: number;
  /** 1 / step (encode). */
  readonly inv: number;
  /** Largest wire value of a quantized field (0 when not quantized). */
  readonly levels: number;
  /** 10^d to round decoded quantized values to the decimals of min and step (0: no rounding). */
  readonly round: number;
}

function decimals(x: number): number {
  for (let d = 0; d <= 9; d++) {
    const s = x * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-6) return d;
  }
  return -1;
}

export function codecFields(schema: Schema): CodecField[] {
  const out: CodecField[] = [];
  schema.fields.forEach((f, index) => {
    if (!f.networked) return;
    const isGen = f.component === ENGINE_COMPONENT && f.name === 'gen';
    const q = f.quant;
    const wire: FieldType = isGen ? 'u8' : q ? f.wire : f.type;
    let kind: FieldKind;
    if (q) kind = wire === 'u16' ? FieldKind.Q16 : FieldKind.Q32;
    else if (isGen) kind = FieldKind.G8;
    else kind = WIDTH[wire] === 1 ? FieldKind.C8 : WIDTH[wire] === 2 ? FieldKind.C16 : FieldKind.C32;
    let round = 0;
    if (q) {
      const d = Math.max(decimals(q.step), decimals(q.min));
      if (decimals(q.step) >= 0 && decimals(q.min) >= 0) round = 10 ** d;
    }
    out.push({
      index,
      key: f.key,
      wire,
      width: WIDTH[wire],
      kind,
      min: q ? q.min : 0,
      step: q ? q.step : 1,
      inv: q ? 1 / q.step : 1,
      levels: q ? q.levels : 0,
      round,
    });
  });
  return out;
}

export function networkedGlobals(schema: Schema): { names: string[]; index: number[] } {
  const names: string[] = [];
  const index: number[] = [];
  schema.globalNames.forEach((g, i) => {
    if (schema.spec.globals[g]?.networked === true) {
      names.push(g);
      index.push(i);
    }
  });
  return { names, index };
}

export function schemaDescriptor(schema: Schema): SchemaDescriptor {
  const fields = codecFields(schema);
  return {
    snapshot: SNAPSHOT_FORMAT,
    fields: fields.map((f) => {
      const q = schema.fields[f.index]!.quant;
      return q ? { key: f.key, wire: f.wire, quant: { min: q.min, max: q.max, step: q.step, levels: q.levels } } : { key: f.key, wire: f.wire };
    }),
    globals: networkedGlobals(schema).names,
    archetypes: [...schema.archetypeNames],
    archetypeFields: schema.archetypeNames.map((a) => {
      const has = new Set([ENGINE_COMPONENT, ...schema.spec.archetypes[a]!]);
      return fields.flatMap((f, column) => (has.has(schema.fields[f.index]!.component) ? [column] : []));
    }),
  };
}

/** Quantized wire values -> decoded numbers, in place (rounded to the decimals of min and step). */
export function dequantAll(v: Float64Array, n: number, f: CodecField): void {
  const { min, step, round } = f;
  if (round > 0) for (let i = 0; i < n; i++) v[i] = Math.round((min + v[i]! * step) * round) / round;
  else for (let i = 0; i < n; i++) v[i] = min + v[i]! * step;
}

/** Decoded value of one quantized wire value (what decoders produce). */
export function dequantize(f: CodecField, q: number): number {
  const v = f.min + q * f.step;
  return f.round > 0 ? Math.round(v * f.round) / f.round : v;
}
