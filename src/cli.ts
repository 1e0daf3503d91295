#!/usr/bin/env node
// The `lanparty` command. `npm start` runs `lanparty up`.

import { Command, InvalidArgumentError, Option } from 'commander';
import { gameNames } from './engine/games/index.js';
import { verifyRecordingFile } from './engine/recording.js';
import { DEFAULT_DISCOVERY_PORT } from './net/lan/discovery.js';
import { DEFAULT_PEER_PORT } from './net/lan/peer-mesh.js';
import { createInterface } from 'node:readline/promises';
import { lanAddress, webInvite } from './net/address.js';
import { explainListenError } from './net/listen.js';
import { BotSwarm, formatBotStats, formatRefusals } from './net/client/bots.js';
import { runTop } from './net/client/top.js';
import { listSessions } from './net/lan/list-sessions.js';
import { exitWithParent, quietLogsOnTerminal, runUp, startHosting, type HostingStats, type SnapshotOptions } from './app/index.js';
import { runTerminalClient } from './render-term/index.js';
import type { SimStats } from './workers/messages.js';
import { isSendHz, nameProblem, type SendHz } from './net/protocol/messages.js';
import { DEFAULT_PORT } from './net/server/host-server.js';

// started by a test or a bench (LANPARTY_PARENT_PID): never outlive it
exitWithParent();

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
  return n;
};

interface HostFlags {
  game: string;
  maxPlayers: number;
  capacity: number;
  seed: number;
  bots: number;
  record?: string;
  duration?: number;
  bind?: string;
  port: number;
  sendHz: SendHz;
  budget?: number;
  interest: boolean;
  drones?: number;
  world?: { width: number; height: number };
}

/** Game options from the host flags (shooter: drones and world size). */
function gameOptionsOf(flags: HostFlags): Record<string, unknown> {
  const o: Record<string, unknown> = { maxPlayers: flags.maxPlayers };
  if (flags.drones !== undefined || flags.world) {
    if (flags.game !== 'shooter') throw new InvalidArgumentError('--drones and --world are shooter options');
    if (flags.drones !== undefined) o.drones = flags.drones;
    if (flags.world) Object.assign(o, flags.world);
  }
  return o;
}

/** How snapshots are sent, from the host flags. */
function snapshotOptionsOf(flags: HostFlags): SnapshotOptions {
  return { sendHz: flags.sendHz, interest: flags.interest, ...(flags.budget ? { budgetBytesPerSec: flags.budget * 1024 } : {}) };
}

function statusLine({ sim: s, restarts, net: n, netDrops }: HostingStats & { sim: SimStats }): string {
  const drops = Object.values(s.drops).reduce((a, b) => a + b, 0);
  return (
    `tick ${s.tick} | entities ${s.entities} | tick p50 ${s.tickP50Ms.toFixed(2)} ms p99 ${s.tickP99Ms.toFixed(2)} ms` +
    ` | skipped ${s.skippedTicks} | restarts ${restarts} | clients ${n.connections}` +
    ` (msgpack ${n.msgpack}, json ${n.json}, seed003 ${n.legacy}) | dropped inputs ${drops}, net ${netDrops}` +
    ` | hash ${s.hash}`
  );
}

async function runHost(flags: HostFlags): Promise<void> {
  const host = await startHosting({
    game: flags.game,
    gameOptions: gameOptionsOf(flags),
    capacity: flags.capacity,
    seed: flags.seed,
    ...(flags.record !== undefined ? { record: flags.record } : {}),
    ...(flags.bind !== undefined ? { bind: flags.bind } : {}),
    port: flags.port,
    snapshots: snapshotOptionsOf(flags),
    bots: flags.bots,
  }).catch((err: unknown) => {
    // a taken port: one clear sentence (the caller exits 1), not a stack trace
    throw explainListenError(err, 'the port for game clients', '--port');
  });
  host.onStats((s) => process.stdout.write(statusLine(s) + '\n'));
  process.stdout.write(
    `lanparty: ${flags.game} host on ${host.bind}:${host.port}, ${flags.bots} bot(s), capacity ${flags.capacity} entities` +
      (flags.record ? `, recording to ${flags.record}` : '') +
      ' (Ctrl-C to stop)\n' +
      `lanparty: ${webInvite(host.bind, host.port)}\n`,
  );
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`lanparty: stopping (${why}) at tick ${host.tick}\n`);
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (flags.duration) setTimeout(() => void stop('duration reached'), flags.duration * 1000);
}

