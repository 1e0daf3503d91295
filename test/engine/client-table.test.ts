import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientTable } from '../../src/engine/client-table.js';

const BOT_BASE = 0x7000_0000;

describe('client table', () => {
  it('client table: adds and removes in any order find every present client and no absent one', () => {
    // ids from the host's counter, local bots and anywhere in the i32 range (those collide
    // in the table: long probe runs, wrap-around and backward shifts all happen), with
    // removals in between
    const ids = fc.array(
      fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: BOT_BASE + 1, max: BOT_BASE + 300 }), fc.noBias(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }))),
      { minLength: 20, maxLength: 400, size: 'max' },
    );
    const add = fc.integer({ min: 0, max: 9 }).map((k) => k < 6); // 60% adds: the table fills up and grows
    const script = ids.chain((pool) => fc.array(fc.tuple(add, fc.constantFrom(...pool)), { minLength: 200, maxLength: 2000, size: 'max' }));
    fc.assert(
      fc.property(script, (ops) => {
        const t = new ClientTable();
        const model = new Map<number, number>();
        const inUse = new Set<number>();
        for (const [add, client] of ops) {
          if (add) {
            if (model.has(client)) continue;
            const slot = t.add(client);
            if (inUse.has(slot)) throw new Error(`slot ${slot} handed out twice`);
            inUse.add(slot);
            model.set(client, slot);
          } else {
            const slot = t.remove(client);
            if (slot !== (model.get(client) ?? -1)) throw new Error(`remove(${client}) gave slot ${slot}`);
            inUse.delete(slot);
            model.delete(client);
          }
          if (t.size !== model.size) throw new Error(`size ${t.size}, expected ${model.size}`);
        }
        for (const [client, slot] of model) expect(t.get(client)).toBe(slot);
        for (const [, client] of ops) if (!model.has(client)) expect(t.get(client)).toBe(-1);
        // freed slots are reused: slots never outnumber the peak of clients present at once
        expect(t.slotCapacity).toBeLessThanOrEqual(Math.max(0, ...peaks(ops)));
      }),
      { numRuns: 100 },
    );
  });
});

/** The number of clients present after each op (adds of present ids and removes of absent ones change nothing). */
function peaks(ops: [boolean, number][]): number[] {
  const s = new Set<number>();
  return ops.map(([add, c]) => (add ? s.add(c) : s.delete(c), s.size));
}
