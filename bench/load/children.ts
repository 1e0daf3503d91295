// The load bench's child processes: spawned with a pipe on stdin, JSON lines read from stdout.
// Every child is in `live` until it has exited. While any is, this process kills them on its
// own SIGINT/SIGTERM and, synchronously, on exit; the children also exit by themselves when
// their stdin (a pipe from us) closes, which covers a SIGKILL of this process. A child may be
// pinned to a CPU (./pin.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nodeCommand } from './pin.js';

export type Msg = Record<string, unknown> & { type: string };

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Every JSON line printed on stdout, with the time it arrived here (performance.now()). */
  readonly lines: Array<{ at: number; msg: Msg }>;
  stderr: string;
  exited: boolean;
  waitFor(pred: (m: Msg) => boolean, timeoutMs: number, what: string, fromLine?: number): Promise<Msg>;
  send(line: string): void;
  /** Call `fn` with every JSON line from now on. */
  onLine(fn: (m: Msg) => void): void;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

const live = new Set<Child>();
const killAll = () => {
  for (const c of live) c.proc.kill('SIGKILL');
};
const onSignal = (sig: NodeJS.Signals) => {
  void Promise.all([...live].map((c) => c.stop())).then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
};
function track(c: Child): void {
  if (live.size === 0) {
    process.on('exit', killAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  live.add(c);
}
function untrack(c: Child): void {
  if (!live.delete(c) || live.size > 0) return;
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/** `node <args>` as a child (on CPU `cpu` when given), tracked until it exits. */
export function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv, cpu?: number): Child {
  const [cmd, argv] = nodeCommand(args, cpu);
  const proc = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // 'close', not 'exit': by then every line it printed has been read
  const closed = new Promise<void>((res) => proc.once('close', () => res()));
  const waiters = new Set<() => void>();
  const listeners: Array<(m: Msg) => void> = [];
  const poke = () => {
    for (const w of waiters) w();
  };
  const c: Child = {
    name,
    proc,
    lines: [],
    stderr: '',
    exited: false,
    waitFor(pred, timeoutMs, what, fromLine = 0) {
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          const hit = c.lines.slice(fromLine).find((l) => pred(l.msg));
          const done = (f: () => void) => {
            waiters.delete(check);
            clearTimeout(timer);
            f();
          };
          if (hit) done(() => resolve(hit.msg));
          else if (c.exited) done(() => reject(new Error(`load: ${name} exited (code ${proc.exitCode}, signal ${proc.signalCode}) while waiting for ${what}\n${name} stderr:\n${c.stderr}`)));
        };
        timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`load: timed out after ${timeoutMs} ms waiting for ${name}: ${what}\n${name} stderr:\n${c.stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    onLine(fn) {
      listeners.push(fn);
    },
    send(line) {
      if (!c.exited) proc.stdin!.write(line + '\n');
    },
    async stop() {
      if (c.exited) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(killer);
    },
  };
  track(c);
  proc.stdin!.on('error', () => {}); // EPIPE when it died first
  proc.on('error', (err) => (c.stderr += `spawn error: ${err.message}\n`));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    let msg: Msg;
    try {
      msg = JSON.parse(line) as Msg;
    } catch {
      return;
    }
    c.lines.push({ at: performance.now(), msg });
    for (const fn of listeners) fn(msg);
    poke();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    // the tail is what explains a failure; keep the last 8 KB
    c.stderr = (c.stderr + d).slice(-8192);
  });
  proc.once('close', () => {
    c.exited = true;
    untrack(c);
    poke();
  });
  return c;
}
