// A real terminal for end-to-end tests: a command in a detached tmux session of a fixed
// size, its screen read back (plain text, or with escapes parsed into cells with colours),
// keys sent to it, and conditions waited for.
//
// Every session runs on a tmux server of its own (`tmux -L <unique socket>`, no config
// file), so tests never see each other's sessions or the user's. The command runs under
// /bin/sh with exactly the environment the test gives (plus PATH, HOME, a UTF-8 locale,
// TERM and LANPARTY_PARENT_PID); its stderr goes to a file (`stderr()`), so log lines never draw over the screen,
// unless the test asks for it on the terminal (`stderr: 'pane'`).
// When the command ends, the pane shows `[exit CODE]` and the terminal modes stty reports
// (`icanon`/`-icanon`, `echo`/`-echo`), then stays open, so a test can check how the
// program left the terminal; it stays only while the test process lives.
//
// Call `killAllTmux()` in afterEach: it kills every server started here and every process
// that was running in their panes (by pid), also when the test failed. A process 'exit'
// hook does the same as a last resort. And should the test process die without either (a
// SIGKILL), nothing stays: the command watches it (LANPARTY_PARENT_PID, see
// src/app/exit-with-parent.ts), the pane's shell then ends, and tmux with its last pane.

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARENT_PID_ENV, parentWatchEnv } from '../../src/app/exit-with-parent.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The repository root (the folder holding package.json). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('tmux helper: no package.json above this file');
    dir = up;
  }
  return dir;
}

/** The built CLI (`npm run build`). */
export const cliPath = (): string => join(repoRoot(), 'dist', 'src', 'cli.js');

/** Colours: 0..255 (palette index), 0x1000000 | rgb (truecolor), DEFAULT_COLOR (terminal default). */
export const DEFAULT_COLOR = -1;
export const rgbColor = (r: number, g: number, b: number) => 0x1000000 | (r << 16) | (g << 8) | b;

export interface Cell {
  ch: string;
  fg: number;
  bg: number;
}

/** One look at the screen. */
export class ScreenShot {
  /** The screen as text, one line per row, trailing spaces trimmed. */
  readonly text: string;
  readonly lines: string[];

  constructor(
    /** Rows of cells (rows may be shorter than the width: tmux leaves off trailing blanks). */
    readonly cells: Cell[][],
    /** The raw `capture-pane -e` output. */
    readonly raw: string,
  ) {
    this.lines = cells.map((row) => row.map((c) => c.ch).join('').replace(/\s+$/, ''));
    this.text = this.lines.join('\n');
  }

  cell(x: number, y: number): Cell | undefined {
    return this.cells[y]?.[x];
  }

  includes(s: string): boolean {
    return this.text.includes(s);
  }
}

/** Parse `tmux capture-pane -p -e` output (SGR colours carry over from line to line) into cells. */
export function parseEscapes(raw: string): Cell[][] {
  const rows: Cell[][] = [];
  let row: Cell[] = [];
  let fg = DEFAULT_COLOR;
  let bg = DEFAULT_COLOR;
  const sgr = (params: string) => {
    const p = params === '' ? [0] : params.split(/[;:]/).map((v) => (v === '' ? 0 : Number(v)));
    for (let i = 0; i < p.length; i++) {
      const n = p[i]!;
      if (n === 0) {
        fg = DEFAULT_COLOR;
        bg = DEFAULT_COLOR;
      } else if (n === 38 || n === 48) {
        let c = DEFAULT_COLOR;
        if (p[i + 1] === 5) {
          c = p[i + 2] ?? 0;
          i += 2;
        } else if (p[i + 1] === 2) {
          c = rgbColor(p[i + 2] ?? 0, p[i + 3] ?? 0, p[i + 4] ?? 0);
          i += 4;
        }
        if (n === 38) fg = c;
        else bg = c;
      } else if (n === 39) fg = DEFAULT_COLOR;
      else if (n === 49) bg = DEFAULT_COLOR;
      else if (n >= 30 && n <= 37) fg = n - 30;
      else if (n >= 40 && n <= 47) bg = n - 40;
      else if (n >= 90 && n <= 97) fg = n - 90 + 8;
      else if (n >= 100 && n <= 107) bg = n - 100 + 8;
      // attributes (bold, reverse, ...) are not needed by the tests
    }
  };
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\x1b') {
      const kind = chars[i + 1];
      if (kind === '[') {
        let j = i + 2;
        let params = '';
        while (j < chars.length && !/[@-~]/.test(chars[j]!)) params += chars[j++];
        if (chars[j] === 'm') sgr(params);
        i = j;
      } else if (kind === ']') {
        // OSC (hyperlinks): up to BEL or ST
        let j = i + 2;
        while (j < chars.length && chars[j] !== '\x07' && !(chars[j] === '\x1b' && chars[j + 1] === '\\')) j++;
        i = chars[j] === '\x07' ? j : j + 1;
      } else i += 1;
      continue;
    }
    if (ch === '\n') {
      rows.push(row);
      row = [];
      continue;
    }
    if (ch === '\r') continue;
    row.push({ ch, fg, bg });
  }
  if (row.length) rows.push(row);
  return rows;
}

