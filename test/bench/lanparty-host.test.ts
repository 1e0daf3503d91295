// The load bench's host process (bench/load/lanparty-host.ts, from dist/: `npm test` builds
// first). The idle row measures it with --quiet: no stats line a second and no publish
// watcher thread, the bench's own work, only a stats line when the harness asks for one; the
// other rows sample it every second. Real processes on 127.0.0.1, port 0, killed after.

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, spawnChild, type Child, type Msg } from '../../bench/load/children.js';

const script = fileURLToPath(new URL('../../dist/bench/load/lanparty-host.js', import.meta.url));
const started: Child[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

async function host(...extra: string[]): Promise<Child> {
  const c = spawnChild('host', ['--expose-gc', script, '--port', '0', '--clients', '0', '--entities', '0', ...extra], { ...process.env, LANPARTY_LOG: 'warn' });
  started.push(c);
  await c.waitFor((m) => m.type === 'ready', 30_000, 'the host ready');
  return c;
}

const statsLines = (c: Child) => c.lines.map((l) => l.msg).filter((m): m is Msg & { watcherCpuMs: number; cpuUs: number } => m.type === 'stats');

describe('load bench host', () => {
  it('--quiet: no line a second and no publish watcher; a stats line when asked', async () => {
    const [quiet, sampled] = await Promise.all([host('--quiet'), host()]);
    await sleep(2500);
    expect(statsLines(quiet)).toEqual([]);
    expect(statsLines(sampled).length).toBeGreaterThanOrEqual(2);
    // the sampled host's watcher thread has run (its CPU is reported so the harness can take it off)
    expect(statsLines(sampled).at(-1)!.watcherCpuMs).toBeGreaterThan(0);

    const before = quiet.lines.length;
    quiet.send('stats');
    const line = (await quiet.waitFor((m) => m.type === 'stats', 10_000, 'the stats line asked for', before)) as Msg & { cpuUs: number; watcherCpuMs: number };
    expect(line.cpuUs).toBeGreaterThan(0);
    expect(line.watcherCpuMs).toBe(0);
    expect(statsLines(quiet)).toHaveLength(1);
  });
});
