// The `lanparty` command line, spawned directly (node dist/src/cli.js): argument errors exit
// non-zero with a message naming the option or argument (and no stack trace), run-time
// failures are one clear line, and --help works for the program and every subcommand.
//
// Hermetic: GAME_IP=127.0.0.64 and LANPARTY_TEST=1 for every child; nothing here binds a
// socket, and the one connection attempted goes to a closed port on 127.0.0.64.
// Needs dist/ (`npm test` builds first).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parentWatchEnv } from '../../src/app/exit-with-parent.js';
import { cliPath } from '../helpers/tmux.js';

const IP = '127.0.0.64';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function lanparty(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath(), ...args],
      { env: { ...process.env, GAME_IP: IP, LANPARTY_TEST: '1', LANPARTY_LOG: 'warn', ...parentWatchEnv() }, timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'lanparty-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The first line of stderr (commander adds the usage after it). */
const firstLine = (r: Run) => r.stderr.split('\n')[0]!;
const noStack = (r: Run) => expect(r.stderr).not.toMatch(/^\s+at |node:internal|triggerUncaughtException/m);

describe('argument errors: non-zero exit, the option or argument named', () => {
  const cases: Array<[string[], RegExp]> = [
    [['host', '--max-players', '0'], /--max-players.*'0'.*\[1, 1000\]/],
    [['host', '--port', '70000'], /--port.*'70000'.*\[0, 65535\]/],
    [['host', '--game', 'nope'], /--game.*'nope'.*choices.*shooter/i],
    [['bots', '0'], /'0'.*argument 'n'.*<n> must be an integer in \[1, 10000\]/],
    [['bots', '3', 'host:0'], /'host:0'.*argument 'address'.*HOST\[:PORT\]/],
    [['join', 'bad:port:x'], /'bad:port:x'.*argument 'address'.*expected HOST\[:PORT\]/],
    [['join', '--pick', '0'], /--pick.*'0'/],
    [['join', '--name', ' spaced '], /--name.*' spaced '.*start or end with spaces/],
    [['join', '--fps', '0'], /--fps.*'0'/],
    [['join', '--hold', 'x'], /--hold.*'x'/],
    [['top', '--count', '0'], /--count.*'0'/],
    [['up', '--status', 'weird'], /--status.*'weird'.*text, json, none/],
    [['up', '--discovery-port', '0'], /--discovery-port.*'0'/],
    [['up', '--frobnicate'], /unknown option '--frobnicate'/],
    [['frobnicate'], /unknown command 'frobnicate'.*up, host, join, bots, top, replay/],
    [['replay'], /missing required argument 'file'/],
    [['host', '--send-hz', '45'], /--send-hz.*'45'.*expected 60, 30 or 20/],
    [['host', '--world', 'big'], /--world.*'big'.*WIDTHxHEIGHT/],
    [['host', '--budget', '0'], /--budget.*'0'/],
  ];
  for (const [args, message] of cases) {
    it.concurrent(`lanparty ${args.join(' ')}`, async () => {
      const r = await lanparty(...args);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(firstLine(r)).toMatch(/^error: /);
      expect(firstLine(r)).toMatch(message);
      expect(r.stdout).toBe('');
      noStack(r);
    });
  }
});

describe('run-time failures: one clear line, non-zero exit', () => {
  it.concurrent('replay of a missing file', async () => {
    const file = join(tmp, 'missing.rec');
    const r = await lanparty('replay', file);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`lanparty replay: cannot read ${file}: ENOENT: no such file or directory, open '${file}'`);
    noStack(r);
  });

  it.concurrent('replay of a file that is no recording', async () => {
    const file = join(tmp, 'garbage.rec');
    writeFileSync(file, 'garbage\n');
    const r = await lanparty('replay', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^replay FAILED after 0 verified ticks: line 1: not JSON/);
    noStack(r);
  });

  it.concurrent('top of an address nobody listens on', async () => {
    const r = await lanparty('top', `${IP}:47499`, '--count', '1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^lanparty top: .*ECONNREFUSED 127\.0\.0\.64:47499$/);
    noStack(r);
  });

  it.concurrent('host options that do not fit the game: named, no stack', async () => {
    const drones = await lanparty('host', '--game', 'race', '--drones', '5', '--port', '47497', '--duration', '1');
    expect(drones.code).toBe(1);
    expect(drones.stderr).toMatch(/^lanparty host: --drones and --world are shooter options$/m);
    noStack(drones);
    const budget = await lanparty('host', '--game', 'race', '--budget', '5', '--port', '47496', '--duration', '1');
    expect(budget.code).toBe(1);
    expect(budget.stderr).toMatch(/^lanparty host: a byte budget needs a game with interest management/m);
    noStack(budget);
  });

  it.concurrent('bots against an address nobody listens on', async () => {
    const r = await lanparty('bots', '2', `${IP}:47499`, '--duration', '5');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lanparty bots: /);
    noStack(r);
  });
});

describe('--help', () => {
  const commands: Array<[string, string[]]> = [
    ['up', ['--bots', '--session', '--key', '--peer-port', '--discovery-port', '--status', '--bind', '--port', '--duration']],
    ['host', ['--game', '--max-players', '--capacity', '--seed', '--bots', '--bind', '--port', '--record', '--duration', '--send-hz', '--budget', '--no-interest', '--drones', '--world']],
    ['join', ['[address]', '--json', '--udp', '--auto', '--bind', '--discovery-port', '--pick']],
    ['bots', ['<n> [address]', '--json', '--udp', '--duration']],
    ['top', ['[address]', '--count']],
    ['replay', ['<file>']],
  ];

  for (const flag of [['--help'], ['help']]) {
    it.concurrent(`lanparty ${flag.join(' ')}`, async () => {
      const r = await lanparty(...flag);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage: lanparty \[options\] \[command\]/);
      for (const [name] of commands) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
      expect(r.stderr).toBe('');
    });
  }

  for (const [name, options] of commands) {
    for (const args of name === 'host' ? [[name, '--help'], ['help', name]] : [[name, '--help']]) {
      it.concurrent(`lanparty ${args.join(' ')}`, async () => {
        const r = await lanparty(...args);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: lanparty ${name} `));
        for (const o of options) expect(r.stdout).toContain(o);
        expect(r.stdout).toContain('--help');
        expect(r.stderr).toBe('');
      });
    }
  }
});