export interface TmuxOptions {
  /** argv of the command (quoted for the shell here). */
  command: string[];
  /** The command's environment (besides PATH, HOME, LANG and TERM). */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
  cwd?: string;
  /** A tag in the session's name (for humans reading `ps`). */
  name?: string;
  /**
   * Where the command's stderr goes: 'file' (default; `stderr()` reads it) keeps log lines
   * off the screen; 'pane' leaves it on the terminal, as a user would run it.
   */
  stderr?: 'file' | 'pane';
}

export interface PaneInfo {
  /** The alternate screen is on. */
  alternate: boolean;
  /** The cursor is visible. */
  cursor: boolean;
  /** Line wrapping is on. */
  wrap: boolean;
  /** pid of the pane's shell. */
  pid: number;
  dead: boolean;
}

const live = new Set<TmuxSession>();

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}`));
      else resolve(stdout);
    });
  });
}

/** Pids of every descendant of `pid` (from /proc), deepest last. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class TmuxSession {
  readonly socket: string;
  readonly name: string;
  readonly cols: number;
  readonly rows: number;
  /** Where the command's stderr goes. */
  readonly stderrPath: string;
  private readonly dir: string;
  private readonly tmuxEnv: NodeJS.ProcessEnv;
  private panePid = 0;
  private killed = false;

  private constructor(o: TmuxOptions) {
    const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.socket = `lanparty-test-${id}`;
    this.name = `${o.name ?? 'test'}-${id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    this.cols = o.cols ?? 100;
    this.rows = o.rows ?? 34;
    this.dir = mkdtempSync(join(tmpdir(), 'lanparty-tmux-'));
    this.stderrPath = join(this.dir, 'stderr.log');
    this.tmuxEnv = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      SHELL: '/bin/sh',
      TERM: 'xterm-256color',
      TMUX_TMPDIR: this.dir,
      // the tmux server is a daemon, not our child: the command in the pane watches us
      ...parentWatchEnv(),
    };
  }

  /** Start `o.command` in a new detached session; resolves once the pane exists. */
  static async start(o: TmuxOptions): Promise<TmuxSession> {
    const s = new TmuxSession(o);
    live.add(s);
    const cmd = o.command.map(shq).join(' ');
    const script =
      `${cmd}${o.stderr === 'pane' ? '' : ` 2>${shq(s.stderrPath)}`}; echo "[exit $?]"; ` +
      `echo "[stty $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')]"; ` +
      // open for the test to read, while the watched process (this one) lives
      `while kill -0 "$${PARENT_PID_ENV}" 2>/dev/null; do sleep 1; done`;
    const envArgs = Object.entries(o.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await s.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', s.name, '-x', String(s.cols), '-y', String(s.rows), ...(o.cwd ? ['-c', o.cwd] : []), ...envArgs, script]);
    // a fixed size whatever clients come and go; the status line off, so the pane is the window
    await s.tmux(['set-option', '-t', s.name, 'status', 'off']);
    await s.tmux(['resize-window', '-t', s.name, '-x', String(s.cols), '-y', String(s.rows)]).catch(() => {});
    s.panePid = (await s.info()).pid;
    return s;
  }

  tmux(args: string[]): Promise<string> {
    return run('tmux', ['-L', this.socket, ...args], this.tmuxEnv);
  }

  /** The screen as plain text (`capture-pane -p`): solid colour cells read as spaces. */
  async capture(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-t', this.name])).replace(/\n$/, '');
  }

  /** The screen with escapes (`capture-pane -p -e`). */
  async captureEscapes(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.name]);
  }

  /** One capture, parsed: text and coloured cells. */
  async shot(): Promise<ScreenShot> {
    const raw = await this.captureEscapes();
    return new ScreenShot(parseEscapes(raw), raw);
  }

  /** tmux key names (`Left`, `Space`, `q`, `C-c`, ...), one after the other. */
  async sendKeys(...keys: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  /** Text typed as is. */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-l', '-t', this.name, text]);
  }

  /**
   * Hold keys for `ms`: a terminal without key releases sees a key as held while it keeps
   * repeating, so send them every `everyMs` (like the keyboard's auto-repeat).
   */
  async hold(keys: string[], ms: number, everyMs = 60): Promise<void> {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      await this.sendKeys(...keys);
      await sleep(everyMs);
    }
  }

  async info(): Promise<PaneInfo> {
    const out = await this.tmux(['display-message', '-p', '-t', this.name, '#{alternate_on} #{cursor_flag} #{wrap_flag} #{pane_pid} #{pane_dead}']);
    const [alt, cursor, wrap, pid, dead] = out.trim().split(' ');
    return { alternate: alt === '1', cursor: cursor === '1', wrap: wrap === '1', pid: Number(pid), dead: dead === '1' };
  }

  /** The command's stderr so far ('' with `stderr: 'pane'`: it is on the screen). */
  stderr(): string {
    try {
      return readFileSync(this.stderrPath, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Capture every `everyMs` until `pred` returns something truthy (returned); throws after
   * `timeoutMs`, naming `what` and showing the last screen and the command's stderr.
   */
  async waitFor<T>(pred: (s: ScreenShot) => T | null | undefined | false, timeoutMs: number, what: string, everyMs = 200): Promise<NonNullable<T>> {
    const until = performance.now() + timeoutMs;
    let last: ScreenShot | null = null;
    for (;;) {
      last = await this.shot();
      const v = pred(last);
      if (v) return v as NonNullable<T>;
      if (performance.now() > until) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- screen ---\n${last.text}\n--- stderr ---\n${this.stderr().slice(-4000)}`);
      }
      await sleep(everyMs);
    }
  }

  /** Kill the tmux server and every process that ran in the pane. Idempotent. */
  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    live.delete(this);
    const pids = this.panePid ? [this.panePid, ...descendants(this.panePid)] : [];
    await this.tmux(['kill-server']).catch(() => {});
    // SIGHUP went to the pane; whatever is left after a grace period is killed
    const until = performance.now() + 3000;
    while (pids.some(alive) && performance.now() < until) await sleep(50);
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The synchronous last resort (process exit). */
  killSync(): void {
    if (this.killed) return;
    this.killed = true;
    const pids = this.panePid ? [this.panePid, ...descendants(this.panePid)] : [];
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { env: this.tmuxEnv, stdio: 'ignore', timeout: 5000 });
    } catch {
      // already gone
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Start a command in a fresh tmux session (see TmuxSession.start). */
export const startTmux = (o: TmuxOptions) => TmuxSession.start(o);

/** Kill every session started by this process (afterEach). */
export async function killAllTmux(): Promise<void> {
  await Promise.all([...live].map((s) => s.kill()));
}

process.on('exit', () => {
  for (const s of [...live]) s.killSync();
});
