// Timing the page's own decode inside chromium: the function below runs in the page (it is
// serialized by playwright, so it may use nothing from this module's scope) and calls the
// page's window.lanparty.decodeFull / worldOf, which run the shared decoder of
// src/net/protocol/snapshot and src/client-core/world.ts.

import type { Page } from 'playwright-core';

export interface CaseTiming {
  name: string;
  p50: number;
  mean: number;
  p99: number;
  max: number;
  /** Mean per call of batches of calls timed together (the clock's rounding averages out). */
  batchMean: number;
  /** The first call of the case, before any warm-up (ms, at the clock's resolution). */
  first: number;
}

export interface PageTimings {
  entities: number;
  /** The smallest step of performance.now() seen in the page. */
  clockMs: number;
  cases: CaseTiming[];
}

/** Calls timed one by one, and in batches of this many. */
const CALLS = 2000;
const BATCH = 100;

export function timeInPage(page: Page, bytes: Uint8Array): Promise<PageTimings> {
  return page.evaluate(
    ({ data, calls, batch }) => {
      type State = { count: number };
      const lp = (globalThis as unknown as {
        lanparty: {
          client: { session: { codec: { unpackr: { unpack(b: Uint8Array): Record<string, unknown> } } } };
          decodeFull(m: Record<string, unknown>, out?: State): State | null;
          worldOf(s: State): { entities: unknown[] } | null;
        };
      }).lanparty;
      const codec = lp.client.session.codec;
      const u8 = new Uint8Array(data);
      let clock = Infinity;
      for (let i = 0, t = performance.now(); i < 1_000_000; i++) {
        const n = performance.now();
        if (n > t) clock = Math.min(clock, n - t);
        t = n;
      }
      const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
      const at = (s: number[], q: number) => s[Math.min(s.length - 1, Math.floor((s.length - 1) * q))]!;
      // each case starts with a clean heap (chromium runs with --expose-gc): no case pays for
      // the garbage of the one before
      const gc = (globalThis as unknown as { gc?: () => void }).gc;
      const time = (name: string, f: () => unknown) => {
        gc?.();
        const t0 = performance.now();
        if (!f()) throw new Error(`${name}: the page could not decode the snapshot`);
        const first = performance.now() - t0;
        const each: number[] = [];
        for (let i = 0; i < calls; i++) {
          const a = performance.now();
          f();
          each.push(performance.now() - a);
        }
        const batches: number[] = [];
        for (let i = 0; i < calls / batch; i++) {
          const a = performance.now();
          for (let j = 0; j < batch; j++) f();
          batches.push((performance.now() - a) / batch);
        }
        const s = sorted(each);
        return {
          name,
          p50: at(s, 0.5),
          mean: each.reduce((x, y) => x + y, 0) / calls,
          p99: at(s, 0.99),
          max: s.at(-1)!,
          batchMean: batches.reduce((x, y) => x + y, 0) / batches.length,
          first,
        };
      };
      const m = codec.unpackr.unpack(u8);
      const fresh = time('new state', () => lp.decodeFull(m));
      const out = lp.decodeFull(m)!;
      const cases = [
        fresh,
        time('reused', () => lp.decodeFull(m, out)),
        time('unpack+decode', () => lp.decodeFull(codec.unpackr.unpack(u8), out)),
        time('to world', () => lp.worldOf(out)),
        // what the page does with each snapshot it receives (src/web/app.ts, client-core/session.ts)
        time('per snapshot', () => lp.decodeFull(codec.unpackr.unpack(u8), out) && lp.worldOf(out)),
      ];
      return { entities: out.count, clockMs: clock, cases };
    },
    { data: [...bytes], calls: CALLS, batch: BATCH },
  );
}
