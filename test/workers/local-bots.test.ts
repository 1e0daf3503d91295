import { afterEach, describe, expect, it } from 'vitest';
import { Button, Phase } from '../../src/engine/games/shooter/index.js';
import { Cmd } from '../../src/engine/input-queue.js';
import { viewOf } from '../../src/engine/snapshot-view.js';
import { LocalBots } from '../../src/workers/local-bots.js';
import { SimHost } from '../../src/workers/sim-host.js';

let host: SimHost | undefined;
let bots: LocalBots | undefined;
afterEach(async () => {
  bots?.stop();
  await host?.stop();
  host = bots = undefined;
});

function phase(h: SimHost): number {
  const t = h.ring.newestTick();
  return viewOf(h.ring.schema, h.ring.blockOf(t), t, h.ring.info(t).maxEid).global('phase');
}

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!what()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('local bots', () => {
  it('bots: bots that wait for players keep the lobby open until a player joins and readies', async () => {
    host = await SimHost.start({ capacity: 2000 });
    bots = new LocalBots(host, 3, [], true).start();
    await host.waitForTick(120); // two seconds of bots alone
    expect(phase(host)).toBe(Phase.LOBBY);
    host.queue.push(Cmd.JOIN, 1, 0);
    await host.waitForTick(host.tick + 30);
    expect(phase(host)).toBe(Phase.LOBBY); // the bots are ready, the player is not
    host.queue.push(Cmd.INPUT, 1, 1, Button.FIRE);
    await until(() => phase(host!) === Phase.PLAYING);
  });

  it('bots: bots that do not wait start a match by themselves', async () => {
    host = await SimHost.start({ capacity: 2000 });
    bots = new LocalBots(host, 3).start();
    await until(() => phase(host!) === Phase.PLAYING);
  });
});
