// Read one entity's fields out of the newest consistent snapshot, the way any reader thread
// does (seqlock-checked).
import type { SnapshotRing } from '../../src/engine/snapshot-ring.js';

export interface EntityView {
  tick: number;
  eid: number;
  values: Record<string, number>;
}

export function readOwnedEntity(ring: SnapshotRing, client: number): EntityView | null {
  const fields = ring.schema.fields;
  const ownerIdx = fields.findIndex((f) => f.key === 'Entity.owner');
  for (let attempt = 0; attempt < 100; attempt++) {
    const tick = ring.newestTick();
    const token = ring.beginRead(tick);
    if (token < 0) continue;
    const { maxEid } = ring.info(tick);
    const block = ring.blockOf(tick);
    let found: EntityView | null = null;
    for (let e = 1; e <= maxEid; e++) {
      if (block.fields[ownerIdx]![e] === client) {
        const values: Record<string, number> = {};
        fields.forEach((f, i) => (values[f.key] = block.fields[i]![e]!));
        found = { tick, eid: e, values };
        break;
      }
    }
    if (ring.endRead(tick, token)) return found;
  }
  throw new Error('no consistent read in 100 attempts');
}
