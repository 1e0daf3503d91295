// `lanparty up` in a real terminal (tmux, 100 x 34) on a fresh host: alone in its session,
// it hosts one with 3 bots and its own player plays in the terminal. The test reads the
// screen like a player: the HUD's tick advancing with 4 players, SPACE readies up and the
// match starts (if the lobby is still there: the bots ready up at once and mostly start
// match 1 before the terminal's player has joined, which then joins it running; join.test.ts
// covers the lobby deterministically), the arrow keys move the own ship (its pixels and the '^' under it), SPACE
// fires (own laser pixels above the ship), shooting scores (the own score in the bottom
// bar), and q quits with the terminal restored. stderr stays on the terminal, and no log line
// may draw over the game.
//
// Hermetic: the node binds to 127.0.0.61 (--bind and GAME_IP), LANPARTY_TEST=1, its own
// session name and discovery port. Needs tmux and dist/ (`npm test` builds first).

import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, killAllTmux, repoRoot, sleep, startTmux, type ScreenShot, type TmuxSession } from '../helpers/tmux.js';
import { exitState, ownBar, ownMarker, ownShip, PALETTE, panel, pixels, statusBar } from './game-screen.js';

const IP = '127.0.0.61';
const PORT = 47461;
const PEER_PORT = 47462;
const DISCOVERY_PORT = 47460;

afterEach(killAllTmux);

// E2E_VERBOSE=1: print what the test saw at each step
const t0 = performance.now();
const say = (...a: unknown[]) => {
  if (process.env.E2E_VERBOSE) console.log(`[up +${((performance.now() - t0) / 1000).toFixed(1)} s]`, ...a);
};

/** Until the panel says `phase` (SPACE every second meanwhile when `press`). */
async function untilPhase(t: TmuxSession, phase: string, timeoutMs: number, press: boolean): Promise<ScreenShot> {
  let lastPress = 0;
  return t.waitFor(
    (s) => {
      if (panel(s)?.phase === phase) return s;
      if (press && performance.now() - lastPress > 1000) {
        lastPress = performance.now();
        void t.sendKeys('Space').catch(() => {});
      }
      return null;
    },
    timeoutMs,
    `match phase "${phase}"`,
  );
}

/** Hold `key` for `ms`, then wait for the ship to settle; returns the own ship's bounds after. */
async function move(t: TmuxSession, key: string, ms: number) {
  await t.hold([key], ms);
  await sleep(600); // released: prediction settles on the host's position
  return t.waitFor((s) => ownShip(s), 10_000, 'the own ship');
}

