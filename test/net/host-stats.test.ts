// The host's CPU by thread and stage (HostServer.stats().threads, src/engine/thread-cpu.ts):
// what the load bench's breakdown is built from. Every thread that works for the host must
// be listed with its CPU and the stages it timed; a thread that is missing turns its work
// into "other".

import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadStats } from '../../src/engine/thread-cpu.js';
import { cleanupNet, joinClient, sleep, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

/** Let a client play for a while, then wait for the network thread's report after it (once a second). */
async function threadsAfterPlay(th: TestHost): Promise<ThreadStats[]> {
  const c = await joinClient(th);
  for (let i = 0; i < 40; i++) {
    c.input(i % 2 ? 1 : 2);
    await sleep(25);
  }
  // a report made after the play: the network thread's CPU figure moves with every report
  const netCpu = () => th.host.stats().threads.find((t) => t.name.startsWith('net#'))?.cpuMs ?? -1;
  const before = netCpu();
  await waitUntil(() => netCpu() !== before, 3000, "a newer report of the network thread's CPU");
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
  it('host stats: the main thread, the sim worker (sim) and the network thread (read, encode, write) report their CPU and stages', async () => {
    const th = await startHost({ interest: false });
    const threads = await threadsAfterPlay(th);
    const byKind = new Map(threads.map((t) => [t.name.split('#')[0]!, t]));
    expect([...byKind.keys()].sort()).toEqual(['main', 'net', 'sim']);
    const net = byKind.get('net')!.stages;
    expect(net.read).toBeGreaterThan(0);
    expect(net.encode).toBeGreaterThan(0);
    expect(net.write).toBeGreaterThan(0);
    expect(byKind.get('sim')!.stages.sim).toBeGreaterThan(0);
    // the network thread's shared counters carry its CPU and read time too
    expect(th.host.stats().netThreadCpuMs).toBeGreaterThan(0);
    expectSane(threads);
  });

  it('host stats: with a byte budget the network thread reports its encode stage too', async () => {
    const th = await startHost({ budgetBytesPerSec: 30_000 });
    const threads = await threadsAfterPlay(th);
    const net = threads.find((t) => t.name.startsWith('net#'));
    expect(net?.stages.encode).toBeGreaterThan(0);
    expectSane(threads);
  });
});
