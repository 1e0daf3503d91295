// TCP ports the user chose (--port, --peer-port). A port another program holds is a fact of
// the machine, not a bug: the user gets one sentence naming the address, the port and the
// option that picks another, and the command exits non-zero. A node must find this out
// before it takes part in an election (probeListen), never by claiming a session nobody
// can reach.

import { createServer } from 'node:net';

/** What Node puts on the error of a failed `listen`. */
export interface ListenFailure {
  code: string;
  address: string;
  port: number;
}

/** The failure of a `listen` (code, address, port), or null for any other error. */
export function listenFailureOf(err: unknown): ListenFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
  if (e.syscall !== 'listen' || typeof e.code !== 'string' || typeof e.address !== 'string' || typeof e.port !== 'number') return null;
  return { code: e.code, address: e.address, port: e.port };
}

/** Resolves when `address:port` can be listened on now (the probe releases it at once). */
export function probeListen(address: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve(); // any free port: nothing to check
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, address, () => s.close(() => resolve()));
  });
}

/** Why a listen failed, for a person; `option` is the flag that changes the port. */
export function explainListenFailure(f: ListenFailure, purpose: string, option: string): string {
  const where = `cannot listen on ${f.address}:${f.port} (${purpose})`;
  switch (f.code) {
    case 'EADDRINUSE':
      return `${where}: the port is already in use by another program (another lanparty?); stop it, or choose another port with ${option} <n>`;
    case 'EACCES':
      return `${where}: permission denied (ports below 1024 need privileges); choose another port with ${option} <n>`;
    case 'EADDRNOTAVAIL':
      return `${where}: ${f.address} is not an address of this machine; choose one with --bind <address>`;
    default:
      return `${where}: ${f.code}`;
  }
}

/** `err` with the explained message when it is a listen failure (code kept), else `err` unchanged. */
export function explainListenError(err: unknown, purpose: string, option: string): unknown {
  const f = listenFailureOf(err);
  if (!f) return err;
  return Object.assign(new Error(explainListenFailure(f, purpose, option)), { code: f.code, address: f.address, port: f.port });
}
