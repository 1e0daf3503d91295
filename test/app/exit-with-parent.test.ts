// Every process a test or a bench starts dies with it, even when it is killed with SIGKILL
// (src/app/exit-with-parent.ts; the load bench's children watch their stdin). A bench-like
// parent starts children through the real spawners (the LAN tests' and failover bench's
// startNode, one node of them held at the start barrier; the load bench's spawnChild; the
// Colyseus host as its bench starts it; a `lanparty host` whose output nobody reads, as any
// spawner with parentWatchEnv() may start it), and is killed with SIGKILL: every one of them
// must be gone within seconds, not after its --duration. A command in a tmux pane (a daemon,
// not our child) must go too, and its tmux server with it.
//
// Hermetic: 127.0.0.89-90 and 127.0.0.1 (the load and Colyseus hosts), ports 47850-47869 and,
// on 127.0.0.1, 29856-29857: below Linux's ephemeral range (32768-60999), where another
// test's outgoing connection from 127.0.0.1 can hold any port (EADDRINUSE on Node 24 once).
// Spawns `lanparty` and fixed ports: run under `flock /tmp/lanparty-test.lock`. Needs dist/.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { exitWithParent, processGone } from '../../src/app/exit-with-parent.js';
import { repoRoot, waitFor } from '../helpers/cluster.js';
import { cliPath, descendants, killAllTmux, startTmux } from '../helpers/tmux.js';

const tmp = mkdtempSync(join(tmpdir(), 'lanparty-orphans-'));
const strays: number[] = [];
afterEach(async () => {
  await killAllTmux();
  // whatever a failed test left behind
  for (const pid of strays.splice(0)) if (!processGone(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The bench-like parent: starts its children, prints their pids, then waits to be killed. */
const PARENT = `
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
const root = process.argv[2];
const cluster = await import(root + '/dist/test/helpers/cluster.js');
const load = await import(root + '/dist/bench/load/children.js');
const { parentWatchEnv } = await import(root + '/dist/src/app/exit-with-parent.js');
const env = { ...process.env, GAME_IP: '127.0.0.89', LANPARTY_TEST: '1', LANPARTY_LOG: 'warn' };

const up = cluster.startNode({ ip: '127.0.0.89', session: 'orphans-a', discoveryPort: 47850, port: 47851, peerPort: 47852, duration: 900 });
const held = cluster.startNode({ ip: '127.0.0.90', session: 'orphans-b', discoveryPort: 47853, port: 47854, peerPort: 47855, duration: 900, nodeArgs: cluster.barrierArgs() });
const loadHost = load.spawnChild('host', [root + '/dist/bench/load/lanparty-host.js', '--port', '29856', '--clients', '1', '--entities', '10'], env);
const coly = spawn(process.execPath, [root + '/dist/bench/load/colyseus/host.js', '--exit-with-stdin', '--port', '29857', '--entities', '10'], { stdio: ['pipe', 'pipe', 'pipe'] });
const quiet = spawn(process.execPath, [root + '/dist/src/cli.js', 'host', '--bind', '127.0.0.89', '--port', '47858', '--duration', '900'], { env: { ...env, ...parentWatchEnv() }, stdio: 'ignore' });

const listening = (port, host) => new Promise((r) => { const s = connect(port, host); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
await cluster.waitFor(() => up.statuses.length > 0, 60000, 'the node playing');
await cluster.waitFor(() => held.other.includes('lanparty-test: barrier ready'), 60000, 'the node at the barrier');
await loadHost.waitFor((m) => m.type === 'ready', 60000, 'the load host');
await cluster.waitFor(() => listening(29857, '127.0.0.1'), 60000, 'the colyseus host');
await cluster.waitFor(() => listening(47858, '127.0.0.89'), 60000, 'the quiet host');
console.log(JSON.stringify({ children: { up: up.pid, held: held.pid, loadHost: loadHost.proc.pid, colyseus: coly.pid, quiet: quiet.pid } }));
setInterval(() => {}, 1 << 30);
`;

describe('exitWithParent', () => {
  it('does nothing without LANPARTY_PARENT_PID; a value that is not a pid is refused, naming the variable', () => {
    expect(exitWithParent({})).toBeNull();
    for (const bad of ['abc', '-3', '1', '2.5']) {
      expect(() => exitWithParent({ LANPARTY_PARENT_PID: bad })).toThrow(/LANPARTY_PARENT_PID must be a process id/);
    }
  });
});

describe('children of a killed parent', () => {
  it('a bench-like parent killed with SIGKILL: every process it started is gone within seconds', async () => {
    const script = join(tmp, 'parent.mjs');
    writeFileSync(script, PARENT);
    const parent = spawn(process.execPath, [script, repoRoot()], { stdio: ['ignore', 'pipe', 'pipe'] });
    strays.push(parent.pid!);
    let err = '';
    parent.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    const children = await new Promise<Record<string, number>>((resolve, reject) => {
      createInterface({ input: parent.stdout! }).on('line', (l) => {
        if (l.startsWith('{"children"')) resolve((JSON.parse(l) as { children: Record<string, number> }).children);
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before starting its children\n${err}`)));
    });
    // every process under the parent (the children and anything they started), all alive now
    const all = [...new Set([...Object.values(children), ...descendants(parent.pid!)])];
    strays.push(...all);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.filter(processGone)).toEqual([]);

    parent.kill('SIGKILL');
    const left = () => Object.entries(children).filter(([, pid]) => !processGone(pid));
    await waitFor(() => all.every(processGone), 15_000, 'every child of the killed parent to exit', () => `still running: ${JSON.stringify(left())}`, 100);
  });

  it('a command in a tmux pane exits when the process it watches dies, and its tmux server ends', async () => {
    // the tmux helper makes every pane watch the test process; here a stand-in that can be killed
    const standIn = spawn('sleep', ['600'], { stdio: 'ignore' });
    strays.push(standIn.pid!);
    const s = await startTmux({
      command: [process.execPath, cliPath(), 'host', '--bind', '127.0.0.90', '--port', '47860', '--duration', '900'],
      env: { GAME_IP: '127.0.0.90', LANPARTY_TEST: '1', LANPARTY_PARENT_PID: String(standIn.pid) },
      name: 'orphans',
    });
    await s.waitFor((t) => t.includes('host on 127.0.0.90:47860'), 30_000, 'the host in the pane');
    const server = Number(await s.tmux(['display-message', '-p', '#{pid}']));
    const pane = (await s.info()).pid;
    const all = [server, pane, ...descendants(pane)];
    strays.push(...all);
    expect(all.length).toBeGreaterThanOrEqual(3); // tmux, the pane's shell, lanparty
    expect(all.filter(processGone)).toEqual([]);

    standIn.kill('SIGKILL');
    await waitFor(() => all.every(processGone), 15_000, 'the pane command, its shell and tmux to exit', () => `still running: ${all.filter((p) => !processGone(p))}`, 100);
  });
});
