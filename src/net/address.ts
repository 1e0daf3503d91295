// Which address a node binds to. GAME_IP (or the --bind flag) always wins; otherwise the
// address of the interface the default route leaves by, as seed 000 finds it, read from the
// kernel's routing table so that no packet is sent to find out.

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export function defaultRouteInterface(routeTable?: string): string | null {
  let text = routeTable;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/net/route', 'utf8');
    } catch {
      return null;
    }
  }
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // Iface Destination Gateway Flags ... Mask: the default route has destination and mask 0
    if (cols.length >= 8 && cols[1] === '00000000' && cols[7] === '00000000') return cols[0]!;
  }
  return null;
}

export function lanAddress(explicit?: string): string {
  const chosen = explicit ?? process.env.GAME_IP;
  if (chosen) return chosen;
  const nets = networkInterfaces();
  const iface = defaultRouteInterface();
  const v4 = (name: string) => nets[name]?.find((a) => a.family === 'IPv4')?.address;
  if (iface) {
    const a = v4(iface);
    if (a) return a;
  }
  for (const [name, addrs] of Object.entries(nets)) {
    if (addrs?.some((a) => a.family === 'IPv4' && !a.internal)) return v4(name)!;
  }
  return '127.0.0.1';
}

/** The web client's address on a host's game port (the host serves the page there). */
export const webUrl = (ip: string, port: number): string => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

/** The line `lanparty up` / `lanparty host` print for players with only a browser. */
export const webInvite = (ip: string, port: number): string => `open ${webUrl(ip, port)} on any device on this LAN`;
