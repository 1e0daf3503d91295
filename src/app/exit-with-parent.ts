// A process started by a test or a benchmark must not outlive it, even when the parent is
// killed with SIGKILL (no handler of its runs, nobody is left to kill the children). Every
// spawner puts LANPARTY_PARENT_PID=<its pid> in the child's environment (parentWatchEnv());
// the child (`lanparty`, the bench scripts) calls exitWithParent() first thing, which
// checks four times a second that the process is still there. Once it is gone, the child
// stops as on SIGTERM (its handlers shut down as usual), and exits for good 3 s later at
// the latest.
//
// "Gone": when the watched pid is the direct parent, the kernel re-parents an orphan at the
// parent's death, so process.ppid changing is exact. For another ancestor (a command in a
// tmux pane watches the test process) signal 0 tells; a zombie (dead, not reaped yet) counts
// as gone. Nothing is printed: the parent held our stdout and stderr, and they may be
// closed pipes now.

import { readFileSync } from 'node:fs';

export const PARENT_PID_ENV = 'LANPARTY_PARENT_PID';

const CHECK_EVERY_MS = 250;
const HARD_EXIT_MS = 3000;

/** The environment entry that makes a child exit when `pid` (default: this process) dies. */
export function parentWatchEnv(pid: number = process.pid): Record<string, string> {
  return { [PARENT_PID_ENV]: String(pid) };
}

/** Whether `pid` has died (or is a zombie). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH, or EPERM: a process of another user holds the pid now, so ours is gone
    return true;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ...", comm may hold spaces and parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): signal 0 said it is there
  }
}

/**
 * Exit when the process named by LANPARTY_PARENT_PID dies (nothing when it is not set).
 * Returns the watch timer (unref'd: it never keeps the process alive by itself), or null.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env): NodeJS.Timeout | null {
  const raw = env[PARENT_PID_ENV];
  if (raw === undefined || raw === '') return null;
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 1) throw new RangeError(`${PARENT_PID_ENV} must be a process id, got ${JSON.stringify(raw)}`);
  const direct = process.ppid === pid;
  const gone = () => (direct ? process.ppid !== pid : processGone(pid));
  if (gone()) stopNow();
  const timer = setInterval(() => {
    if (!gone()) return;
    clearInterval(timer);
    stopNow();
  }, CHECK_EVERY_MS);
  timer.unref();
  return timer;
}

function stopNow(): void {
  setTimeout(() => process.exit(1), HARD_EXIT_MS).unref();
  // the usual SIGTERM path: the command's own handler stops it cleanly, or, without one,
  // the default action ends the process
  process.kill(process.pid, 'SIGTERM');
}
