// `lanparty` commands as plain child processes (no terminal): their stdout and stderr lines
// kept, lines waited for, every process killed (by pid) in afterEach via `killAllCli()`.
// Hermetic: the caller gives the bind address; GAME_IP, LANPARTY_TEST=1 and LANPARTY_LOG
// are set for every child.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parentWatchEnv } from '../../src/app/exit-with-parent.js';
import { cliPath, sleep } from '../helpers/tmux.js';

const live = new Set<CliProcess>();

export class CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], ip: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [cliPath(), ...args], {
      // parentWatchEnv: the command exits when this process dies, even by SIGKILL
      env: { ...process.env, GAME_IP: ip, LANPARTY_TEST: '1', LANPARTY_LOG: 'warn', ...parentWatchEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.stdout.push(l));
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.stderr.push(l));
    this.exited = new Promise((resolve) =>
      // 'close': exited and its output read to the end
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      }),
    );
  }

  /** Output so far, for failure messages. */
  output(): string {
    return `--- stdout ---\n${this.stdout.slice(-40).join('\n')}\n--- stderr ---\n${this.stderr.slice(-40).join('\n')}`;
  }

  /** Until `f` of the stdout lines so far returns something truthy (returned). */
  async until<T>(f: (stdout: string[]) => T | null | undefined | false, timeoutMs: number, what: string): Promise<NonNullable<T>> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const v = f(this.stdout);
      if (v) return v as NonNullable<T>;
      if (this.exit) throw new Error(`${what}: the process exited (${JSON.stringify(this.exit)})\n${this.output()}`);
      if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.output()}`);
      await sleep(50);
    }
  }

  /** Until `count` stdout lines match `re`; returns the matches. */
  lines(re: RegExp, count: number, timeoutMs: number, what: string): Promise<RegExpExecArray[]> {
    return this.until(
      (out) => {
        const ms = out.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
        return ms.length >= count ? ms : null;
      },
      timeoutMs,
      what,
    );
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async kill(graceMs = 5000): Promise<void> {
    if (this.exit || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export const startCli = (args: string[], ip: string, env?: Record<string, string>) => new CliProcess(args, ip, env);

/** Kill every process started here (afterEach). */
export async function killAllCli(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

process.on('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});
