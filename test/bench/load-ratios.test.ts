// The load bench's lanparty/colyseus rows: a CPU ratio is only a comparison of the same work
// when both sides' clients received the load's send rate; the row says whether they did.

import { describe, expect, it } from 'vitest';
import { explainLoad } from '../../bench/load/explain.js';
import { info, ratios, transportRatios } from '../../bench/net/load.bench.js';
import { evaluateTargets } from '../../bench/report.js';

const lan = (mean: number) => ({ system: 'lanparty', clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', host_cpu_pct: 20, bytes_per_client_s: 100, snapshots_per_client_s_mean: mean });
const col = (mean: number) => ({ system: 'colyseus', clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', host_cpu_pct: 40, bytes_per_client_s: 300, snapshots_per_client_s_mean: mean });

describe('load ratios', () => {
  it('load ratios: each side\'s receive rate stands next to the CPU ratio, and same work is yes only when both got >= 97 %', () => {
    const [both] = ratios([lan(59.4), col(58.5)]);
    expect(both).toMatchObject({ cpu_ratio: 0.5, bytes_ratio: 0.333, lanparty_recv_pct: 99, colyseus_recv_pct: 97.5, same_work: 'yes' });
    const [starved] = ratios([lan(60), col(12)]);
    expect(starved).toMatchObject({ lanparty_recv_pct: 100, colyseus_recv_pct: 20, same_work: 'no' });
    const { snapshots_per_client_s_mean: _, ...unmeasured } = col(0);
    const [unknown] = ratios([lan(60), unmeasured]);
    expect(unknown!.same_work).toBe('?');
  });

  it('load ratios: the WebSocket row is set against the TCP row of its load (not against Colyseus), bytes also per snapshot received', () => {
    const tcp = { ...lan(60), transport: 'tcp' };
    const ws = { ...lan(57), transport: 'ws', host_cpu_pct: 23, bytes_per_client_s: 95 };
    const rows = ratios([tcp, ws, col(60)]);
    expect(rows.filter((r) => r.system === 'lanparty/colyseus')).toHaveLength(1);
    expect(rows.find((r) => r.system === 'lanparty/colyseus')).toMatchObject({ cpu_ratio: 0.5, lanparty_recv_pct: 100 });
    const [wsRow, ...more] = rows.filter((r) => r.system === 'ws/tcp');
    expect(more).toHaveLength(0);
    // 95 B at 57 snapshots/s against 100 B at 60: 5 % fewer bytes per second, the same per snapshot
    expect(wsRow).toMatchObject({ cpu_ratio: 1.15, bytes_ratio: 0.95, snapshot_bytes_ratio: 1, tcp_recv_pct: 100, ws_recv_pct: 95, same_work: 'no' });
    // results from before the transport column are TCP rows
    const { transport: _, ...old } = tcp;
    expect(ratios([old, ws]).find((r) => r.system === 'ws/tcp')).toMatchObject({ cpu_ratio: 1.15 });
  });

  it('floor/colyseus: the I/O floor against Colyseus at the same point, and the unmet CPU ratio names it', () => {
    const floor = { system: 'floor', transport: 'tcp', clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', host_cpu_pct: 16 };
    const rows = [lan(60), col(60), floor, { ...floor, clients: 50 }];
    const fr = ratios(rows).filter((r) => r.system === 'floor/colyseus');
    // the 50-client floor has no Colyseus row to compare with
    expect(fr).toEqual([{ system: 'floor/colyseus', clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', cpu_ratio: 0.4 }]);
    // the lanparty/colyseus ratio is still lanparty's alone
    expect(ratios(rows).filter((r) => r.system === 'lanparty/colyseus')).toEqual([expect.objectContaining({ cpu_ratio: 0.5 })]);
    const target = info.targets.find((t) => t.metric === 'cpu_ratio' && 'match' in t.where && t.where.match.system === 'lanparty/colyseus' && t.where.match.clients === 200 && t.where.match.send_hz === 60)!;
    const all = [...rows, ...ratios(rows)];
    expect(explainLoad(all, target)).toContain('the reads and writes alone (floor, 16.0%) are 0.4 x Colyseus');
  });

  it('floor/colyseus: with lanparty\'s own sim and encode on top of the floor, the explanation says what is left of the target, or that none is', () => {
    const floor = { system: 'floor', transport: 'tcp', clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', host_cpu_pct: 16 };
    const withStages = { ...lan(60), breakdown: { sim: 10, read: 60, encode: 20, write: 80, gc: 5, other: 25 } };
    const target = info.targets.find((t) => t.metric === 'cpu_ratio' && 'match' in t.where && t.where.match.system === 'lanparty/colyseus' && t.where.match.clients === 200 && t.where.match.send_hz === 60)!;
    const explain = (rows: Array<Record<string, unknown>>) => explainLoad([...rows, ...ratios(rows as never)] as never, target);
    // (160 + 10 + 20) / 400 = 0.475: 0.025 x Colyseus's 400 ms/s is left under 0.5
    expect(explain([withStages, col(60), floor])).toContain("with lanparty's own sim and encode (30.0 ms/s), 0.475 x Colyseus: 0.025 x Colyseus (10.0 ms/s) left for everything else");
    // (200 + 30) / 400 = 0.575
    expect(explain([withStages, col(60), { ...floor, host_cpu_pct: 20 }])).toContain("with lanparty's own sim and encode (30.0 ms/s), 0.575 x Colyseus: above the target before anything else");
    // no stages measured (an old results file): nothing claimed
    expect(explain([lan(60), col(60), floor])).not.toContain('own sim and encode');
  });

  it('load targets: a TCP target matches the TCP row, also in results from before the transport column, and never the WebSocket row', () => {
    const label = 'same work 200 x 1,000 x 60 Hz: every lanparty client >= 97 % of the send rate';
    const status = (rows: Array<Record<string, number | string>>) => evaluateTargets(info, rows).find((t) => t.target.label === label)!;
    const tcp = { ...lan(60), rate_pct: 100 };
    const ws = { ...lan(60), transport: 'ws', rate_pct: 50 };
    expect(status([tcp]).value).toBe(100);
    expect(status([ws, { ...tcp, transport: 'tcp' }]).value).toBe(100);
    expect(status([ws]).value).toBeUndefined();
  });

  it('udp/tcp: the UDP row against the TCP row of the same point (never against Colyseus), its target explained by both hosts', () => {
    const tcp = { ...lan(60), transport: 'tcp', breakdown: { write: 60, other: 100 }, threads: { net: 150 } };
    const udp = { ...lan(58.5), transport: 'udp', host_cpu_pct: 38, bytes_per_client_s: 99, breakdown: { write: 200, other: 130 }, threads: { net: 330 }, swarm_elu_max: 0.95 };
    const rows = [tcp, udp, col(60)];
    // the Colyseus ratio is the TCP row's only
    const vsColyseus = ratios(rows).filter((x) => x.system === 'lanparty/colyseus');
    expect(vsColyseus).toHaveLength(1);
    expect(vsColyseus[0]).toMatchObject({ cpu_ratio: 0.5 });
    expect(ratios(rows).filter((x) => x.system === 'udp/tcp')).toHaveLength(1);
    const [r] = transportRatios(rows);
    expect(r).toMatchObject({ system: 'udp/tcp', cpu_ratio: 1.9, bytes_ratio: 0.99, tcp_recv_pct: 100, udp_recv_pct: 97.5, same_work: 'yes' });
    const target = info.targets.find((t) => t.metric === 'cpu_ratio' && 'match' in t.where && t.where.match.system === 'udp/tcp')!;
    expect(target.max).toBe(1);
    const why = explainLoad([...rows, r!], target)!;
    expect(why).toContain('UDP host 38.0% of a core, TCP host 20.0%');
    expect(why).toContain('UDP: host 38.0% of a core: write 200 ms/s');
    expect(why).toContain('TCP: host 20.0% of a core: other 100 ms/s');
    expect(why).toContain("UDP: the busiest client process's event loop was 95% busy");
    expect(transportRatios([udp, col(60)])).toEqual([]);
    expect(transportRatios([tcp, { ...udp, snapshots_per_client_s_mean: 30 }])[0]!.same_work).toBe('no');
  });
});
