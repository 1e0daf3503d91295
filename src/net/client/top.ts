// `lanparty top`: a monitoring connection (no player) that prints the host's stats every
// second: tick time p50/p99, skipped ticks, clients by mode, bytes/s in and out, drops by reason.

import { connect } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import { ClientMsg, HostMsg, type ErrorMsg, type StatsMsg } from '../protocol/messages.js';
import { encodeMsgpackFrame, msgpackFrameDecoder, preamble, PREAMBLE_BYTES } from '../protocol/msgpack-frame.js';

export interface TopOptions {
  host: string;
  port: number;
  /** Stop after this many reports (default: until interrupted). */
  count?: number;
  out?: NodeJS.WritableStream;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export function formatTop(s: StatsMsg, prev: StatsMsg | null, dtS: number): string {
  // the first report has nothing to take a rate against: '-' rather than 0.0
  const rate = (now: number, before: number | undefined) => (before === undefined ? '-' : ((now - before) / dtS / 1024).toFixed(1));
  const drops = { ...(s.sim?.drops ?? {}), ...s.net.drops };
  const dropText = Object.entries(drops)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `tick ${s.tick} (epoch ${s.epoch}, ${s.game}) | tick p50 ${s.sim?.tickP50Ms.toFixed(2) ?? '-'} ms p99 ${s.sim?.tickP99Ms.toFixed(2) ?? '-'} ms` +
    ` | skipped ${s.sim?.skippedTicks ?? 0} | restarts ${s.restarts} | entities ${s.sim?.entities ?? 0}` +
    ` | clients msgpack ${s.net.msgpack} json ${s.net.json} seed003 ${s.net.legacy}` +
    ` | in ${rate(s.bytesIn, prev?.bytesIn)} KB/s out ${rate(s.bytesOut, prev?.bytesOut)} KB/s` +
    ` | drops ${dropText || 'none'}`
  );
}

export function runTop(o: TopOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  return new Promise((resolve, reject) => {
    const s = connect({ host: o.host, port: o.port });
    let left = PREAMBLE_BYTES;
    const frames = msgpackFrameDecoder(1 << 20);
    let prev: StatsMsg | null = null;
    let prevAt = 0;
    let seen = 0;
    s.once('connect', () => {
      s.write(preamble());
      s.write(encodeMsgpackFrame(packr.pack({ type: ClientMsg.STATS })));
    });
    s.on('data', (chunk: Buffer) => {
      if (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        chunk = chunk.subarray(n);
      }
      for (const f of frames.push(chunk)) {
        const m = unpackr.unpack(f) as StatsMsg | ErrorMsg;
        if (m.type === HostMsg.ERROR) return reject(new Error(`${m.code}: ${m.message}`));
        if (m.type !== HostMsg.STATS) continue;
        const now = performance.now();
        out.write(formatTop(m, prev, prev ? (now - prevAt) / 1000 : 1) + '\n');
        prev = m;
        prevAt = now;
        if (o.count && ++seen >= o.count) {
          s.destroy();
          return resolve();
        }
      }
    });
    s.once('error', (e) => reject(e));
    s.once('close', () => resolve());
  });
}
