// What the load suite says next to a target it did not meet: where the host's CPU went in the
// row the target is about (by stage, and its busiest thread), or for a lanparty/colyseus
// ratio, both systems' figures and the lanparty host's breakdown; for the ws/tcp ratio, both
// hosts' breakdowns side by side (where the WebSocket host spends more); and whether the
// client processes, rather than the host, may have been the limit.

import type { Row, Target } from '../types.js';
import { rowMatches } from '../report.js';
import { round } from '../stats.js';

export const RATIO_SYSTEM = 'lanparty/colyseus';
/** The WebSocket row against the TCP row of the same load. */
export const WS_RATIO_SYSTEM = 'ws/tcp';
/** Rows from before the transport column: every lanparty row then was a TCP row (SuiteInfo.legacyCells). */
export const LOAD_LEGACY_CELLS = { transport: 'tcp' };
/** The I/O floor's CPU over Colyseus's (bench/load/floor.ts): the least a CPU ratio could be. */
export const FLOOR_RATIO = 'floor/colyseus';
/** The rows comparing lanparty over UDP with lanparty over TCP (bench/net/load.bench.ts). */
export const TRANSPORT_RATIO = 'udp/tcp';

const num = (r: Row | undefined, k: string): number | undefined => (typeof r?.[k] === 'number' ? (r[k] as number) : undefined);
const parts = (r: Row | undefined, k: string): Record<string, number> | undefined => {
  const v = r?.[k];
  return v && typeof v === 'object' ? v : undefined;
};
const f1 = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (r: Row | undefined) => {
  const v = num(r, 'host_cpu_pct');
  return v === undefined ? '?' : `${f1(v)}%`;
};

/** The same-config row of `system` (ratio rows point at their rows); lanparty rows by transport (tcp: also rows from before the transport column). */
function sibling(rows: readonly Row[], of: Row, system: string, transport = 'tcp'): Row | undefined {
  return rows.find(
    (r) => r.system === system && (system !== 'lanparty' || (r.transport ?? 'tcp') === transport) && ['clients', 'entities', 'send_hz', 'interest'].every((k) => r[k] === of[k]),
  );
}

