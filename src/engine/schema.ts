// The field table: a game declares its components, their fields and which of them are
// networked, once. Storage allocation, snapshot publishing, hashing, restore and (later)
// the wire codecs are all driven by this one table, so a field cannot be forgotten by one
// of them and not the others.

export const FieldTypes = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
} as const;

export type FieldType = keyof typeof FieldTypes;
export type TypedArrayOf<T extends FieldType> = InstanceType<(typeof FieldTypes)[T]>;

export interface FieldSpec {
  readonly type: FieldType;
  /** Sent to clients and covered by the per-tick state hash. */
  readonly networked?: boolean;
  /**
   * f32 fields only: how the value travels on the network (storage, hashing and the
   * simulation keep the full f32). See `Quant`.
   */
  readonly quant?: Quant;
}

/**
 * Quantization of an f32 field for the wire. A value v is sent as the integer
 *
 *     q = round((clamp(v, min, max) - min) / step)        0 <= q <= levels
 *     levels = round((max - min) / step)
 *
 * as a u16 when levels <= 65535, else as a u32, and read back as `min + q * step`.
 * Error bound: |decoded - v| <= step / 2 for every v in [min, max] (plus float rounding of
 * the arithmetic, ~1e-7 relative). Values outside [min, max] are clamped first, so they
 * decode to within step / 2 of the nearer bound (NaN decodes as `min`). Pick min/max to
 * cover every value the game can produce; the clamp is a safety net, not a feature.
 */
export interface Quant {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** A validated quantization with its derived wire parameters. */
export interface ResolvedQuant extends Quant {
  /** Largest wire value: round((max - min) / step). */
  readonly levels: number;
}

export type ComponentSpec = Readonly<Record<string, FieldSpec>>;

export interface GlobalSpec {
  readonly networked?: boolean;
}

export interface SchemaSpec {
  readonly components: Readonly<Record<string, ComponentSpec>>;
  /** Singletons of the game (wave, match state...), stored as float64. */
  readonly globals: Readonly<Record<string, GlobalSpec>>;
  /**
   * Kinds of entity and the components each carries. The archetype id of every live entity
   * is kept in shared memory so that a restarted worker can rebuild its queries.
   */
  readonly archetypes: Readonly<Record<string, readonly string[]>>;
}

/** One row of the flattened field table. */
export interface FieldInfo {
  readonly component: string;
  readonly name: string;
  readonly key: string; // "Component.field"
  readonly type: FieldType;
  readonly networked: boolean;
  readonly bytes: number;
  /**
   * The field's type on the wire: its own type, or u16 / u32 for a quantized f32 field
   * (the snapshot codec narrows Entity.gen further, see src/net/protocol/snapshot/index.ts).
   */
  readonly wire: FieldType;
  /** Present when the field is quantized on the wire. */
  readonly quant?: ResolvedQuant;
}

export interface Schema<S extends SchemaSpec = SchemaSpec> {
  readonly spec: S;
  readonly fields: readonly FieldInfo[];
  readonly globalNames: readonly string[];
  readonly archetypeNames: readonly string[];
}

/** Engine-owned per-entity fields, always present, always first in the table. */
export const ENGINE_COMPONENT = 'Entity';
export const engineFields: ComponentSpec = {
  // archetype id + 1; 0 means the row is free
  archetype: { type: 'u8', networked: true },
  // bumped on every spawn into this row: (eid, gen) names one entity for its whole life
  gen: { type: 'u16', networked: true },
  // the client that controls this entity (0: none); lets a client find its own entity
  owner: { type: 'u32', networked: true },
};

/** Engine-owned globals, always first. */
export const engineGlobals = ['tick', 'rngA', 'rngB', 'rngC', 'rngD', 'aliveCount', 'maxEid'] as const;

export function defineSchema<S extends SchemaSpec>(spec: S): Schema<S> {
  const fields: FieldInfo[] = [];
  const add = (component: string, c: ComponentSpec) => {
    for (const [name, f] of Object.entries(c)) {
      if (!(f.type in FieldTypes)) {
        throw new TypeError(`schema: field ${component}.${name} has unknown type "${String(f.type)}"`);
      }
      const quant = f.quant === undefined ? undefined : resolveQuant(`${component}.${name}`, f);
      fields.push({
        component,
        name,
        key: `${component}.${name}`,
        type: f.type,
        networked: f.networked === true,
        bytes: FieldTypes[f.type].BYTES_PER_ELEMENT,
        wire: quant === undefined ? f.type : quant.levels <= 0xffff ? 'u16' : 'u32',
        ...(quant === undefined ? {} : { quant }),
      });
    }
  };
  if (ENGINE_COMPONENT in spec.components) {
    throw new TypeError(`schema: component name "${ENGINE_COMPONENT}" is reserved by the engine`);
  }
  add(ENGINE_COMPONENT, engineFields);
  for (const [cname, c] of Object.entries(spec.components)) add(cname, c);

  for (const g of Object.keys(spec.globals)) {
    if ((engineGlobals as readonly string[]).includes(g)) {
      throw new TypeError(`schema: global "${g}" is reserved by the engine`);
    }
  }
  const archetypeNames = Object.keys(spec.archetypes);
  if (archetypeNames.length > 254) throw new RangeError('schema: at most 254 archetypes');
  for (const [a, comps] of Object.entries(spec.archetypes)) {
    for (const c of comps) {
      if (!(c in spec.components)) throw new TypeError(`schema: archetype "${a}" names unknown component "${c}"`);
    }
  }
  return {
    spec,
    fields,
    globalNames: [...engineGlobals, ...Object.keys(spec.globals)],
    archetypeNames,
  };
}

function resolveQuant(key: string, f: FieldSpec): ResolvedQuant {
  const q = f.quant!;
  const bad = (why: string) => new TypeError(`schema: field ${key}: quant ${why}`);
  if (f.type !== 'f32') throw bad(`is only for f32 fields, not ${f.type}`);
  if (typeof q !== 'object' || q === null) throw bad('must be { min, max, step }');
  const { min, max, step } = q;
  if (![min, max, step].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw bad('min, max and step must be finite numbers');
  }
  if (!(step > 0)) throw bad(`step must be > 0 (got ${step})`);
  if (!(max > min)) throw bad(`max must be > min (got min ${min}, max ${max})`);
  const levels = Math.round((max - min) / step);
  if (levels < 1) throw bad(`step ${step} is larger than the range ${min}..${max}`);
  if (levels > 0xffff_ffff) throw bad(`has ${levels} levels, more than a u32 holds: use a larger step`);
  return { min, max, step, levels };
}

/** Bytes one entity row takes across every field (for sizing shared memory). */
export function rowBytes(schema: Schema): number {
  return schema.fields.reduce((n, f) => n + f.bytes, 0);
}
