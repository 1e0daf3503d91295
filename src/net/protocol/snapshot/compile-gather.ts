// The per-schema compiled gather loops: every networked field's gather in one pass over the
// ids (full snapshots and added entities), and a full snapshot's whole entity pass.

import { FieldKind, type CodecField, type SourceView, type WireArray } from './fields.js';

/** gatherAll(views, ids, n, outs, scan): every field's gather + scan in one pass over `ids`. */
export type GatherAll = (views: SourceView[], ids: Uint32Array, n: number, outs: WireArray[], scan: Int32Array) => void;

/**
 * collectAll(arch, vis, max, ids, bits, views, outs, scan) -> n: a full snapshot's whole
 * entity pass: finds the live (visible) rows of 1..max, writes their ids, their presence
 * bitmap and every field's gathered wire values and scan, in one loop over the rows.
 */
export type CollectAll = (
  arch: Uint8Array,
  vis: Uint8Array | null,
  max: number,
  ids: Uint32Array,
  bits: Uint8Array,
  views: SourceView[],
  outs: WireArray[],
  scan: Int32Array,
) => number;

/**
 * The gather loops, compiled per schema: one loop that gathers the wire values of every
 * field (scan[2f] = zero count, scan[2f+1] = non-zero when the column is not constant)
 * instead of F loops, with each field's kind and quantization constants inlined and its
 * own type feedback (a generic loop over every typed-array type would go megamorphic).
 * The source is built from the field table only (kinds and finite numbers), never from
 * input. The arithmetic is the same as quantOne / quantOne16 / gGen8 / g8..g32 of
 * ./wire-values.ts, so a value gets the same wire value on every path.
 */
export function compileGathers(fields: readonly CodecField[]): { gatherAll: GatherAll; collectAll: CollectAll } {
  const num = (x: number) => (Object.is(x, -0) ? '0' : String(x));
  const head: string[] = [];
  const first: string[] = [];
  const body: string[] = [];
  const tail: string[] = [];
  fields.forEach((f, i) => {
    head.push(`const v${i} = views[${i}], o${i} = outs[${i}]; let z${i} = 0, d${i} = 0;`);
    let expr: (e: string) => string;
    switch (f.kind) {
      case FieldKind.Q16:
      case FieldKind.Q32: {
        const trunc = f.kind === FieldKind.Q16 ? '| 0' : '>>> 0';
        expr = (e) =>
          `((x = (v${i}[${e}] - (${num(f.min)})) * (${num(f.inv)}) + 0.5) > 0 ? (x < ${f.levels} ? x ${trunc} : ${f.levels}) : 0)`;
        break;
      }
      case FieldKind.G8:
        expr = (e) => `(v${i}[${e}] & 255)`;
        break;
      default:
        expr = (e) => `v${i}[${e}]`;
    }
    first.push(`const f${i} = ${expr('e0')};`);
    body.push(`q = ${expr('e')}; o${i}[k] = q; if (q === 0) z${i}++; d${i} |= q ^ f${i};`);
    tail.push(`scan[${2 * i}] = z${i}; scan[${2 * i + 1}] = d${i};`);
  });
  const gatherSrc = [
    '"use strict";',
    'let x = 0, q = 0;',
    ...head,
    'const e0 = ids[0];',
    ...first,
    'for (let k = 0; k < n; k++) {',
    '  const e = ids[k];',
    ...body.map((b) => '  ' + b),
    '}',
    ...tail,
  ].join('\n');
  const collectSrc = [
    '"use strict";',
    'let x = 0, q = 0, k = 0, byte = 0, e0 = 1;',
    'while (e0 <= max && !(arch[e0] !== 0 && (vis === null || vis[e0]))) e0++;',
    'if (e0 > max) { bits.fill(0); return 0; }',
    ...head,
    ...first,
    'for (let e = 1; e <= max; e++) {',
    '  if (arch[e] !== 0 && (vis === null || vis[e])) {',
    '    ids[k] = e;',
    '    byte |= 1 << ((e - 1) & 7);',
    ...body.map((b) => '    ' + b),
    '    k++;',
    '  }',
    '  if ((e & 7) === 0) { bits[(e - 1) >> 3] = byte; byte = 0; }',
    '}',
    'if ((max & 7) !== 0) bits[max >> 3] = byte;',
    ...tail,
    'return k;',
  ].join('\n');
  return {
    gatherAll: new Function('views', 'ids', 'n', 'outs', 'scan', gatherSrc) as GatherAll,
    collectAll: new Function('arch', 'vis', 'max', 'ids', 'bits', 'views', 'outs', 'scan', collectSrc) as CollectAll,
  };
}
