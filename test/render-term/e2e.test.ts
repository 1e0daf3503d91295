// The terminal client against a real host (sim worker + HostServer on loopback), in both
// wire modes: lobby, ready, own ship moving right, quit. Like the other socket tests, the
// sim worker runs from dist/ (`npm test` builds first).

import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Phase } from '../../src/engine/games/shooter/schema.js';
import { HostServer } from '../../src/net/server/host-server.js';
import { startTerminalClient } from '../../src/render-term/runner.js';
import { restoreSequence } from '../../src/render-term/terminal.js';
import { SimHost } from '../../src/workers/sim-host.js';
import { shown } from './vt.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => {});
});

describe('terminal client against a real host', () => {
  for (const mode of ['msgpack', 'json'] as const) {
    it(`${mode}: joins, readies up, moves the own ship, quits`, async () => {
      const sim = await SimHost.start({ capacity: 2000 });
      stops.push(() => sim.stop());
      const host = await HostServer.start({ sim, gameName: 'shooter', bind: '127.0.0.1', port: 0 });
      stops.push(() => host.stop());

      let written = '';
      const out = Object.assign(
        new Writable({
          write(chunk, _e, cb) {
            written += chunk.toString();
            cb();
          },
        }),
        { columns: 100, rows: 30 },
      );
      const input = new PassThrough();
      const tc = startTerminalClient({
        host: '127.0.0.1',
        port: host.port,
        mode,
        out: out as unknown as NodeJS.WriteStream,
        in: input as unknown as NodeJS.ReadStream,
        exitOnSignal: false,
        holdMs: 400,
      });
      stops.push(async () => {
        tc.quit();
        await tc.done.catch(() => {});
      });
      const own = () => tc.interpolator.latest?.entities.find((e) => e.kind === 'player' && e.owner === tc.me);
      await until(() => own() !== undefined, 'own ship in a snapshot');
      expect(tc.interpolator.latest!.phase).toBe(Phase.LOBBY);
      await until(() => shown(written, 100, 30).includes('press SPACE to ready'), 'lobby screen');
      input.write(' ');
      await until(() => tc.interpolator.latest?.phase === Phase.PLAYING, 'match start');
      const x0 = own()!.x;
      for (let i = 0; i < 5; i++) {
        input.write('d');
        await sleep(60);
      }
      await until(() => own()!.x > x0 + 20, 'ship moved right on the host');
      input.write('q');
      await tc.done;
      expect(written.endsWith(restoreSequence(true))).toBe(true);
      // the quit left the game: the host drops the ship
      await until(() => host.stats().connections === 0, 'connection closed');
    });
  }
});
