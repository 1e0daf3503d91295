// The web page follows its LAN session across host migrations, in a real browser (Debian's
// chromium through playwright-core) against a 3-node `lanparty up` LAN on loopback (real
// processes, 127.0.0.110-112, each with its own bot player):
//
//   chromium opens the host's page         joins over WebSocket, gets the peer list (2 peers),
//                                          readies and fires until it scores
//   kill -9 of the host                    the page shows "host left — reconnecting…", tries
//                                          the peers' game ports with its token, and within
//                                          2 s plays on the new host, same player, score kept
//   a node restarts on the dead address    the new host's list to the page grows back to 2
//   ... 3 migrations in all                the page's own resume times are printed
//
// Fixed addresses: run under `flock /tmp/lanparty-test.lock` (HELPERS.md). Needs chromium
// and dist/ (`npm test` builds first). The one timed assertion is the acceptance
// check (every kill: within 2 s); the figures are printed, not asserted.

import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Cluster, killAllNodes, sleep, waitFor, type ClusterSpec, type NodeProcess } from '../helpers/cluster.js';
import { closeBrowsers, openBrowser } from '../helpers/browser.js';
import { fireUntilScore, pageUntil, stateOf, type PageState } from '../helpers/web-page.js';

const NODE_IPS = [110, 111, 112].map((i) => `127.0.0.${i}`);
const TAG = randomBytes(3).toString('hex');
const MIGRATIONS = 3;

afterEach(async () => {
  await closeBrowsers();
  await killAllNodes();
});
afterAll(killAllNodes);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('web page host migration', () => {
  it('kill -9 of the host of a 3-node LAN: within 2 s the page plays on the new host, its score kept', async () => {
    const spec: ClusterSpec = { session: `webmig-${TAG}`, discoveryPort: 47610, port: 47620, peerPort: 47621, duration: 300, logLevel: 'info' };
    const c = new Cluster(spec);
    await c.startTogether(NODE_IPS);
    let cons = await c.waitConsensus(40_000, { clients: true });
    // a small window: chromium draws in software here, and the nodes need the CPU more
    const { page, errors } = await openBrowser({ viewport: { width: 480, height: 360 } });
    await page.goto(`http://${cons.host.ip}:${spec.port}/?name=follower`);
    const others = (host: NodeProcess) => c.alive().filter((n) => n !== host).map((n) => `${n.ip}:${spec.port}`).sort();
    // the host tells the page where the two other nodes' game ports are
    const joined = await pageUntil(page, (s) => s.link === 'playing' && s.own !== null && s.peers.length === 2, 15_000, 'the page to join and get the peer list');
    expect([...joined.peers].sort()).toEqual(others(cons.host));
    expect(joined.epoch).toBe(cons.epoch);

    const scored = await fireUntilScore(page, 60_000);
    expect(scored.own?.score ?? 0).toBeGreaterThan(0);

    const resumeMs: number[] = [];
    const observedMs: number[] = [];
    const electMs: number[] = [];
    const listenMs: number[] = [];
    const trails: string[] = [];
    for (let run = 0; run < MIGRATIONS; run++) {
      await sleep(500); // the host replicates every 100 ms: the score is in its backups' replica
      const before = await stateOf(page);
      expect(before.link).toBe('playing');
      await recordBanners(page);
      const survivors = c.alive().filter((n) => n !== cons.host);
      const dead = cons.host;
      const tKill = performance.now();
      const wallKill = Date.now();
      dead.kill();
      let trail: string[] = [];
      const after = await waitFor(
        async () => {
          const s = await stateOf(page);
          trail = s.trail;
          return s.link === 'playing' && s.epoch > before.epoch && s.snapshots > 0 && s.own !== null ? s : null;
        },
        20_000,
        `the page to play on a new host (run ${run + 1})`,
        () => c.describe() + '\n  page: ' + trail.join(' | '),
        10,
      );
      const tBack = performance.now() - tKill;
      observedMs.push(tBack);
      // where the time went: the new host's own logs (its wall clock is this machine's)
      const took = (msg: string) => Math.min(...survivors.flatMap((n) => n.logs.filter((l) => l.msg === msg && l.time >= wallKill).map((l) => l.time - wallKill)));
      electMs.push(took('taking over as host'));
      listenMs.push(took('listening'));
      resumeMs.push(await page.evaluate(() => (globalThis as any).lanparty.client.follow.resumeMs.at(-1) as number));
      // while the page looked for the new host it said so (however short the while)
      expect(await bannersShown(page)).toContain('host left — reconnecting…');
      expectSamePlayer(before, after);
      trails.push(`run ${run + 1}: new host elected ${electMs.at(-1)} ms, listening ${listenMs.at(-1)} ms, page playing ${tBack.toFixed(0)} ms after the kill; the page's attempts: ${after.trail.join(' | ')}`);

      await dead.exitPromise;
      cons = await c.waitConsensus(30_000, { among: () => survivors, minEpoch: before.epoch + 1 });
      expect(after.host).toBe(`${cons.host.ip}:${spec.port}`);
      if (run === MIGRATIONS - 1) break;
      // a node comes back on the dead one's address: the new host's list to the page grows again
      c.start(dead.ip);
      await pageUntil(page, (s) => s.peers.length === 2, 20_000, 'the peer list to take in the restarted node');
      expect((await stateOf(page)).peers.sort()).toEqual(others(cons.host));
      await c.waitConsensus(30_000, { clients: true });
    }
    expect(errors).toEqual([]);
    console.log(
      `[measured] web page host migration, ${MIGRATIONS} kill -9 runs (3-node loopback LAN, headless chromium, 2 shared cores): ` +
        `page link lost -> first snapshot of the new host median ${median(resumeMs).toFixed(0)} ms (runs ${resumeMs.map((v) => v.toFixed(0)).join(', ')}); ` +
        `kill -> seen playing by the test median ${median(observedMs).toFixed(0)} ms (runs ${observedMs.map((v) => v.toFixed(0)).join(', ')}); ` +
        `of which the nodes: new host elected ${median(electMs)} ms (runs ${electMs.join(', ')}), listening ${median(listenMs)} ms (runs ${listenMs.join(', ')}) after the kill; ` +
        `the page, from the new host listening to playing on it: median ${median(observedMs.map((t, i) => t - listenMs[i]!)).toFixed(0)} ms`,
    );
    // The acceptance check, for every kill: playing on the new host within 2 s of it.
    for (const [i, t] of observedMs.entries()) expect(t, `run ${i + 1}\n${trails.join('\n')}`).toBeLessThanOrEqual(2000);
  }, 300_000);
});

/** From now on, note every text the page's banner takes (bannersShown), however briefly it stays. */
function recordBanners(page: Page): Promise<void> {
  return page.evaluate(() => {
    const g = globalThis as any;
    const el = g.document.getElementById('banner');
    g.__banners = [];
    g.__bannerWatch?.disconnect();
    g.__bannerWatch = new g.MutationObserver(() => g.__banners.push(el.textContent));
    g.__bannerWatch.observe(el, { childList: true, characterData: true, subtree: true });
  });
}

const bannersShown = (page: Page): Promise<string[]> => page.evaluate(() => [...(globalThis as any).__banners]);

/** The page is the same player on the new host: its id, its ship, its score. */
function expectSamePlayer(before: PageState, after: PageState): void {
  expect(after.reconnected).toBe(true);
  expect(after.me).toBe(before.me);
  expect(after.own!.score).toBeGreaterThanOrEqual(before.own?.score ?? 0);
  expect(after.own!.score).toBeGreaterThan(0);
}