function hostOptions(cmd: Command, defaultBots: number): Command {
  return cmd
    .addOption(new Option('-g, --game <name>', 'game to host').choices(gameNames()).default('shooter'))
    .option('--max-players <n>', 'players per match', int('--max-players', 1, 1000), 16)
    .option('--capacity <n>', 'entity capacity of the world', int('--capacity', 100, 4_000_000), 100_000)
    .option('--seed <n>', 'seed of the game PRNG', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--bots <n>', 'bots playing inside the host', int('--bots', 0, 1000), defaultBots)
    .option('--bind <address>', 'address to listen on (default: GAME_IP, else the LAN address)')
    .option('--port <n>', 'TCP port for clients', int('--port', 0, 65535), DEFAULT_PORT)
    .option('--record <file>', 'record the session for `lanparty replay`')
    .option('--duration <seconds>', 'stop after this many seconds', int('--duration', 1, 86_400))
    .option('--send-hz <hz>', 'snapshots per second per client: 60, 30 or 20 (lowered for a client that falls behind)', sendHz, 60)
    .option('--budget <KB/s>', 'byte budget per client: nearer and busier entities first (needs --interest)', int('--budget', 1, 1_000_000))
    .option('--no-interest', 'send every client the whole world (default: only what its view holds, for games that define one)')
    .option('--drones <n>', 'shooter: drifting non-player entities (large-session load)', int('--drones', 0, 4_000_000))
    .option('--world <WxH>', 'shooter: world size in px (default 750x750)', worldSize);
}

function sendHz(v: string): SendHz {
  const n = Number(v);
  if (!isSendHz(n)) throw new InvalidArgumentError('expected 60, 30 or 20');
  return n;
}

function nickname(v: string): string {
  const why = nameProblem(v);
  if (why) throw new InvalidArgumentError(why);
  return v;
}

function worldSize(v: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('expected WIDTHxHEIGHT, e.g. 2000x2000');
  return { width: Number(m[1]), height: Number(m[2]) };
}

const program = new Command('lanparty')
  .description('Real-time multiplayer games on a LAN: a deterministic 60 Hz host with bots')
  .showHelpAfterError();

hostOptions(program.command('up', { isDefault: true }), 3)
  .description('join the LAN session, or host one (with bots when alone), and play; status line per second')
  .option('--session <name>', 'session name (nodes of other sessions are ignored)', 'lanparty')
  .option('--key <secret>', 'session key: authenticate beacons and peer messages (or LANPARTY_KEY)')
  .option('--peer-port <n>', 'TCP port for peer links', int('--peer-port', 0, 65535), DEFAULT_PEER_PORT)
  .option('--discovery-port <n>', 'UDP port for discovery beacons', int('--discovery-port', 1, 65535), DEFAULT_DISCOVERY_PORT)
  .addOption(new Option('--status <format>', 'status line each second').choices(['text', 'json', 'none']).default('text'))
  .action((flags: HostFlags & { session: string; key?: string; peerPort: number; discoveryPort: number; status: 'text' | 'json' | 'none' }) =>
    runUp({
      ...flags,
      gameOptions: gameOptionsOf(flags),
      snapshots: snapshotOptionsOf(flags),
      key: flags.key ?? process.env.LANPARTY_KEY,
      // on a terminal (and not asked for machine output) the player plays in the terminal
      interactive: Boolean(process.stdout.isTTY && process.stdin.isTTY) && flags.status === 'text',
    }),
  );

hostOptions(program.command('host'), 0)
  .description('run a dedicated headless host')
  .action((flags: HostFlags) => runHost(flags));

interface JoinFlags {
  json?: boolean;
  udp?: boolean;
  auto?: boolean;
  bind?: string;
  discoveryPort: number;
  pick?: number;
  name?: string;
  hold?: number;
  fps?: number;
  kitty: boolean;
}

/** "host", "host:port" or ":port" -> address (port defaults to 5050). */
function hostPort(v: string): { host: string; port: number } {
  const m = /^([^:]*)(?::(\d+))?$/.exec(v);
  const port = m?.[2] ? Number(m[2]) : DEFAULT_PORT;
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('expected HOST[:PORT]');
  return { host: m[1] || lanAddress(), port };
}

program
  .command('join')
  .description('play in a terminal: join HOST:PORT, or pick a session heard on the LAN')
  .argument('[address]', 'HOST[:PORT] of a host', hostPort)
  .option('--json', 'use the JSON wire mode instead of msgpack')
  .option('--udp', 'play over UDP (snapshots as datagrams: a lost packet stalls nothing)')
  .option('--auto', 'try UDP, fall back to TCP when UDP gets no answer within 1 s (default: TCP)')
  .option('--bind <address>', 'local address to listen for sessions on (default: GAME_IP, else the LAN address)')
  .option('--discovery-port <n>', 'UDP port of the discovery beacons', int('--discovery-port', 1, 65535), DEFAULT_DISCOVERY_PORT)
  .option('--pick <n>', 'join the n-th session listed (1-based) without asking', int('--pick', 1, 1000))
  .option('--name <nickname>', 'nickname in the session (default: player<id>)', nickname)
  .option('--hold <ms>', 'how long a key counts as held after its last repeat (terminals without key release events)', int('--hold', 1, 10_000))
  .option('--fps <n>', 'frames drawn per second', int('--fps', 1, 240))
  .option('--no-kitty', 'do not ask the terminal for the kitty keyboard protocol (key releases)')
  .action(async (address: { host: string; port: number } | undefined, flags: JoinFlags) => {
    if (flags.json && (flags.udp || flags.auto)) throw new InvalidArgumentError('UDP mode carries msgpack messages: --udp and --auto do not go with --json');
    let target = address;
    if (!target) {
      const sessions = await listSessions({ bind: lanAddress(flags.bind), discoveryPort: flags.discoveryPort, key: process.env.LANPARTY_KEY });
      if (!sessions.length) {
        process.stderr.write('no lanparty session heard on the LAN (start one with `lanparty up`)\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write('  #  session              game      players  host                   ping\n');
      sessions.forEach((x, i) =>
        process.stdout.write(
          `${String(i + 1).padStart(3)}  ${x.session.padEnd(20)} ${x.game.padEnd(9)} ${String(x.players).padStart(7)}  ` +
            `${`${x.host}:${x.port}`.padEnd(21)} ${x.pingMs === null ? '-' : `${x.pingMs.toFixed(1)} ms`}\n`,
        ),
      );
      let pick = flags.pick;
      if (pick === undefined && process.stdin.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question('join which session? [1] ');
        rl.close();
        pick = Number(answer.trim() || '1');
      }
      if (pick === undefined) return; // not on a terminal: the list is the answer
      const chosen = sessions[pick - 1];
      if (!chosen) throw new InvalidArgumentError(`no session number ${pick}`);
      target = { host: chosen.host, port: chosen.port };
    }
    quietLogsOnTerminal();
    await runTerminalClient({
      host: target.host,
      port: target.port,
      mode: flags.json ? 'json' : 'msgpack',
      transport: flags.udp ? 'udp' : flags.auto ? 'auto' : 'tcp',
      kitty: flags.kitty,
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.hold !== undefined ? { holdMs: flags.hold } : {}),
      ...(flags.fps !== undefined ? { fps: flags.fps } : {}),
    });
  });

program
  .command('bots')
  .description(
    'N headless bot clients that play; per-second stats (snapshots/s, bytes/s, round trip p50/p99). ' +
      'Bots the host refuses (a full session: see its --max-players) are counted with its reason and the others play; ' +
      'the exit code is 1 only when no bot could join',
  )
  .argument('<n>', 'how many bots', int('<n>', 1, 10_000))
  .argument('[address]', 'HOST[:PORT] of a host', hostPort)
  .option('--json', 'use the JSON wire mode instead of msgpack')
  .option('--udp', 'connect over UDP (msgpack messages in datagrams)')
  .option('--duration <seconds>', 'stop after this many seconds', int('--duration', 1, 86_400))
  .action(async (n: number, address: { host: string; port: number } | undefined, flags: { json?: boolean; udp?: boolean; duration?: number }) => {
    const target = address ?? { host: lanAddress(), port: DEFAULT_PORT };
    if (flags.json && flags.udp) throw new InvalidArgumentError('--udp carries msgpack messages: not with --json');
    const swarm = new BotSwarm({ ...target, count: n, mode: flags.json ? 'json' : 'msgpack', transport: flags.udp ? 'udp' : 'tcp' });
    await swarm.start();
    const at = `${target.host}:${target.port}`;
    const joined = swarm.clients.length;
    // none joined: an error (exit 1) with the host's reason; some: they play, the rest are told why not
    if (joined === 0) throw new Error(`none of ${n} bot(s) could join ${at}: ${formatRefusals(swarm.refused)}`);
    const refused = joined < n ? `; ${n - joined} could not join: ${formatRefusals(swarm.refused)}` : '';
    process.stdout.write(`lanparty: ${joined} of ${n} bot(s) playing on ${at}${refused}\n`);
    const every = setInterval(() => process.stdout.write(formatBotStats(swarm.sample()) + '\n'), 1000);
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      clearInterval(every);
      await swarm.stop();
      process.stdout.write(`lanparty: bots stopped (${why})\n`);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    if (flags.duration) setTimeout(() => void stop('duration reached'), flags.duration * 1000);
  });

program
  .command('top')
  .description("live host stats: tick time, skipped ticks, clients by mode, traffic, drops by reason")
  .argument('[address]', 'HOST[:PORT] of a host', hostPort)
  .option('--count <n>', 'stop after n reports', int('--count', 1, 1_000_000))
  .action(async (address: { host: string; port: number } | undefined, flags: { count?: number }) => {
    const target = address ?? { host: lanAddress(), port: DEFAULT_PORT };
    await runTop({ ...target, ...(flags.count ? { count: flags.count } : {}) });
  });

program
  .command('replay')
  .description('verify a recorded session: re-simulate it and compare the state hash at every tick')
  .argument('<file>', 'recording written with --record')
  .action((file: string) => {
    let r: ReturnType<typeof verifyRecordingFile>;
    try {
      r = verifyRecordingFile(file);
    } catch (e) {
      // a missing or unreadable file: a clear message, not a stack trace
      process.stderr.write(`lanparty replay: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
      return;
    }
    if (r.ok) {
      process.stdout.write(
        `replay OK: ${r.ticks} ticks (${r.firstTick}..${r.lastTick}), ${r.checkpoints} checkpoint(s), final hash ${r.finalHash}\n`,
      );
      return;
    }
    const why = r.mismatch
      ? `hash mismatch at tick ${r.mismatch.tick}: recorded ${r.mismatch.expected}, replayed ${r.mismatch.actual}`
      : r.error;
    process.stderr.write(`replay FAILED after ${r.ticks} verified ticks: ${why}\n`);
    process.exitCode = 1;
  });

// `up` is the default command, so a mistyped command would otherwise read as "too many
// arguments for 'up'": name it instead.
const first = process.argv[2];
if (first !== undefined && !first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first || c.aliases().includes(first))) {
  program.error(`error: unknown command '${first}' (commands: ${program.commands.map((c) => c.name()).join(', ')}; see lanparty --help)`);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // a failure at run time (host unreachable, join refused, ...): one clear line, not a stack trace
  const name = program.commands.some((c) => c.name() === first) ? first : 'up';
  process.stderr.write(`lanparty ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
