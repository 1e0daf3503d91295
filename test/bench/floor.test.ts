// The load bench's I/O floor (bench/load/floor.ts): a host process that only reads its clients'
// inputs and writes each a snapshot of the given size at the send rate, and its client
// process. Real processes and sockets on 127.0.0.1, stopped after the run; what is checked is
// that it did that work (how fast is the bench's business).

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFloor } from '../../bench/load/floor.js';

// its processes run from dist/ (`npm test` builds first)
const script = fileURLToPath(new URL('../../dist/bench/load/floor.js', import.meta.url));

describe('load floor', () => {
  it('floor: 5 clients at 20 Hz: the host reads their inputs and writes each of them 20 snapshots a second, and reports its CPU', async () => {
    const row = await runFloor({ clients: 5, entities: 100, sendHz: 20, bytes: 500, warmupS: 0.5, measureS: 2, pin: null }, script);
    // reads: the cheapest kind, as lanparty's host reads (on every Node we support: net-reads.test.ts)
    expect(row).toMatchObject({ system: 'floor', transport: 'tcp', clients: 5, entities: 100, send_hz: 20, interest: 'off', snapshot_bytes: 500, pinned: 'no', reads: 'direct' });
    // 100 writes and 100 inputs a second; a busy machine may run the timers late
    expect(row.writes_s).toBeGreaterThanOrEqual(50);
    expect(row.writes_s).toBeLessThanOrEqual(110);
    expect(row.reads_s).toBeGreaterThanOrEqual(25);
    expect(row.host_cpu_pct).toBeGreaterThan(0);
  }, 30_000);
});
