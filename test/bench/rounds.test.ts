// LOAD_ROUNDS: the same-work points of a configuration take turns round after round, the
// other points run once, and each reported figure is the median run's.

import { describe, expect, it } from 'vitest';
import { medianRows, schedule, summarize } from '../../bench/load/rounds.js';
import { pointId, ratios } from '../../bench/net/load.bench.js';
import type { Row } from '../../bench/types.js';

describe('load rounds', () => {
  it('load rounds: the same-work points of one configuration take turns, round after round; idle and interest points run once, in plan order', () => {
    const plan = [
      { point: 'idle', group: null },
      { point: 'tcp 50', group: '50' },
      { point: 'colyseus 50', group: '50' },
      { point: 'tcp 200', group: '200' },
      { point: 'udp 200', group: '200' },
      { point: 'colyseus 200', group: '200' },
      { point: 'interest 1000', group: null },
    ];
    const order = schedule(plan, 3).map((s) => `${s.point}#${s.round}`);
    expect(order).toEqual([
      'idle#1',
      'tcp 50#1', 'colyseus 50#1', 'tcp 50#2', 'colyseus 50#2', 'tcp 50#3', 'colyseus 50#3',
      'tcp 200#1', 'udp 200#1', 'colyseus 200#1', 'tcp 200#2', 'udp 200#2', 'colyseus 200#2', 'tcp 200#3', 'udp 200#3', 'colyseus 200#3',
      'interest 1000#1',
    ]);
    expect(schedule(plan, 1).map((s) => s.point)).toEqual(plan.map((p) => p.point));
  });

  it('load rounds: a point run several times is reported by its median run (all its figures), with every run listed; single runs stay as they were', () => {
    const rows: Row[] = [
      { system: 'a', host_cpu_pct: 9, delivery_p99_ms: 1, round: 1 },
      { system: 'b', host_cpu_pct: 20, round: 1 },
      { system: 'a', host_cpu_pct: 5, delivery_p99_ms: 2, round: 2 },
      { system: 'a', host_cpu_pct: 7, delivery_p99_ms: 3, round: 3 },
      { system: 'c', host_cpu_pct: 1 },
    ];
    const out = medianRows(rows, (r) => String(r.system), 'host_cpu_pct');
    expect(out).toEqual([
      { system: 'a', host_cpu_pct: 7, delivery_p99_ms: 3, round: 3, runs: 3, host_cpu_pct_runs: '9 / 5 / 7' },
      { system: 'b', host_cpu_pct: 20, round: 1 },
      { system: 'c', host_cpu_pct: 1 },
    ]);
    // an even count takes the lower middle run; a run without the figure is listed, not chosen
    const even = medianRows(
      [
        { system: 'a', cpu_ratio: 0.9 },
        { system: 'a', cpu_ratio: 0.5 },
        { system: 'a' },
      ],
      (r) => String(r.system),
      'cpu_ratio',
    );
    expect(even).toEqual([{ system: 'a', cpu_ratio: 0.5, runs: 3, cpu_ratio_runs: '0.9 / 0.5 / -' }]);
  });

  it('load rounds: the CPU ratio is the median of the ratios within each round, not the ratio of the medians', () => {
    const point = { clients: 200, entities: 1000, send_hz: 60, interest: 'off', pinned: 'x', bytes_per_client_s: 100, snapshots_per_client_s_mean: 60 };
    const run = (system: string, host_cpu_pct: number, round: number): Row => ({ ...point, system, ...(system === 'lanparty' ? { transport: 'tcp' } : { transport: 'ws' }), host_cpu_pct, round });
    // round 2 was a slow minute for both: its ratio is like the others'
    const rows = [run('lanparty', 10, 1), run('colyseus', 20, 1), run('lanparty', 30, 2), run('colyseus', 50, 2), run('lanparty', 12, 3), run('colyseus', 30, 3)];
    const out = summarize(rows, 3, ratios, pointId);
    const lan = out.find((r) => r.system === 'lanparty')!;
    const col = out.find((r) => r.system === 'colyseus')!;
    expect([lan.host_cpu_pct, lan.runs, lan.host_cpu_pct_runs]).toEqual([12, 3, '10 / 30 / 12']);
    expect([col.host_cpu_pct, col.host_cpu_pct_runs]).toEqual([30, '20 / 50 / 30']);
    const ratio = out.find((r) => r.cpu_ratio !== undefined)!;
    // per round 0.5, 0.6, 0.4: the median 0.5, where the medians' ratio would be 12 / 30 = 0.4
    expect(ratio.cpu_ratio_runs).toBe('0.5 / 0.6 / 0.4');
    expect(ratio.cpu_ratio).toBe(0.5);
    expect(ratio.runs).toBe(3);
    // one round: the rows and ratios as before
    const single = summarize([run('lanparty', 10, 1), run('colyseus', 20, 1)], 1, ratios, pointId);
    expect(single.find((r) => r.cpu_ratio !== undefined)).toMatchObject({ cpu_ratio: 0.5 });
    expect(single.find((r) => r.system === 'lanparty')!.runs).toBeUndefined();
  });
});
