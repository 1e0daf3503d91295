// Tests must never send a packet off the machine. Under test (LANPARTY_TEST=1, set by the
// test helpers for every process they start), a node refuses to bind discovery or peers to
// anything but a loopback address, unless the test created that interface itself (a veth in
// a network namespace of its own) and named it in LANPARTY_TEST_IFACES.

import { networkInterfaces } from 'node:os';

export class HermeticError extends Error {
  readonly code = 'NOT_HERMETIC';
}

export function interfaceOf(address: string): string | null {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.address === address)) return name;
  }
  return null;
}

export function assertHermetic(bind: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.LANPARTY_TEST !== '1') return;
  if (bind.startsWith('127.')) return;
  const allowed = (env.LANPARTY_TEST_IFACES ?? '').split(',').filter(Boolean);
  const iface = interfaceOf(bind);
  if (iface && allowed.includes(iface)) return;
  throw new HermeticError(
    `refusing to use ${bind}${iface ? ` (${iface})` : ''} under test: bind to 127.0.0.x (GAME_IP) or to an interface the test created (LANPARTY_TEST_IFACES)`,
  );
}
