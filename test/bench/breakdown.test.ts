// The load bench's CPU breakdown (bench/load/breakdown.ts): stage and thread figures over a
// window from two cumulative per-thread reports.

import { describe, expect, it } from 'vitest';
import { cpuBreakdown, describeThreads } from '../../bench/load/breakdown.js';

const t = (name: string, cpuMs: number, stages: Record<string, number>) => ({ name, cpuMs, stages });

describe('load bench: cpuBreakdown', () => {
  it('breakdown: stages and threads are window differences per second; "other" is the host CPU no stage covers, "outside" the CPU no thread reported', () => {
    const a = [t('main', 1000, { read: 100, write: 200 }), t('sim', 500, { sim: 400 }), t('encode#7', 300, { encode: 250 })];
    const z = [t('main', 1400, { read: 180, write: 350, gc: 20 }), t('sim', 700, { sim: 560 }), t('encode#7', 500, { encode: 420 })];
    // 2 s window, host process 1,000 ms of CPU in it: threads 800, stages 80+150+20+160+170 = 580
    const b = cpuBreakdown(a, z, 1000, 2);
    expect(b.stages).toEqual({ sim: 80, read: 40, encode: 85, write: 75, gc: 10, other: 210 });
    expect(b.threads).toEqual({ main: 200, sim: 100, encode: 100, outside: 100 });
    expect(b.detail['main.unattributed']).toBe(75); // 400 - (80 + 150 + 20), per second
    expect(b.detail['encode.encode']).toBe(85);
    expect(b.otherPct).toBe(42);
    expect(describeThreads(b)).toContain('main 200 (read 40, write 75, gc 10, unattributed 75)');
  });

  it('breakdown: a thread that first reports inside the window counts from zero, and threads of one kind add up', () => {
    const a = [t('main', 100, { read: 10 })];
    const z = [t('main', 200, { read: 30 }), t('encode#3', 40, { encode: 30 }), t('encode#4', 60, { encode: 50 })];
    const b = cpuBreakdown(a, z, 250, 1);
    expect(b.threads).toEqual({ main: 100, encode: 100, outside: 50 });
    expect(b.stages.encode).toBe(80);
    expect(b.stages.other).toBe(250 - 20 - 80);
  });
});
