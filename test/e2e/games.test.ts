// Every game under load, one after another: a dedicated host, 20 network bots for 30 s, then
// `lanparty join` in a real terminal (tmux 140 x 40, wide enough for the side panel):
//
//   lanparty host --game G --bind 127.0.0.7x --port P --max-players 32 --bots 0 --duration 60
//   lanparty bots 20 127.0.0.7x:P --duration 40
//     host stdout   "tick N | entities E | ... | clients 20 (...) | ..." once a second: the
//                   tick keeps advancing with 20 clients
//     host stderr   no error / fatal log line ("level":50 / 60), no stack trace
//     bots stdout   "bots 20/20 | snapshots/s 1200 (min per bot 60.0) | ...": all connected,
//                   and (at least) one second at ~60 snapshots/s per bot
//   lanparty join 127.0.0.7x:P
//     status bar    players 21, the tick advancing, "lanparty G"
//     the game's own marker (side panel / bottom bar, src/render-term/games.ts)
//
// Nothing times the machine: a slow second is waited through, not failed.
// Hermetic: each game has its own address 127.0.0.70..74 (the other e2e tests use .61 / .62);
// GAME_IP and LANPARTY_TEST=1 for every child. Needs tmux and dist/ (`npm test` builds first).

import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, killAllTmux, repoRoot, sleep, startTmux } from '../helpers/tmux.js';
import { statusBar } from './game-screen.js';
import { killAllCli, startCli, type CliProcess } from './procs.js';

const BOTS = 20;
const RUN_MS = 30_000;

afterEach(async () => {
  await killAllTmux();
  await killAllCli();
});

const say = (...a: unknown[]) => {
  if (process.env.E2E_VERBOSE) console.log('[games]', ...a);
};

// "tick 120 | entities 20 | tick p50 0.07 ms p99 2.05 ms | skipped 0 | restarts 0 | clients 20 (msgpack 20, ...) | ..."
const HOST_LINE = /^tick (\d+) \| entities (\d+) \|.*\| clients (\d+) \(/;
// "bots 20/20 | snapshots/s 1200 (min per bot 60.0) | 760.4 KB/s in | rtt p50 1.26 ms p99 1.67 ms"
const BOT_LINE = /^bots (\d+)\/(\d+) \| snapshots\/s (\d+) \(min per bot ([\d.]+)\) \| ([\d.]+) KB\/s in/;
const STACK = /^\s+at \S.*(:\d+:\d+\)?|<anonymous>\)?|native\)?)$/;

interface Game {
  name: string;
  ip: string;
  port: number;
  /** A line of the terminal client's screen only this game draws. */
  marker: RegExp;
}

const GAMES: Game[] = [
  { name: 'shooter', ip: '127.0.0.70', port: 47701, marker: /LEVEL \d+\s+MATCH \d+\s+(lobby|playing|over)/ },
  { name: 'gather', ip: '127.0.0.71', port: 47702, marker: /ROUND \d+\s+first to \d+/ },
  { name: 'squares', ip: '127.0.0.72', port: 47703, marker: /MAP \d+ x \d+/ },
  { name: 'race', ip: '127.0.0.73', port: 47704, marker: /RACE \d+\s+(racing|over)\s+to \d+/ },
  { name: 'haunted', ip: '127.0.0.74', port: 47705, marker: /LOBBY|COUNTDOWN \d+ s|ROUND \d+\s+\d+:\d\d left|(SEEKERS|HIDERS) WIN|ROUND OVER/ },
];

const hostTicks = (p: CliProcess) =>
  p.stdout.map((l) => HOST_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ tick: Number(m[1]), entities: Number(m[2]), clients: Number(m[3]) }));

const botStats = (p: CliProcess) =>
  p.stdout
    .map((l) => BOT_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ connected: Number(m[1]), bots: Number(m[2]), snapshotsPerSec: Number(m[3]), minPerBot: Number(m[4]), kbPerSec: Number(m[5]) }));

/** Error-level (50) or fatal (60) log lines and stack-trace lines. */
const errors = (lines: readonly string[]) => lines.filter((l) => /"level":\s*(50|60)\b/.test(l) || STACK.test(l) || /^\w*Error\b/.test(l));

