// The host's CPU by thread and stage (HostServer.stats().threads, src/engine/thread-cpu.ts):
// what the load bench's breakdown is built from. Every thread that works for the host must
// be listed with its CPU and the stages it timed; a thread that is missing turns its work
// into "other".

import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadStats } from '../../src/engine/thread-cpu.js';
import { cleanupNet, joinClient, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

/** Let a client play for a while, then wait for a stats line that includes the sim worker's. */
async function threadsAfterPlay(th: TestHost): Promise<ThreadStats[]> {
  const c = await joinClient(th);
  for (let i = 0; i < 40; i++) {
    c.input(i % 2 ? 1 : 2);
    await sleep(25);
  }
  const before = th.sim.stats?.tick ?? -1;
  await waitUntil(() => (th.sim.stats?.tick ?? -1) > before, 3000, 'a newer sim stats message');
  return th.host.stats().threads;
}

function expectSane(threads: ThreadStats[]): void {
  expect(new Set(threads.map((t) => t.name)).size).toBe(threads.length);
  for (const t of threads) {
    expect(t.cpuMs).toBeGreaterThan(0);
    // stages are CPU time of that thread: together not (much) more than the thread's CPU
    const staged = Object.values(t.stages).reduce((a, b) => a + b, 0);
    expect(staged).toBeLessThanOrEqual(t.cpuMs + 10);
  }
}

describe('host stats: CPU by thread', () => {
  it('host stats: the connection thread (read, encode, write), the sim worker (sim) and an encode worker (encode) report their CPU and stages', async () => {
    const th = await startHost({ encodeThreads: 1, interest: false });
    const threads = await threadsAfterPlay(th);
    const byName = new Map(threads.map((t) => [t.name.split('#')[0]!, t]));
    expect([...byName.keys()].sort()).toEqual(['encode', 'main', 'sim']);
    const main = byName.get('main')!.stages;
    expect(main.read).toBeGreaterThan(0);
    expect(main.encode).toBeGreaterThan(0);
    expect(main.write).toBeGreaterThan(0);
    expect(byName.get('sim')!.stages.sim).toBeGreaterThan(0);
    expect(byName.get('encode')!.stages.encode).toBeGreaterThan(0);
    expectSane(threads);
  });

  it('host stats: with a byte budget the budget worker reports its encode stage too', async () => {
    const th = await startHost({ encodeThreads: 1, budgetBytesPerSec: 30_000 });
    const threads = await threadsAfterPlay(th);
    const budget = threads.find((t) => t.name.startsWith('budget#'));
    expect(budget?.stages.encode).toBeGreaterThan(0);
    expectSane(threads);
  });
});
