// `lanparty up`: be a peer of the LAN session (join it, or host a new one with a few bots),
// and play in it: in the terminal client when on a terminal; otherwise (piped, CI) the
// node's own player is driven by the game's bot policy and a status line is printed every
// second.

import { getGame } from '../engine/games/index.js';
import { logger, rootLogger } from '../engine/log.js';
import { lanAddress, webInvite } from '../net/address.js';
import { explainListenError } from '../net/listen.js';
import type { LanpartyClient } from '../net/client/client.js';
import { SessionClient } from '../net/client/session-client.js';
import { ownEntity, viewOfState } from '../net/client/state-view.js';
import { LanNode } from '../net/lan/node.js';
import { startTerminalClient } from '../render-term/index.js';
import { HostingStandby, startHosting, type HostingOptions, type SnapshotOptions } from './hosting.js';

export interface UpOptions {
  bind?: string;
  session: string;
  game: string;
  maxPlayers: number;
  capacity: number;
  seed: number;
  bots: number;
  key?: string | undefined;
  port: number;
  peerPort: number;
  discoveryPort: number;
  duration?: number;
  /** Print a status line every second: text for people, or one JSON object per line for tools. */
  status: 'text' | 'json' | 'none';
  /** Play in this terminal (the terminal client) instead of a bot and status lines. */
  interactive: boolean;
  /** Game options beyond maxPlayers (shooter: drones, width, height). */
  gameOptions?: Record<string, unknown>;
  /** How snapshots are sent when this node hosts. */
  snapshots?: SnapshotOptions;
}

/**
 * The node's own player in this terminal: the terminal client connects to the current
 * host, shows the migration banner while the host changes, and follows the new one.
 */
async function playInTerminal(node: LanNode, o: UpOptions, log: ReturnType<typeof logger>, quit: Quit): Promise<void> {
  let host = node.currentHost();
  while (!host) {
    await new Promise((r) => setTimeout(r, 50));
    host = node.currentHost();
  }
  const tc = startTerminalClient({ host: host.ip, port: host.port, exitOnSignal: false, reconnectMs: 60_000 });
  let current = `${host.ip}:${host.port}:${host.epoch}`;
  node.on('state', (st) => tc.setMigrating(st === 'electing' || st === 'awaiting' || st === 'searching'));
  node.on('host', (h) => {
    const key = `${h.ip}:${h.port}:${h.epoch}`;
    if (key === current) return;
    current = key;
    tc.setMigrating(false);
    void tc.reconnect({ host: h.ip, port: h.port });
  });
  const stop = async (why: string, code = 0, say = '') => {
    log.info({ why }, 'stopping');
    tc.quit();
    process.stderr.write(say); // on the restored terminal
    await node.stop();
    process.exit(code);
  };
  quit.stop = stop;
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (o.duration) setTimeout(() => void stop('duration reached'), o.duration * 1000);
  let code = 0;
  await tc.done.catch((err: Error) => {
    log.error({ err: err.message }, 'terminal client failed');
    // the terminal is restored by now; logs may be off on a terminal, so say it plainly
    process.stderr.write(`lanparty up: terminal client failed: ${err.message}\n`);
    code = 1;
  });
  await stop('quit', code);
}

/** How the command stops now: the node alone at first, then each mode's own stop. */
interface Quit {
  stop(why: string, code?: number, say?: string): Promise<void>;
}

/** What `--status json` prints each second (tests and tools read it). */
function statusOf(node: LanNode, me: SessionClient) {
  const host = node.currentHost();
  const c = me.client;
  const st = c?.state;
  let own: Record<string, number> | null = null;
  if (c?.codec && st) {
    const e = ownEntity(c.codec, st, c.welcome.client);
    if (e > 0) {
      const v = viewOfState(c.codec, st);
      own = { eid: e, x: v.field('Position.x')[e]!, y: v.field('Position.y')[e]!, score: v.field('Player.score')[e]! };
    }
  }
  return {
    state: node.state,
    epoch: node.election.epoch,
    host: host ? { id: host.id, ip: host.ip, port: host.port } : null,
    client: c ? { id: c.welcome.client, epoch: c.welcome.epoch, tick: st?.tick ?? -1, snapshots: c.snapshots } : null,
    own,
    migrations: me.migrations,
    migrating: me.migrating,
  };
}

/**
 * The terminal client owns the terminal: log lines written to the same terminal would draw
 * over the game (and scroll it). Unless stderr goes elsewhere (2>file), log nothing; set
 * before any worker thread starts, as workers take their level from the environment.
 */
