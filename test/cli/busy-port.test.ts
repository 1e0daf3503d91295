// `lanparty host` and `lanparty up` where another program holds the port they need: one
// sentence naming the address, the port and the option that picks another, exit code 1,
// and (up) no beacon ever names the node as host of the session.
//
// Hermetic: everything binds to 127.0.0.81-84 and .91-93, ports 47810-47819 and 47870-47879; the program holding the
// port is a plain net server in this process. Spawns `lanparty`: run under
// `flock /tmp/lanparty-test.lock`. Needs dist/ (`npm test` builds first).

import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BeaconWatcher, waitFor } from '../helpers/cluster.js';
import { killAllCli, startCli } from '../e2e/procs.js';

const servers: Server[] = [];
const watchers: BeaconWatcher[] = [];

/** A plain server on address:port, like any program that got there first. */
async function occupy(address: string, port: number): Promise<Server> {
  const s = createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, address, () => resolve());
  });
  servers.push(s);
  return s;
}

const release = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

afterEach(async () => {
  await killAllCli();
  for (const w of watchers.splice(0)) w.stop();
  await Promise.all(servers.splice(0).map(release));
});

const noStack = (stderr: string[]) => expect(stderr.join('\n')).not.toMatch(/^\s+at |node:internal/m);

describe('a port held by another program', () => {
  it('lanparty host: names the address and port, says to use --port, exits 1', async () => {
    const ip = '127.0.0.81';
    await occupy(ip, 47810);
    const p = startCli(['host', '--bind', ip, '--port', '47810', '--duration', '60'], ip);
    const exit = await p.exited;
    expect(exit.code, p.output()).toBe(1);
    const line = p.stderr.find((l) => l.startsWith('lanparty host:'));
    expect(line, p.output()).toMatch(/^lanparty host: cannot listen on 127\.0\.0\.81:47810 .*already in use.*--port <n>/);
    noStack(p.stderr);
  });

  it('lanparty up, game port taken: the message and exit 1, and never a beacon claiming the session', async () => {
    const ip = '127.0.0.82';
    const args = ['up', '--bind', ip, '--port', '47812', '--peer-port', '47813', '--discovery-port', '47814'];
    args.push('--session', 'busy-port', '--status', 'json', '--bots', '0', '--duration', '60');
    const watcher = await new BeaconWatcher({ bind: '127.0.0.83', port: 47814 }).start();
    watchers.push(watcher);
    const held = await occupy(ip, 47812);

    const p = startCli(args, ip);
    const exit = await p.exited;
    expect(exit.code, p.output()).toBe(1);
    const line = p.stderr.find((l) => l.startsWith('lanparty up:'));
    expect(line, p.output()).toMatch(/^lanparty up: cannot listen on 127\.0\.0\.82:47812 .*game clients.*already in use.*--port <n>/);
    noStack(p.stderr);
    // a second of quiet after the exit: no beacon of a host that never listened
    await new Promise((r) => setTimeout(r, 1000));
    expect(watcher.hostClaims()).toEqual([]);

    // the same command once the port is free: it hosts, and the watcher hears it claim the
    // session (so the silence above was the node's, not a deaf watcher's)
    await release(held);
    servers.splice(servers.indexOf(held), 1);
    const ok = startCli(args, ip);
    await waitFor(() => watcher.hostClaims().length > 0, 20_000, 'a beacon of the node hosting', () => ok.output());
    expect(ok.exit).toBeNull();
  });

  it('lanparty up, peer port taken: the message names --peer-port, exit 1', async () => {
    const ip = '127.0.0.84';
    await occupy(ip, 47817);
    const p = startCli(['up', '--bind', ip, '--port', '47816', '--peer-port', '47817', '--discovery-port', '47818', '--status', 'json', '--duration', '60'], ip);
    const exit = await p.exited;
    expect(exit.code, p.output()).toBe(1);
    const line = p.stderr.find((l) => l.startsWith('lanparty up:'));
    expect(line, p.output()).toMatch(/^lanparty up: cannot listen on 127\.0\.0\.84:47817 .*peer links.*already in use.*--peer-port <n>/);
    noStack(p.stderr);
  });

  it('lanparty up, game port taken while following: when the host dies it cannot host, so it leaves, says why, exits 1', async () => {
    const [hostIp, nodeIp] = ['127.0.0.91', '127.0.0.92'];
    const common = ['--session', 'busy-late', '--discovery-port', '47870', '--status', 'json', '--bots', '0', '--duration', '120'];
    const watcher = await new BeaconWatcher({ bind: '127.0.0.93', port: 47870 }).start();
    watchers.push(watcher);
    const statusOf = (line: string) => (line.startsWith('{') ? (JSON.parse(line) as { node: string; state: string }) : null);
    const host = startCli(['up', '--bind', hostIp, '--port', '47871', '--peer-port', '47872', ...common], hostIp);
    await host.until((out) => out.map(statusOf).some((s) => s?.state === 'hosting'), 30_000, 'the first node hosting');
    const node = startCli(['up', '--bind', nodeIp, '--port', '47873', '--peer-port', '47874', ...common], nodeIp);
    const id = await node.until((out) => out.map(statusOf).find((s) => s?.state === 'following')?.node, 30_000, 'the second node following');

    // its client port, free when it started, is taken now; then its host dies
    await occupy(nodeIp, 47873);
    host.child.kill('SIGKILL');
    const exit = await node.exited;
    expect(exit.code, node.output()).toBe(1);
    const line = node.stderr.find((l) => l.startsWith('lanparty up:'));
    expect(line, node.output()).toMatch(/^lanparty up: cannot listen on 127\.0\.0\.92:47873 .*game clients.*already in use.*--port <n>/);
    noStack(node.stderr); // it stopped cleanly, no crash on the way out
    // it was elected (it had to be, alone), and no beacon of it ever named it host
    expect(watcher.heard.some((s) => s.b.id === id)).toBe(true);
    expect(watcher.hostClaims().filter((c) => c.id === id)).toEqual([]);
  });
});
