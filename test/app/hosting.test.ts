import { createServer, type Server } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostingStandby, startHosting, type Hosting } from '../../src/app/hosting.js';
import type { Checkpoint } from '../../src/engine/checkpoint.js';
import { LanpartyClient } from '../../src/net/client/client.js';
import { LOCAL_BOT_CLIENT_BASE } from '../../src/workers/local-bots.js';
import { SimHost, SimStandby } from '../../src/workers/sim-host.js';
import { LOOPBACK, waitUntil } from '../helpers/net.js';

const started: Hosting[] = [];
const clients: LanpartyClient[] = [];
let blocker: Server | undefined;
const standbys: HostingStandby[] = [];
afterEach(async () => {
  for (const s of standbys.splice(0)) await s.stop();
  for (const c of clients.splice(0)) c.close();
  for (const h of started.splice(0)) await h.stop();
  await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
  blocker = undefined;
  vi.restoreAllMocks();
});

async function host(o: Partial<Parameters<typeof startHosting>[0]> = {}): Promise<Hosting> {
  const h = await startHosting({ game: 'shooter', capacity: 2000, bind: LOOPBACK, port: 0, ...o });
  started.push(h);
  return h;
}

/** Owners (client ids) of the entities in a checkpoint; Entity.owner is engine field 2. */
function owners(cp: Checkpoint): number[] {
  const owner = new Uint32Array(new Uint8Array(cp.fields[2]!).buffer);
  const out: number[] = [];
  for (let e = 1; e <= cp.maxEid; e++) if (owner[e]) out.push(owner[e]!);
  return out.sort((a, b) => a - b);
}

describe('hosting', () => {
  it('hosting: a client joins a started host, is counted in its stats, and its session is exported for backups', async () => {
    const h = await host({ bots: 2 });
    const c = await LanpartyClient.connect({ host: LOOPBACK, port: h.port, mode: 'msgpack', timeoutMs: 3000 });
    clients.push(c);
    // the counters and the session copy come from the network thread: soon, not at once
    await waitUntil(() => h.stats().net.msgpack === 1, 3000, 'the client counted');
    expect(h.stats().net.connections).toBe(1);
    await waitUntil(() => h.exportSessions().records.length === 1, 3000, 'the session exported');
    expect(h.exportSessions().records.map((r) => r.client)).toEqual([c.welcome.client]);
    const cp = await waitUntil(() => {
      const cp = h.checkpoint();
      return cp && owners(cp).length === 3 ? cp : null;
    }, 5000, 'the player and two bots in the world');
    expect(owners(cp)).toEqual([c.welcome.client, LOCAL_BOT_CLIENT_BASE + 1, LOCAL_BOT_CLIENT_BASE + 2]);
  });

  it('hosting: a busy client port fails the start and stops the sim worker it had started', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, LOOPBACK, () => r()));
    const port = (blocker.address() as { port: number }).port;
    const stop = vi.spyOn(SimHost.prototype, 'stop');
    await expect(startHosting({ game: 'shooter', capacity: 2000, bind: LOOPBACK, port })).rejects.toThrow(/EADDRINUSE/);
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('hosting: resuming keeps the bots and the players with a session, and removes a player the sessions do not know', async () => {
    const a = await host({ bots: 1 });
    const keep = await LanpartyClient.connect({ host: LOOPBACK, port: a.port, mode: 'msgpack', timeoutMs: 3000 });
    const lose = await LanpartyClient.connect({ host: LOOPBACK, port: a.port, mode: 'msgpack', timeoutMs: 3000 });
    clients.push(keep, lose);
    const cp = await waitUntil(() => {
      const cp = a.checkpoint();
      return cp && owners(cp).length === 3 ? cp : null;
    }, 5000, 'two players and a bot in the world');
    await waitUntil(() => a.exportSessions().records.length === 2, 3000, 'both sessions exported');
    const sessions = a.exportSessions();
    sessions.records = sessions.records.filter((r) => r.client === keep.welcome.client);
    await a.stop();

    const b = await host({ bots: 5, resume: { checkpoint: cp, sessions } });
    // the bot was adopted (not five new ones), the unknown player left
    const want = [keep.welcome.client, LOCAL_BOT_CLIENT_BASE + 1];
    let seen: number[] = [];
    await waitUntil(
      () => {
        const now = b.checkpoint();
        seen = now ? owners(now) : [];
        return now && now.tick > cp.tick + 5 && seen.join() === want.join();
      },
      5000,
      'the resumed world with the kept player and the adopted bot only',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: owners ${seen.join(', ')}`);
    });
    // and it stays so (no bot joins late)
    const later = await waitUntil(() => {
      const now = b.checkpoint();
      return now && now.tick > cp.tick + 30 ? now : null;
    }, 5000, 'the resumed host ticking on');
    expect(owners(later)).toEqual(want);
  });

  it('hosting: a start given a warm standby resumes on its threads, and uses it up; a standby whose worker died is replaced', async () => {
    const a = await host({ bots: 1 });
    const player = await LanpartyClient.connect({ host: LOOPBACK, port: a.port, mode: 'msgpack', timeoutMs: 3000 });
    clients.push(player);
    const cp = await waitUntil(() => {
      const cp = a.checkpoint();
      return cp && owners(cp).length === 2 ? cp : null;
    }, 5000, 'the player and a bot in the world');
    await waitUntil(() => a.exportSessions().records.length === 1, 3000, 'the session exported');
    const sessions = a.exportSessions();
    await a.stop();

    const standby = new HostingStandby();
    standbys.push(standby);
    standby.warm();
    const take = vi.spyOn(SimStandby.prototype, 'take');
    const b = await host({ resume: { checkpoint: cp, sessions }, standby });
    // the sim worker was the standby's (a thread waiting, handed over), and nothing is left in it
    expect(take).toHaveBeenCalledTimes(1);
    expect(take.mock.results[0]!.value).not.toBeNull();
    expect(standby.take()).toEqual({ sim: null, net: null });
    // the resumed host takes the player back with its token
    const back = await LanpartyClient.connect({ host: LOOPBACK, port: b.port, mode: 'msgpack', token: player.welcome.token, timeoutMs: 3000 });
    clients.push(back);
    expect(back.welcome.reconnected).toBe(true);
    expect(back.welcome.client).toBe(player.welcome.client);
    await b.stop();

    // warm again, and its sim worker dies while it waits: the next start spawns one of its own
    standby.warm();
    const waiting = (standby as unknown as { sim: SimStandby }).sim;
    await (waiting as unknown as { worker: Worker }).worker.terminate();
    await waitUntil(() => !waiting.ready, 3000, 'the standby to see its worker gone');
    const c = await host({ resume: { checkpoint: cp, sessions }, standby });
    const again = await LanpartyClient.connect({ host: LOOPBACK, port: c.port, mode: 'msgpack', token: player.welcome.token, timeoutMs: 3000 });
    clients.push(again);
    expect(again.welcome.client).toBe(player.welcome.client);
    await waitUntil(() => (c.checkpoint()?.tick ?? 0) > cp.tick + 5, 5000, 'the host started without its standby worker ticking on');
  });
});