describe('lanparty up in a terminal', () => {
  it('hosts alone with 3 bots; ready, move, fire, score, quit', async () => {
    const t = await startTmux({
      name: 'up',
      cols: 100,
      rows: 34,
      cwd: repoRoot(),
      command: [
        process.execPath,
        cliPath(),
        'up',
        '--bind', IP,
        '--port', String(PORT),
        '--peer-port', String(PEER_PORT),
        '--discovery-port', String(DISCOVERY_PORT),
        '--session', `e2e-up-${process.pid}`,
        '--bots', '3',
        '--duration', '900', // a safety net
      ],
      // 256 colours (no COLORTERM); stderr on the terminal, as a user runs it: the node logs
      // at warn level ("hosting a new session"), which must not land on the game's screen
      env: { GAME_IP: IP, LANPARTY_TEST: '1', LANPARTY_LOG: 'warn', COLORTERM: '' },
      stderr: 'pane',
    });

    // the live game: HUD with 4 players (own + 3 bots), the tick advancing
    const first = await t.waitFor((s) => {
      const b = statusBar(s);
      return b && b.players === 4 && b.tick > 0 ? b : null;
    }, 90_000, 'the HUD with 4 players');
    const later = await t.waitFor((s) => {
      const b = statusBar(s);
      return b && b.tick >= first.tick + 60 ? { bar: b, s } : null;
    }, 30_000, 'the tick advancing');
    say('HUD', later.bar, '\n' + later.s.text);
    expect(later.bar.mode).toBe('msgpack');
    expect(later.s.lines[0]).toMatch(/^ tick \d+/);
    expect(later.s.text).not.toContain('"level"');
    const p0 = panel(later.s)!;
    expect(p0.players).toBe(4);
    expect(p0.rows.filter((r) => r.own)).toHaveLength(1);

    // ready up: SPACE in the lobby (the bots ready at once). If the bots started a match
    // before our player joined, it is already playing.
    say('phase at first look:', p0.phase);
    if (p0.phase !== 'playing') {
      await t.waitFor((s) => s.includes('press SPACE') || panel(s)?.phase === 'playing', 30_000, 'the lobby (press SPACE)');
      await untilPhase(t, 'playing', 30_000, true);
    }

    say('playing');

    // move: the own ship's pixels and its '^' marker follow the arrow keys
    const start = await t.waitFor((s) => {
      const ship = ownShip(s);
      const m = ownMarker(s);
      return ship && m !== null ? { ship, m, w: pixels(s)!.w } : null;
    }, 15_000, 'the own ship and its marker');
    const [away, back] = start.ship.cx < start.w / 2 ? ['Right', 'Left'] : ['Left', 'Right'];
    const sign = away === 'Right' ? 1 : -1;
    const moved = await move(t, away, 1500);
    expect(sign * (moved.cx - start.ship.cx)).toBeGreaterThanOrEqual(3);
    const m1 = ownMarker(await t.shot())!;
    expect(sign * (m1 - start.m)).toBeGreaterThanOrEqual(3);
    const returned = await move(t, back, 800);
    expect(sign * (moved.cx - returned.cx)).toBeGreaterThanOrEqual(2);
    const up = await move(t, 'Up', 1000);
    expect(returned.minY - up.minY).toBeGreaterThanOrEqual(3);
    await move(t, 'Down', 600);
    say('moved', { start: start.ship, marker: start.m, moved, marker1: m1, returned, up });

    // fire: own laser pixels (PALETTE.ownLaser) above the ship, in its column
    const laser = await t.waitFor((s) => {
      void t.sendKeys('Space').catch(() => {});
      const px = pixels(s);
      const ship = ownShip(s);
      if (!px || !ship) return null;
      return px.find([PALETTE.ownLaser]).find((p) => p.y < ship.minY && p.x >= ship.minX - 1 && p.x <= ship.maxX + 1) ?? null;
    }, 15_000, 'an own laser above the ship', 150);
    expect(laser.y).toBeGreaterThanOrEqual(0);
    say('own laser at', laser);

    // score: aim under the nearest enemy above and keep firing until the own score goes up
    const score0 = ownBar(await t.shot())?.score ?? 0;
    const scored = await t.waitFor(
      (s) => {
        const bar = ownBar(s);
        if (bar && bar.score > score0) return bar;
        const px = pixels(s);
        const ship = ownShip(s);
        if (!px || !ship) return null;
        const above = px.find(PALETTE.enemies).filter((p) => p.y < ship.minY);
        let key: string | null = null;
        if (above.length) {
          const low = Math.max(...above.map((p) => p.y));
          const near = above.filter((p) => p.y >= low - 2);
          const tx = near.reduce((a, p) => a + p.x, 0) / near.length;
          if (tx < ship.cx - 1.5) key = 'Left';
          else if (tx > ship.cx + 1.5) key = 'Right';
        }
        void t.sendKeys(...(key ? [key, 'Space'] : ['Space'])).catch(() => {});
        return null;
      },
      60_000,
      'the own score to go up',
      80,
    );
    expect(scored.score).toBeGreaterThan(score0);
    say('own score', score0, '->', scored.score, '\n' + (await t.capture()));

    // quit: the process ends and the terminal is back to normal
    await t.sendKeys('q');
    const end = await exitState(t);
    say('after quit:\n' + end.text);
    expect(end.code).toBe(0);
    expect(end.text).not.toContain('PLAYERS');
    expect(end.modes).toEqual(expect.arrayContaining(['icanon', 'echo']));
    expect(end.info).toMatchObject({ alternate: false, cursor: true, wrap: true });
    // stderr is this terminal: no log line was written over the game, nor after it
    expect(end.text).not.toContain('"level"');
  }, 300_000);
});