/** ws/tcp: both hosts' figures, and the stages where the WebSocket host spends more. */
function explainWs(rows: readonly Row[], row: Row, target: Target): string | undefined {
  const ws = sibling(rows, row, 'lanparty', 'ws');
  const tcp = sibling(rows, row, 'lanparty', 'tcp');
  if (target.metric === 'bytes_ratio' || target.metric === 'snapshot_bytes_ratio')
    return `WebSocket ${num(ws, 'bytes_per_client_s') ?? '?'} B/client/s at ${num(ws, 'snapshots_per_client_s_mean') ?? '?'} snapshots/s, TCP ${num(tcp, 'bytes_per_client_s') ?? '?'} at ${num(tcp, 'snapshots_per_client_s_mean') ?? '?'}`;
  const out: string[] = [];
  if (row.same_work === 'no') out.push(`not the same work: the clients received ${num(row, 'ws_recv_pct') ?? '?'} % (WebSocket) and ${num(row, 'tcp_recv_pct') ?? '?'} % (TCP) of the send rate`);
  const bw = parts(ws, 'breakdown');
  const bt = parts(tcp, 'breakdown');
  if (bw && bt) {
    const more = Object.keys(bw)
      .map((k) => [k, (bw[k] ?? 0) - (bt[k] ?? 0)] as const)
      .filter(([, d]) => Math.abs(d) >= 0.5)
      .sort((x, y) => y[1] - x[1])
      .map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${f1(d)}`);
    if (more.length) out.push(`WebSocket minus TCP, ms/s: ${more.join(', ')}`);
  }
  for (const [name, r] of [['WebSocket', ws], ['TCP', tcp]] as const) {
    const cpu = r && hostCpuText(r);
    if (cpu) out.push(`${name} ${cpu}`);
  }
  const clients = clientsText(ws) ?? clientsText(tcp);
  if (clients) out.push(clients);
  return out.length ? out.join('; ') : undefined;
}

/** "host 45.3% of a core: read 120 ms/s (27%), write 100 (22%), ...; busiest thread main 310 ms/s" */
export function hostCpuText(row: Row): string | undefined {
  const b = parts(row, 'breakdown');
  const cpu = num(row, 'host_cpu_pct');
  if (!b || cpu === undefined) return cpu === undefined ? undefined : `host ${f1(cpu)}% of a core (no breakdown)`;
  const total = cpu * 10; // ms per second
  const stages = Object.entries(b)
    .filter(([, v]) => Math.abs(v) >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v], i) => `${k} ${f1(v)}${i === 0 ? ' ms/s' : ''} (${total > 0 ? Math.round((100 * v) / total) : 0}%)`);
  let text = `host ${f1(cpu)}% of a core: ${stages.join(', ')}`;
  const threads = parts(row, 'threads');
  if (threads) {
    const [name, ms] = Object.entries(threads).filter(([k]) => k !== 'outside').sort((x, y) => y[1] - x[1])[0] ?? [];
    if (name !== undefined && ms !== undefined) text += `; busiest thread ${name} ${f1(ms)} ms/s (${Math.round(ms / 10)}% of a core)`;
  }
  return text;
}

/** A client process near saturation: the clients may be what limits rates and delivery. */
function clientsText(row: Row | undefined): string | undefined {
  const elu = num(row, 'swarm_elu_max');
  return elu !== undefined && elu > 0.9 ? `the busiest client process's event loop was ${Math.round(elu * 100)}% busy: the clients may be the limit` : undefined;
}

/** The lanparty row of the same point over one transport (rows without `transport` are TCP). */
function overTransport(rows: readonly Row[], of: Row, transport: 'tcp' | 'udp'): Row | undefined {
  return rows.find((r) => r.system === 'lanparty' && (r.transport ?? 'tcp') === transport && ['clients', 'entities', 'send_hz', 'interest'].every((k) => r[k] === of[k]));
}

/** UDP against TCP: both hosts' CPU, where each one's went, and whether both did the same work. */
function explainTransports(rows: readonly Row[], row: Row): string {
  const udp = overTransport(rows, row, 'udp');
  const tcp = overTransport(rows, row, 'tcp');
  const out = [`UDP host ${pct(udp)} of a core, TCP host ${pct(tcp)}`];
  if (row.same_work === 'no') out.push(`not the same work: the clients received ${num(row, 'tcp_recv_pct') ?? '?'} % (TCP) and ${num(row, 'udp_recv_pct') ?? '?'} % (UDP) of the send rate`);
  const u = udp && hostCpuText(udp);
  if (u) out.push(`UDP: ${u}`);
  const t = tcp && hostCpuText(tcp);
  if (t) out.push(`TCP: ${t}`);
  for (const [name, r] of [['UDP', udp], ['TCP', tcp]] as const) {
    const c = clientsText(r);
    if (c) out.push(`${name}: ${c}`);
  }
  return out.join('; ');
}

/**
 * The floor plus the lanparty host's own sim and encode stages, over Colyseus's CPU: what a
 * host that did its simulation and encoding as it does now, and its reads and writes at the
 * floor's cost, would need at the least. Against the target (`max`), what is left for the
 * rest: decoding and queuing the inputs, the write path above Node's send, the wake-ups.
 */
function leastWork(floor: Row | undefined, lan: Row | undefined, col: Row | undefined, max: number | undefined): string | undefined {
  const f = num(floor, 'host_cpu_pct');
  const c = num(col, 'host_cpu_pct');
  const b = parts(lan, 'breakdown');
  if (f === undefined || !c || !b || b.sim === undefined || b.encode === undefined) return undefined;
  const own = b.sim + b.encode;
  const ratio = round((f * 10 + own) / (c * 10), 3);
  const rest = max === undefined ? '' : ratio < max ? `: ${round(max - ratio, 3)} x Colyseus (${f1((max - ratio) * c * 10)} ms/s) left for everything else` : `: above the target before anything else`;
  return `with lanparty's own sim and encode (${f1(own)} ms/s), ${ratio} x Colyseus${rest}`;
}

export function explainLoad(rows: readonly Row[], target: Target): string | undefined {
  const row = rows.find((r) => rowMatches(r, target.where, LOAD_LEGACY_CELLS));
  if (!row) return undefined;
  if (row.system === WS_RATIO_SYSTEM) return explainWs(rows, row, target);
  if (row.system === TRANSPORT_RATIO) return explainTransports(rows, row);
  const lan = row.system === RATIO_SYSTEM ? sibling(rows, row, 'lanparty') : row;
  const col = row.system === RATIO_SYSTEM ? sibling(rows, row, 'colyseus') : undefined;
  // bytes and heap are not a matter of where the CPU goes
  if (target.metric === 'bytes_per_client_s' || target.metric === 'heap_per_client_kb') return undefined;
  const out: string[] = [];
  if (target.metric === 'bytes_ratio') {
    out.push(`lanparty ${num(lan, 'bytes_per_client_s') ?? '?'} B/client/s, Colyseus ${num(col, 'bytes_per_client_s') ?? '?'}`);
  } else {
    if (target.metric === 'cpu_ratio') {
      out.push(`lanparty host ${pct(lan)} of a core, Colyseus ${pct(col)}`);
      const floor = sibling(rows, row, 'floor');
      const fr = num(sibling(rows, row, FLOOR_RATIO), 'cpu_ratio');
      if (fr !== undefined) out.push(`the reads and writes alone (floor, ${pct(floor)}) are ${fr} x Colyseus`);
      const least = leastWork(floor, lan, col, target.max);
      if (least) out.push(least);
      if (row.same_work === 'no') out.push(`not the same work: the clients received ${num(row, 'lanparty_recv_pct') ?? '?'} % (lanparty) and ${num(row, 'colyseus_recv_pct') ?? '?'} % (Colyseus) of the send rate`);
    }
    if (target.metric === 'rate_pct' || target.metric === 'snapshots_per_client_s_min')
      out.push(`slowest client ${num(lan, 'snapshots_per_client_s_min') ?? '?'} snapshots/s at ${num(lan, 'send_hz') ?? '?'} Hz`);
    const cpu = lan && hostCpuText(lan);
    if (cpu) out.push(cpu);
  }
  const clients = clientsText(lan);
  if (clients) out.push(clients);
  return out.length ? out.join('; ') : undefined;
}
