// `lanparty bots N` against a `lanparty host` with fewer places than N (real processes): the
// bots that fit join and play, the others are counted with the host's reason (SESSION_FULL,
// "16 of 16 players"), and the exit code is 0; when none can join it is 1, with the reason.
// Bots that stop leave: their places are free at once.
//
// Hermetic: 127.0.0.88, port 47840. Spawns `lanparty`: run under
// `flock /tmp/lanparty-test.lock`. Needs dist/ (`npm test` builds first).

import { afterEach, describe, expect, it } from 'vitest';
import { killAllCli, startCli } from '../e2e/procs.js';

const IP = '127.0.0.88';
const PORT = '47840';

afterEach(killAllCli);

describe('lanparty bots: more bots than players', () => {
  it('the 16 that fit play, 4 are refused with the reason, exit 0; then none fit: exit 1 with the reason', async () => {
    // the default --max-players (16)
    const host = startCli(['host', '--bind', IP, '--port', PORT, '--duration', '120'], IP);
    await host.lines(/host on 127\.0\.0\.88:47840/, 1, 30_000, 'the host listening');

    // long enough to still be playing when the late bots try (a loaded machine is slow to start)
    const bots = startCli(['bots', '20', `${IP}:${PORT}`, '--duration', '20'], IP);
    const [banner] = await bots.lines(/bot\(s\) playing on/, 1, 30_000, 'the bots banner');
    expect(banner!.input).toBe(
      `lanparty: 16 of 20 bot(s) playing on ${IP}:${PORT}; 4 could not join: SESSION_FULL: session full: 16 of 16 players (the host's --max-players)`,
    );
    // they play: a stats line with all 16 connected and snapshots flowing
    await bots.lines(/^bots 16\/16 \| snapshots\/s [1-9]\d*/, 1, 15_000, '16 bots receiving snapshots');

    // while they play, any more are all refused: exit 1, the reason on one line
    const more = startCli(['bots', '2', `${IP}:${PORT}`, '--duration', '5'], IP);
    const late = await more.exited;
    expect(late.code, more.output()).toBe(1);
    expect(more.stderr).toContain(
      `lanparty bots: none of 2 bot(s) could join ${IP}:${PORT}: SESSION_FULL: session full: 16 of 16 players (the host's --max-players)`,
    );

    const done = await bots.exited;
    expect(done.code, bots.output()).toBe(0);
    expect(bots.stdout.at(-1)).toBe('lanparty: bots stopped (duration reached)');

    // the stopped bots left (not just dropped their connections, which would hold their
    // places for the reconnect grace): 16 new ones fit at once
    const again = startCli(['bots', '16', `${IP}:${PORT}`, '--duration', '2'], IP);
    const [second] = await again.lines(/bot\(s\) playing on/, 1, 30_000, 'the second bots banner');
    expect(second!.input).toBe(`lanparty: 16 of 16 bot(s) playing on ${IP}:${PORT}`);
    expect((await again.exited).code, again.output()).toBe(0);
  });
});
