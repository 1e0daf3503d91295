// The load bench's lanparty/colyseus rows: a CPU ratio is only a comparison of the same work
// when both sides' clients received the load's send rate; the row says whether they did.

import { describe, expect, it } from 'vitest';
import { explainLoad } from '../../bench/load/explain.js';
import { info, ratios, transportRatios } from '../../bench/net/load.bench.js';

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

  it('udp/tcp: the UDP row against the TCP row of the same point (never against Colyseus), its target explained by both hosts', () => {
    const tcp = { ...lan(60), transport: 'tcp', breakdown: { write: 60, other: 100 }, threads: { net: 150 } };
    const udp = { ...lan(58.5), transport: 'udp', host_cpu_pct: 38, bytes_per_client_s: 99, breakdown: { write: 200, other: 130 }, threads: { net: 330 }, swarm_elu_max: 0.95 };
    const rows = [tcp, udp, col(60)];
    // the Colyseus ratio is the TCP row's only
    expect(ratios(rows)).toHaveLength(1);
    expect(ratios(rows)[0]).toMatchObject({ cpu_ratio: 0.5 });
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
