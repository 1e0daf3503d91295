// A dedicated host, `lanparty join` in a real terminal (tmux 100 x 34), 20 network bots:
//
//   lanparty host --bind 127.0.0.62 --port 47470 --bots 0 --max-players 32
//   lanparty join 127.0.0.62:47470        alone in the lobby: "press SPACE to ready"
//   lanparty bots 20 127.0.0.62:47470     stats lines: ~60 snapshots/s per bot, rtt p50/p99;
//                                         they ready up, the lobby shows 20/21 ready
//   SPACE in the terminal                 the match of 21 starts, the game runs
//   lanparty top 127.0.0.62:47470 --count 2   two lines, clients msgpack 20+
//
// The terminal client joins first so that the match deterministically waits for its SPACE
// (the bots ready up at once: had they been first, they would have started without it).
// (--max-players 32: the default match holds 16 players, and 21 are wanted here.)
// Hermetic: everything binds to or connects to 127.0.0.62, GAME_IP and LANPARTY_TEST=1 for
// every child. Needs tmux and dist/ (`npm test` builds first).

import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, killAllTmux, repoRoot, startTmux } from '../helpers/tmux.js';
import { exitState, panel, statusBar } from './game-screen.js';
import { killAllCli, startCli } from './procs.js';

const IP = '127.0.0.62';
const PORT = 47470;
const BOTS = 20;

afterEach(async () => {
  await killAllTmux();
  await killAllCli();
});

const say = (...a: unknown[]) => {
  if (process.env.E2E_VERBOSE) console.log('[join]', ...a);
};

// "bots 20/20 | snapshots/s 1200 (min per bot 60.0) | 760.4 KB/s in | rtt p50 1.26 ms p99 1.67 ms"
const BOT_LINE = /^bots (\d+)\/(\d+) \| snapshots\/s (\d+) \(min per bot ([\d.]+)\) \| ([\d.]+) KB\/s in \| rtt (?:p50 ([\d.]+) ms p99 ([\d.]+) ms|p50 - p99 -)/;