export function quietLogsOnTerminal(): void {
  if (!process.stderr.isTTY) return;
  process.env.LANPARTY_LOG = 'silent';
  rootLogger.level = 'silent';
}

/** Start hosting; without the terminal client (which shows it in its panel), say where browsers join. */
async function hostingWithInvite(o: UpOptions, bind: string, h: HostingOptions) {
  const hosting = await startHosting(h);
  if (!o.interactive) process.stdout.write(`lanparty up: ${webInvite(bind, hosting.port)}\n`);
  return hosting;
}

export async function runUp(o: UpOptions): Promise<void> {
  if (o.interactive) quietLogsOnTerminal();
  const bind = lanAddress(o.bind);
  const log = logger('up');
  const gameOptions = { ...o.gameOptions, maxPlayers: o.maxPlayers };
  // the threads hosting needs, started while this node does not host: taking over is then fast
  const standby = new HostingStandby();
  const node = new LanNode({
    bind,
    session: o.session,
    game: o.game,
    gameOptions,
    key: o.key,
    clientPort: o.port,
    peerPort: o.peerPort,
    discoveryPort: o.discoveryPort,
    standby,
    startHosting: (h) =>
      hostingWithInvite(o, bind, {
        game: o.game,
        gameOptions,
        capacity: o.capacity,
        seed: o.seed,
        bind,
        port: o.port,
        epoch: h.epoch,
        ...(o.snapshots ? { snapshots: o.snapshots } : {}),
        // a node's bots wait for a player, so that a match does not start without them
        bots: o.bots,
        botsWaitForPlayers: true,
        ...(h.resume ? { resume: h.resume } : {}),
        standby,
      }),
  });
  // a taken port: one clear sentence and a non-zero exit, before or after the election
  const portOf = (err: unknown) =>
    (err as { port?: number }).port === o.peerPort
      ? explainListenError(err, 'the port for peer links', '--peer-port')
      : explainListenError(err, 'the port for game clients', '--port');
  await node.start().catch((err: unknown) => {
    throw portOf(err);
  });
  const quit: Quit = {
    async stop(_why, code = 0, say = '') {
      process.stderr.write(say);
      await node.stop();
      process.exit(code);
    },
  };
  // the client port taken when this node came to host: it has left the session; say why, exit 1
  node.once('fatal', (err) => void quit.stop('cannot host', 1, `lanparty up: ${(portOf(err) as Error).message}\n`));
  if (o.interactive) return playInTerminal(node, o, log, quit);
  const me = new SessionClient({ bind, session: o.session, discoveryPort: o.discoveryPort, key: o.key });
  const policy = getGame(o.game).create({}).bot;
  let snapshots = 0;
  let lastTick = -1;
  const play = (c: LanpartyClient) => {
    c.on('snapshot', (state) => {
      snapshots++;
      lastTick = state.tick;
      const self = ownEntity(c.codec!, state, c.welcome.client);
      if (self > 0) c.input(policy(viewOfState(c.codec!, state), self));
    });
  };
  me.on('connected', play);
  me.on('migrating', (m) => process.stdout.write(m ? 'lanparty: host lost, migrating...\n' : 'lanparty: migrated to the new host\n'));
  void me.start();
  if (o.status !== 'json') process.stdout.write(`lanparty: node ${node.id.slice(0, 8)} on ${bind}, session "${o.session}" (Ctrl-C to stop)\n`);

  const status = setInterval(async () => {
    const host = node.currentHost();
    const c = me.client;
    const ping = c ? (await Promise.race([c.ping(), new Promise<number>((r) => setTimeout(() => r(-1), 500))])).toFixed(1) : '-';
    const entities = c?.state?.count ?? 0;
    if (o.status === 'json') {
      process.stdout.write(JSON.stringify({ node: node.id, ...statusOf(node, me) }) + '\n');
    } else if (o.status === 'text') {
      process.stdout.write(
        `${node.state}${host ? ` ${host.ip}:${host.port} epoch ${host.epoch}` : ''} | tick ${lastTick} | entities ${entities}` +
          ` | snapshots/s ${snapshots} | ping ${ping} ms | migrations ${me.migrations}\n`,
      );
    }
    snapshots = 0;
  }, 1000);

  let stopping = false;
  const stop = async (why: string, code = 0, say = '') => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stopping');
    process.stderr.write(say);
    clearInterval(status);
    me.stop();
    await node.stop();
    process.stdout.write(`lanparty: stopped (${why})\n`);
    process.exit(code);
  };
  quit.stop = stop;
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (o.duration) setTimeout(() => void stop('duration reached'), o.duration * 1000);
}
