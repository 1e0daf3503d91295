// Bots inside the host process: they join through the command queue and decide their input
// from the newest snapshot, like any client but without a socket. `npm start` fills its
// match with these; network bots (`lanparty bots`) come with the connection layer.

import { Cmd } from '../engine/input-queue.js';
import { viewOf } from '../engine/snapshot-view.js';
import type { SimHost } from './sim-host.js';

/** Client ids of local bots start here, far from network clients' ids. */
export const LOCAL_BOT_CLIENT_BASE = 0x7000_0000;

export class LocalBots {
  private readonly clients: number[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: SimHost,
    count: number,
    existing: readonly number[] = [],
    /** Stay idle (no input, so no readying up) until some other player is in the world. */
    private readonly waitForPlayers = false,
  ) {
    this.clients.push(...existing);
    for (let i = 0; i < count; i++) {
      const client = LOCAL_BOT_CLIENT_BASE + i + 1;
      this.clients.push(client);
      host.queue.push(Cmd.JOIN, client, 0);
    }
    // an idle sim looks at its queues once a second: a join must not wait for that
    if (count > 0) host.wake();
  }

  /** Take over the bots already in a migrated world (their entities came with the state). */
  static adopt(host: SimHost, clients: readonly number[], waitForPlayers = false): LocalBots {
    return new LocalBots(host, 0, clients, waitForPlayers);
  }

  start(intervalMs = 1000 / 60): this {
    // no bots, no timer: a host without bots must not wake 60 times a second for nothing
    if (this.clients.length === 0) return this;
    this.timer = setInterval(() => this.act(), intervalMs);
    this.timer.unref();
    return this;
  }

  private act(): void {
    const ring = this.host.ring;
    const tick = ring.newestTick();
    const token = ring.beginRead(tick);
    if (token < 0) return;
    const info = ring.info(tick);
    const view = viewOf(ring.schema, ring.blockOf(tick), tick, info.maxEid);
    const owner = view.field('Entity.owner');
    const decisions: Array<[number, number]> = [];
    let others = false;
    for (let e = 1; e <= info.maxEid; e++) {
      const client = owner[e]!;
      if (client > LOCAL_BOT_CLIENT_BASE) decisions.push([client, this.host.game.bot(view, e)]);
      else if (client !== 0) others = true;
    }
    if (!ring.endRead(tick, token)) return; // overwritten while deciding: act next time
    if (this.waitForPlayers && !others) return;
    this.seq++;
    for (const [client, buttons] of decisions) this.host.queue.push(Cmd.INPUT, client, this.seq, buttons);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.clients) this.host.queue.push(Cmd.LEAVE, c, 0);
  }
}
