// Rounds (LOAD_ROUNDS=n): the same-work points run n times, taking turns, and each figure in
// the table is the median run's.
//
// On a shared 2-core VM one run of a point moves by ±10-30 % from the next (Colyseus's own host
// went 4.3 -> 5.5 % between two sittings of the same code), and a ratio of two single runs
// moves twice as much. So the systems of a point take turns, round after round (lanparty tcp,
// ws, udp, Colyseus, then again), a slow minute of the machine falls on both sides alike, and
// the ratios are taken per round, between runs minutes apart, before the median of them. The
// idle row and the interest rows run once: they have no ratio to compare.

import type { Row } from '../types.js';

/** A point of the plan, and whether it belongs to a same-work group (repeated in rounds). */
export interface Planned<P> {
  point: P;
  /** Same-work points of one configuration share a group key; others have none (run once). */
  group: string | null;
}

/** The order to run in: each same-work group `rounds` times in turn, the other points once, in plan order. */
export function schedule<P>(plan: ReadonlyArray<Planned<P>>, rounds: number): Array<{ point: P; round: number }> {
  const out: Array<{ point: P; round: number }> = [];
  for (let i = 0; i < plan.length; ) {
    const group = plan[i]!.group;
    let j = i + 1;
    if (group !== null) while (j < plan.length && plan[j]!.group === group) j++;
    const n = group === null ? 1 : rounds;
    for (let round = 1; round <= n; round++) for (let k = i; k < j; k++) out.push({ point: plan[k]!.point, round });
    i = j;
  }
  return out;
}

/**
 * One row per identity (`id`): where a point ran several times, its median run by `metric`
 * (the lower middle one for an even count), with `runs` and every run's figure in run order
 * (`<metric>_runs`, for the table). Rows that ran once come back as they were.
 */
export function medianRows(rows: readonly Row[], id: (r: Row) => string, metric: string): Row[] {
  const byId = new Map<string, Row[]>();
  for (const r of rows) {
    const k = id(r);
    const list = byId.get(k);
    if (list) list.push(r);
    else byId.set(k, [r]);
  }
  const out: Row[] = [];
  for (const list of byId.values()) {
    if (list.length === 1) {
      out.push(list[0]!);
      continue;
    }
    const value = (r: Row) => (typeof r[metric] === 'number' ? (r[metric] as number) : Number.NaN);
    const sorted = list.filter((r) => Number.isFinite(value(r))).sort((a, b) => value(a) - value(b));
    const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : list[0]!;
    out.push({ ...median, runs: list.length, [`${metric}_runs`]: list.map((r) => (Number.isFinite(value(r)) ? String(value(r)) : '-')).join(' / ') });
  }
  return out;
}

/**
 * The suite's rows from every run: one row per point (its median run by host CPU) and the
 * ratio rows (`ratiosOf`), taken within each round and then the median of them by CPU ratio.
 */
export function summarize(rows: readonly Row[], rounds: number, ratiosOf: (rows: Row[]) => Row[], id: (r: Row) => string): Row[] {
  const ratioRows = rounds > 1 ? Array.from({ length: rounds }, (_, i) => ratiosOf(rows.filter((r) => r.round === i + 1))).flat() : ratiosOf([...rows]);
  return [...medianRows(rows, id, 'host_cpu_pct'), ...medianRows(ratioRows, id, 'cpu_ratio')];
}