describe('every game: host + 20 bots for 30 s, then lanparty join', () => {
  for (const game of GAMES) {
    it(`${game.name}: the tick advances with 20 clients, no errors, ~60 snapshots/s per bot; join shows 21 players and the game`, async () => {
      const { ip, port } = game;
      const host = startCli(
        ['host', '--game', game.name, '--bind', ip, '--port', String(port), '--max-players', '32', '--bots', '0', '--duration', '60'],
        ip,
      );
      await host.lines(new RegExp(` host on ${ip.replace(/\./g, '\\.')}:${port}`), 1, 30_000, 'the host to listen');
      const bots = startCli(['bots', String(BOTS), `${ip}:${port}`, '--duration', '40'], ip);
      await bots.lines(/bot\(s\) playing on/, 1, 30_000, 'the bots to join');
      const started = performance.now();

      // a good second: every bot connected and fed at ~60 snapshots/s (waited for, not timed)
      const good = await bots.until(
        () => botStats(bots).slice(1).find((s) => s.connected === BOTS && s.snapshotsPerSec / BOTS >= 55 && s.snapshotsPerSec / BOTS <= 66 && s.minPerBot >= 50),
        RUN_MS,
        'a bots stats line at ~60 snapshots/s per bot',
      );
      const rest = RUN_MS - (performance.now() - started);
      if (rest > 0) await sleep(rest);

      // the host: status lines with 20 clients, the tick strictly increasing while anyone is
      // in the world (an empty host sleeps: its tick stands still until the first join)
      const all = hostTicks(host);
      const ticks = all.slice(Math.max(0, all.findIndex((t) => t.clients > 0)));
      say(game.name, 'host', ticks.at(-1), 'bots', good);
      const with20 = ticks.filter((t) => t.clients === BOTS);
      expect(with20.length, host.output()).toBeGreaterThanOrEqual(5);
      expect(ticks.at(-1)!.clients, host.output()).toBe(BOTS);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.tick, host.output()).toBeGreaterThan(ticks[i - 1]!.tick);
      expect(ticks.at(-1)!.tick).toBeGreaterThan(with20[0]!.tick);
      expect(errors(host.stderr), host.output()).toEqual([]);
      expect(host.exit).toBeNull();

      // the bots: every stats line all 20 connected, bytes flowing
      const stats = botStats(bots);
      expect(stats.length, bots.output()).toBeGreaterThanOrEqual(5);
      expect(stats.every((s) => s.bots === BOTS && s.connected === BOTS), bots.output()).toBe(true);
      expect(stats.slice(1).every((s) => s.snapshotsPerSec > 0 && s.kbPerSec > 0), bots.output()).toBe(true);
      expect(errors(bots.stderr), bots.output()).toEqual([]);
      expect(bots.exit).toBeNull();

      // the terminal client: 21 players, the tick advancing, this game's HUD
      const t = await startTmux({
        name: `join-${game.name}`,
        cols: 140,
        rows: 40,
        cwd: repoRoot(),
        command: [process.execPath, cliPath(), 'join', `${ip}:${port}`],
        env: { GAME_IP: ip, LANPARTY_TEST: '1', LANPARTY_LOG: 'warn', COLORTERM: '' },
      });
      const first = await t.waitFor(
        (s) => {
          const b = statusBar(s);
          return b && b.players === BOTS + 1 && s.includes(`lanparty ${game.name}`) && game.marker.test(s.text) ? { b, s } : null;
        },
        8_000,
        `${BOTS + 1} players and the ${game.name} HUD`,
      );
      const later = await t.waitFor(
        (s) => {
          const b = statusBar(s);
          return b && b.tick >= first.b.tick + 30 ? { b, s } : null;
        },
        8_000,
        'the tick advancing',
      );
      say(`${game.name} screen\n${later.s.text}`);
      expect(later.b.players).toBe(BOTS + 1);
      expect(later.s.text).not.toContain('"level"');
      expect(later.s.text).not.toMatch(/terminal too small|connecting\.\.\./);
      expect(errors(host.stderr), host.output()).toEqual([]);
      console.log(
        `[games] ${game.name}: host tick ${ticks.at(-1)!.tick} (${with20.length} status lines with ${BOTS} clients); ` +
          `bots ${good.snapshotsPerSec} snapshots/s = ${(good.snapshotsPerSec / BOTS).toFixed(1)} per bot (min ${good.minPerBot}); ` +
          `join tick ${first.b.tick} -> ${later.b.tick}, players ${later.b.players}, ${later.b.snapshotsPerSec} snap/s`,
      );
    }, 60_000);
  }
});
