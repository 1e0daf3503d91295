// The state hash of a running sim worker: computed every tick only for a recording (a replay
// checks each tick's), else once a second for the stats. Either way it must be the hash of
// the state the stats name, and a recording must replay to the same hash at every tick.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashState, hashToHex } from '../../src/engine/hash.js';
import { Cmd } from '../../src/engine/input-queue.js';
import { verifyRecordingFile } from '../../src/engine/recording.js';
import { SimHost } from '../../src/workers/sim-host.js';

let host: SimHost | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await host?.stop();
  host = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const nextStats = (h: SimHost) => new Promise<{ tick: number; hash: string }>((r) => h.once('stats', r));

describe('sim worker state hash', () => {
  it('the stats hash is the hash of the tick they name, as the ring holds it', async () => {
    host = await SimHost.start({ capacity: 2000, gameOptions: { drones: 200 } });
    for (let c = 1; c <= 3; c++) host.queue.push(Cmd.JOIN, c, 0);
    await nextStats(host); // past the joins
    for (let n = 0; n < 2; n++) {
      const s = await nextStats(host);
      // the ring keeps 32 ticks (~0.5 s): the named tick is still there
      const ring = host.ring;
      const token = ring.beginRead(s.tick);
      expect(token).toBeGreaterThanOrEqual(0);
      const hex = hashToHex(hashState(host.game.schema, ring.blockOf(s.tick), ring.info(s.tick).maxEid));
      expect(ring.endRead(s.tick, token)).toBe(true);
      expect(s.hash).toBe(hex);
      expect(ring.info(s.tick).aliveCount).toBeGreaterThan(200);
    }
  });

  it('a recorded session hashes every tick: its recording replays to the same hash at each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanparty-hash-'));
    dirs.push(dir);
    const path = join(dir, 'rec.jsonl');
    host = await SimHost.start({ capacity: 2000, gameOptions: { drones: 50 }, record: path });
    host.queue.push(Cmd.JOIN, 1, 0);
    await host.waitForTick(host.tick + 90, 5000);
    await host.stop();
    host = undefined;
    const r = verifyRecordingFile(path);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.ticks).toBeGreaterThanOrEqual(90);
  });
});