describe('lanparty host + join + bots + top', () => {
  it('join waits in the lobby; 20 bots join (~60 snapshots/s each) and ready; SPACE starts the match of 21; top counts them', async () => {
    const host = startCli(['host', '--bind', IP, '--port', String(PORT), '--bots', '0', '--max-players', '32', '--duration', '600'], IP);
    await host.lines(/ host on 127\.0\.0\.62:47470/, 1, 60_000, 'the host to listen');

    // the terminal client first: alone in the lobby, so the match waits for its SPACE
    const t = await startTmux({
      name: 'join',
      cols: 100,
      rows: 34,
      cwd: repoRoot(),
      command: [process.execPath, cliPath(), 'join', `${IP}:${PORT}`],
      env: { GAME_IP: IP, LANPARTY_TEST: '1', LANPARTY_LOG: 'warn', COLORTERM: '' },
      stderr: 'pane',
    });
    await t.waitFor((s) => statusBar(s)?.players === 1 && s.includes('LOBBY') && s.includes('0/1 ready') && s.includes('press SPACE to ready'), 60_000, 'the lobby, alone');

    const bots = startCli(['bots', String(BOTS), `${IP}:${PORT}`, '--duration', '600'], IP);
    await bots.lines(/bot\(s\) playing on/, 1, 60_000, 'the bots to join');
    // the bots ready up at once; the match waits for the last one: this terminal's player
    const lobby = await t.waitFor(
      (s) => (statusBar(s)?.players === BOTS + 1 && s.includes(`${BOTS}/${BOTS + 1} ready`) ? s : null),
      60_000,
      `${BOTS + 1} players in the lobby, ${BOTS} ready`,
    );
    say('lobby\n' + lobby.text);
    expect(panel(lobby)).toMatchObject({ players: BOTS + 1, phase: 'lobby', match: 0 });
    // the side panel lists as many players as fit beside the chat scrollback: every listed
    // bot is ready (the header above counts all of them: BOTS/BOTS+1 ready)
    const rows = panel(lobby)!.rows;
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.filter((r) => r.state === 'ready').length).toBeGreaterThanOrEqual(rows.length - 1);

    // the stats: every bot connected, bytes flowing, round trips measured, and ~60
    // snapshots/s per bot (the host's rate). A loaded machine has short seconds (a stalled
    // host or bots process), so wait for a second at ~60 with every bot fed rather than
    // asking it of every second.
    const parse = (m: RegExpExecArray) => ({
      connected: Number(m[1]),
      bots: Number(m[2]),
      snapshotsPerSec: Number(m[3]),
      minPerBot: Number(m[4]),
      kbPerSec: Number(m[5]),
      rttP50: m[6] === undefined ? null : Number(m[6]),
      rttP99: m[7] === undefined ? null : Number(m[7]),
    });
    const full = await bots.until(
      (out) => {
        const ss = out.map((l) => BOT_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null).map(parse);
        const at60 = ss.slice(1).find((s) => s.snapshotsPerSec / BOTS >= 55 && s.snapshotsPerSec / BOTS <= 66 && s.minPerBot >= 50);
        return ss.length >= 5 && at60 ? { ss, at60 } : null;
      },
      90_000,
      'a stats line at ~60 snapshots/s per bot',
    );
    say('bots\n' + bots.stdout.join('\n'));
    const stats = full.ss;
    expect(stats.every((s) => s.bots === BOTS && s.connected === BOTS)).toBe(true);
    expect(stats.slice(1).every((s) => s.kbPerSec > 0 && s.snapshotsPerSec > 0)).toBe(true);
    const rtts = stats.filter((s) => s.rttP50 !== null);
    expect(rtts.length).toBeGreaterThan(0);
    for (const s of rtts) {
      expect(s.rttP50!).toBeGreaterThan(0);
      expect(s.rttP99!).toBeGreaterThanOrEqual(s.rttP50!);
    }

    // SPACE: ready, and the match of 21 starts; the game runs
    await t.sendKeys('Space');
    const playing = await t.waitFor((s) => {
      const p = panel(s);
      const b = statusBar(s);
      return p?.phase === 'playing' && b ? { b, p } : null;
    }, 30_000, 'the match to start');
    expect(playing.p).toMatchObject({ players: BOTS + 1, match: 1 });
    expect(playing.p.rows.filter((r) => r.own)).toHaveLength(1);
    const later = await t.waitFor((s) => {
      const b = statusBar(s);
      return b && b.tick >= playing.b.tick + 60 ? { b, s } : null;
    }, 30_000, 'the tick advancing');
    say('join screen\n' + later.s.text);
    expect(later.b.players).toBe(BOTS + 1);
    expect(later.s.text).not.toContain('"level"');

    // top: two reports, every client a msgpack one (the bots and the terminal client)
    const top = startCli(['top', `${IP}:${PORT}`, '--count', '2'], IP);
    const exit = await top.exited;
    say('top\n' + top.stdout.join('\n'));
    expect(exit.code, top.output()).toBe(0);
    expect(top.stdout).toHaveLength(2);
    for (const line of top.stdout) {
      const m = /clients msgpack (\d+) json (\d+)/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(BOTS);
    }

    // quit the terminal client: exits 0, terminal restored
    await t.sendKeys('q');
    const end = await exitState(t);
    expect(end.code).toBe(0);
    expect(end.modes).toEqual(expect.arrayContaining(['icanon', 'echo']));
    expect(end.info).toMatchObject({ alternate: false, cursor: true, wrap: true });

    // the bots are still all there and still fed
    const n = bots.stdout.filter((l) => BOT_LINE.test(l)).length;
    const more = await bots.lines(BOT_LINE, n + 2, 30_000, 'more stats lines');
    expect(Number(more[more.length - 1]![1])).toBe(BOTS);
    say('bots during the match\n' + bots.stdout.slice(-6).join('\n'));
    expect(host.exit).toBeNull();
  }, 300_000);
});
