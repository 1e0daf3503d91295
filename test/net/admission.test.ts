// Joining a full session over real sockets: the host counts its players (entities with an
// owner in the newest snapshot, local bots included, plus joins on their way to the sim) and
// refuses a join that cannot fit at once with SESSION_FULL and the numbers; the joins that
// fit are welcomed, and a player who leaves frees a place.
//
// The join timeout is set far beyond the test's length: a refusal that came from the sim not
// creating an entity (the JOIN_REFUSED path) could not arrive in time, so every refusal seen
// here was decided up front.

import { afterEach, describe, expect, it } from 'vitest';
import { LanpartyClient } from '../../src/net/client/client.js';
import { ErrorCode } from '../../src/net/errors.js';
import { LocalBots, LOCAL_BOT_CLIENT_BASE } from '../../src/workers/local-bots.js';
import { LOOPBACK, cleanupNet, entityOf, onCleanup, startHost, waitUntil, type TestHost } from '../helpers/net.js';

afterEach(cleanupNet);

const NEVER = 1_000_000; // ticks: the sim-side join timeout never fires during a test

function fullHost(maxPlayers: number): Promise<TestHost> {
  return startHost({ joinTimeoutTicks: NEVER, gameOptions: { maxPlayers }, simOptions: { gameOptions: { maxPlayers } } });
}

type Outcome = { ok: true; client: LanpartyClient } | { ok: false; code: string | undefined; message: string };

/** `n` clients joining at once; each one welcomed, or refused with the host's error. */
async function joinAll(th: TestHost, n: number): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      LanpartyClient.connect({ host: LOOPBACK, port: th.port, timeoutMs: 5000 }).then(
        (client): Outcome => {
          onCleanup(() => client.close());
          return { ok: true, client };
        },
        (e: Error & { code?: string }): Outcome => ({ ok: false, code: e.code, message: e.message }),
      ),
    ),
  );
}

describe('admission: a full session', () => {
  it('admission: of 5 joining at once a 3-player session welcomes 3 and refuses 2 with SESSION_FULL "3 of 3"', async () => {
    const th = await fullHost(3);
    const out = await joinAll(th, 5);
    expect(out.filter((o) => o.ok)).toHaveLength(3);
    const refused = out.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.code).toBe(ErrorCode.SESSION_FULL);
      expect(r.message).toBe("SESSION_FULL: session full: 3 of 3 players (the host's --max-players)");
    }
    expect(th.host.drops.counts[ErrorCode.SESSION_FULL]).toBe(2);
  });

  it('admission: local bots are players: 2 bots in a 3-player session leave room for one client', async () => {
    const th = await fullHost(3);
    new LocalBots(th.sim, 2).start();
    await waitUntil(() => entityOf(th, LOCAL_BOT_CLIENT_BASE + 2), 5000, 'the bots in the world');
    const out = await joinAll(th, 2);
    expect(out.filter((o) => o.ok)).toHaveLength(1);
    expect(out.find((o) => !o.ok)).toMatchObject({ code: ErrorCode.SESSION_FULL, message: expect.stringContaining('3 of 3 players') });
  });

  it('admission: a player who leaves frees the place for the next join', async () => {
    const th = await fullHost(2);
    const [a, b] = await joinAll(th, 2);
    expect(a!.ok && b!.ok).toBe(true);
    const [late] = await joinAll(th, 1);
    expect(late).toMatchObject({ ok: false, code: ErrorCode.SESSION_FULL });

    const leaver = (a as Extract<Outcome, { ok: true }>).client;
    const id = leaver.welcome.client;
    leaver.leave();
    await waitUntil(() => entityOf(th, id) === null, 5000, 'the leaver gone from the world');
    const [next] = await joinAll(th, 1);
    expect(next!.ok).toBe(true);
  });
});
