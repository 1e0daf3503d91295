// Every drop is counted by reason and logged with that reason, at most once a second per
// reason: a flood of bad input cannot flood the log too.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DropCounter, DropReason } from '../../src/net/server/drops.js';

function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, sink), lines };
}

describe('drops', () => {
  it('a drop is counted and logged with its reason and the detail given', async () => {
    const { log, lines } = memoryLog();
    const d = new DropCounter(log);
    d.count(DropReason.HTTP_TIMEOUT, { remote: '127.0.0.1', ms: 1000 });
    await new Promise((r) => setImmediate(r));
    expect(d.counts[DropReason.HTTP_TIMEOUT]).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ msg: 'dropped', reason: 'http.timeout', total: 1, remote: '127.0.0.1', ms: 1000 })]);
  });

  it('a flood of one reason logs once a second per reason, and counts every drop', async () => {
    const { log, lines } = memoryLog();
    const d = new DropCounter(log);
    for (let i = 0; i < 1000; i++) d.count(DropReason.WS_UPGRADE_FLOOD);
    d.count(DropReason.HTTP_NOT_FOUND);
    await new Promise((r) => setImmediate(r));
    expect(d.counts[DropReason.WS_UPGRADE_FLOOD]).toBe(1000);
    expect(d.total()).toBe(1001);
    expect(lines.map((l) => l.reason)).toEqual(['ws.upgrade_flood', 'http.not_found']);
  });
});
