// CPU pinning of the load bench's processes: the host on one CPU, every client process on
// another (`taskset`, util-linux), the same for lanparty and Colyseus, so that on a small
// machine a host CPU ratio compares hosts, not how the scheduler spread the clients.
//
// `taskset -c N node ...` execs node in place (same pid), so signals and the stdin pipe the
// harness uses to end its children reach node itself.
//
// LOAD_PIN=0 turns it off; without taskset, or with fewer than 2 CPUs allowed, nothing is pinned.

import { spawnSync } from 'node:child_process';

export interface Pinning {
  host: number;
  clients: number;
}

let plan: Pinning | null | undefined;

/** Where to pin, or null (not pinned); decided once per run. */
export function pinning(): Pinning | null {
  if (plan !== undefined) return plan;
  plan = null;
  if (process.env.LOAD_PIN === '0') return plan;
  const works = (cpu: number) => spawnSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore' }).status === 0;
  if (works(0) && works(1)) plan = { host: 0, clients: 1 };
  return plan;
}

/** For the results: "host 0, clients 1" (CPUs), or "no". */
export function pinLabel(p: Pinning | null): string {
  return p ? `host ${p.host}, clients ${p.clients}` : 'no';
}

/** The command and arguments that run `node <args>` on `cpu` (unpinned when undefined). */
export function nodeCommand(args: string[], cpu: number | undefined): [string, string[]] {
  return cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
}
