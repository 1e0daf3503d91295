// Real `lanparty up` processes for the LAN tests (test/net/lan/) and the failover bench:
// spawn them (process.execPath directly, or through `ip netns exec`, which execs in place,
// so a signal always reaches the node itself), read their JSON status lines (stdout, one a
// second) and JSON logs (stderr), and wait for conditions. Also the test-process side of a
// session: a beacon watcher and players (SessionClients) that record every welcome.
//
// Hermetic: every node gets --bind, GAME_IP and LANPARTY_TEST=1 (so it refuses any address
// that is neither loopback nor an interface named in LANPARTY_TEST_IFACES).
//
// Every process started here is tracked: call `killAllNodes()` in afterEach/afterAll (the
// helper also SIGKILLs survivors when the test process exits). No vitest import here: the
// bench uses these helpers too.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentWatchEnv } from '../../src/app/exit-with-parent.js';
import type { LanpartyClient } from '../../src/net/client/client.js';
import { SessionClient } from '../../src/net/client/session-client.js';
import { ownEntity, viewOfState } from '../../src/net/client/state-view.js';
import type { Beacon } from '../../src/net/lan/beacon.js';
import { Discovery } from '../../src/net/lan/discovery.js';
import type { NodeState } from '../../src/net/lan/election.js';
import { getGame } from '../../src/engine/games/index.js';
import { logger } from '../../src/engine/log.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `pred` until it is truthy; throws (naming `what`, plus `detail()` if given) after `timeoutMs`. */
export async function waitFor<T>(
  pred: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  detail?: () => string,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v as NonNullable<T>;
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(everyMs);
  }
}

/** The repository root (the folder holding package.json), from source or from dist/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cluster helper: no package.json above this file');
    dir = up;
  }
}

export const cliPath = (): string => join(repoRoot(), 'dist', 'src', 'cli.js');

// ---- status lines and logs ----------------------------------------------------------------

export interface NodeStatus {
  node: string;
  state: NodeState;
  epoch: number;
  host: { id: string; ip: string; port: number } | null;
  client: { id: number; epoch: number; tick: number; snapshots: number } | null;
  own: { eid: number; x: number; y: number; score: number } | null;
  migrations: number;
  migrating: boolean;
  /** performance.now() in this process when the line arrived. */
  at: number;
}

export interface LogLine {
  level: number;
  /** Date.now() in the node when it logged. */
  time: number;
  msg: string;
  [k: string]: unknown;
}

// ---- one node -----------------------------------------------------------------------------

export interface NodeSpec {
  /** Bind address: 127.0.0.x, or an address inside a network namespace the test created. */
  ip: string;
  session: string;
  discoveryPort: number;
  key?: string;
  /** Client port (host) and peer port: defaults 5050 / 5051 of the node. */
  port?: number;
  peerPort?: number;
  bots?: number;
  /** --duration: the node stops by itself after this many seconds (a safety net). */
  duration?: number;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** LANPARTY_TEST_IFACES: the interfaces (inside the namespace) the test created. */
  ifaces?: string;
  /** LANPARTY_LOG of the node (default warn: drops, takeovers and step-downs are logged). */
  logLevel?: string;
  /** Extra arguments to `node` before the script (e.g. --import of a start barrier). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

const live = new Set<NodeProcess>();

export class NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt = performance.now();
  readonly statuses: NodeStatus[] = [];
  readonly logs: LogLine[] = [];
  /** Lines that are neither status nor log (banners, errors). */
  readonly other: string[] = [];
  exited = false;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exitPromise: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(readonly spec: NodeSpec) {
    const args = [
      ...(spec.nodeArgs ?? []),
      cliPath(),
      'up',
      '--bind', spec.ip,
      '--session', spec.session,
      '--discovery-port', String(spec.discoveryPort),
      '--status', 'json',
      '--bots', String(spec.bots ?? 0),
      '--duration', String(spec.duration ?? 300),
      ...(spec.port !== undefined ? ['--port', String(spec.port)] : []),
      ...(spec.peerPort !== undefined ? ['--peer-port', String(spec.peerPort)] : []),
      ...(spec.key ? ['--key', spec.key] : []),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GAME_IP: spec.ip,
      LANPARTY_TEST: '1',
      LANPARTY_LOG: spec.logLevel ?? 'warn',
      // the node exits when this process dies, even by SIGKILL (src/app/exit-with-parent.ts)
      ...parentWatchEnv(),
      ...(spec.ifaces ? { LANPARTY_TEST_IFACES: spec.ifaces } : {}),
      ...spec.env,
    };
    delete env.LANPARTY_KEY;
    if (!spec.ifaces) delete env.LANPARTY_TEST_IFACES;
    // `ip netns exec` enters the namespace and execs node in place: same pid, so kill -9
    // and SIGSTOP reach the node itself
    this.child = spec.netns
      ? spawn('ip', ['netns', 'exec', spec.netns, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`could not spawn a node on ${spec.ip}`);
    this.pid = this.child.pid;
    live.add(this);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exit = { code, signal };
        live.delete(this);
        this.notify();
        resolve();
      });
    });
    this.child.once('error', (err) => this.other.push(`spawn error: ${err.message}`));
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onStdout(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.onStderr(line));
  }

  private onStdout(line: string): void {
    if (line.startsWith('{')) {
      try {
        const s = JSON.parse(line) as NodeStatus;
        if (typeof s.node === 'string' && typeof s.state === 'string') {
          s.at = performance.now();
          this.statuses.push(s);
          if (this.statuses.length > 2000) this.statuses.splice(0, 1000);
          this.notify();
          return;
        }
      } catch {
        // fall through
      }
    }
    this.pushOther(line);
  }

  private onStderr(line: string): void {
    if (line.startsWith('{')) {
      try {
        const l = JSON.parse(line) as LogLine;
        if (typeof l.msg === 'string') {
          this.logs.push(l);
          if (this.logs.length > 5000) this.logs.splice(0, 2500);
          this.notify();
          return;
        }
      } catch {
        // fall through
      }
    }
    this.pushOther(line);
  }

  private pushOther(line: string): void {
    this.other.push(line);
    if (this.other.length > 200) this.other.splice(0, 100);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Called on every new status line, log line and on exit; returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get ip(): string {
    return this.spec.ip;
  }

  /** The node's uuid, once it printed a status line. */
  get id(): string | null {
    return this.statuses[0]?.node ?? null;
  }

  get status(): NodeStatus | null {
    return this.statuses[this.statuses.length - 1] ?? null;
  }

  /** Newest status line that arrived at or before `t` (performance.now()). */
  statusAt(t: number): NodeStatus | null {
    for (let i = this.statuses.length - 1; i >= 0; i--) if (this.statuses[i]!.at <= t) return this.statuses[i]!;
    return null;
  }

  /** Wait for a status line, arriving after this call, that satisfies `pred`. */
  nextStatus(pred: (s: NodeStatus) => boolean = () => true, timeoutMs = 10_000, what = 'a status line'): Promise<NodeStatus> {
    const from = this.statuses.length;
    return waitFor(
      () => {
        if (this.exited) throw new Error(`node ${this.ip} exited (${JSON.stringify(this.exit)}) while waiting for ${what}\n${this.describe()}`);
        for (let i = Math.max(from, this.statuses.length - 50); i < this.statuses.length; i++) if (pred(this.statuses[i]!)) return this.statuses[i]!;
        return null;
      },
      timeoutMs,
      `${what} from node ${this.ip}`,
      () => this.describe(),
    );
  }

  /** Reasons of the datagrams / frames the node dropped (from its "dropped" warnings). */
  dropReasons(): Set<string> {
    return new Set(this.logs.filter((l) => l.msg === 'dropped' && typeof l.reason === 'string').map((l) => l.reason as string));
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(sig);
  }

  /** kill -9. */
  kill(): void {
    this.signal('SIGKILL');
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** SIGTERM (clean stop), SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const t = setTimeout(() => this.kill(), graceMs);
    await this.exitPromise;
    clearTimeout(t);
  }

  /** For failure messages: the newest status, the last log and other lines. */
  describe(): string {
    const s = this.status;
    const brief = s ? { state: s.state, epoch: s.epoch, host: s.host?.id.slice(0, 8) ?? null, client: s.client, own: s.own, migrating: s.migrating } : null;
    return (
      `  node ${this.ip} ${this.id?.slice(0, 8) ?? '?'} pid ${this.pid}${this.exited ? ` exited ${JSON.stringify(this.exit)}` : ''}: ${JSON.stringify(brief)}\n` +
      this.logs
        .slice(-4)
        .map((l) => `    log: ${l.msg} ${JSON.stringify({ ...l, level: undefined, time: undefined, pid: undefined, msg: undefined })}`)
        .join('\n') +
      (this.other.length ? `\n    other: ${this.other.slice(-3).join(' | ')}` : '')
    );
  }
}

export function startNode(spec: NodeSpec): NodeProcess {
  return new NodeProcess(spec);
}

/** SIGKILL every node started through these helpers (also paused ones) and wait for them. */
export async function killAllNodes(): Promise<void> {
  const all = [...live];
  for (const n of all) {
    n.kill();
    n.signal('SIGCONT');
  }
  await Promise.race([Promise.all(all.map((n) => n.exitPromise)), sleep(5000)]);
}

export function liveNodes(): NodeProcess[] {
  return [...live];
}

// last line of defence: nothing outlives the test process
process.once('exit', () => {
  for (const n of live) {
    try {
      process.kill(n.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

// ---- starting together --------------------------------------------------------------------

const BARRIER_READY = 'lanparty-test: barrier ready';

/**
 * `node --import` of a preload that loads the node's modules, says it is ready on stdout and
 * waits for SIGUSR2 before the CLI runs: nodes started together then begin their search
 * within a few ms of one another, however long their start-up took on a loaded machine.
 */
export function barrierArgs(): string[] {
  const up = pathToFileURL(join(repoRoot(), 'dist', 'src', 'app', 'up.js')).href;
  const watch = pathToFileURL(join(repoRoot(), 'dist', 'src', 'app', 'exit-with-parent.js')).href;
  // worker threads inherit --import: only the main thread waits
  const code =
    `import { isMainThread } from 'node:worker_threads';` +
    `if (isMainThread) {` +
    // a node waiting here when the test dies must not wait forever
    `  (await import(${JSON.stringify(watch)})).exitWithParent();` +
    `  await import(${JSON.stringify(up)});` +
    `  await new Promise((resolve) => {` +
    `    const hold = setInterval(() => {}, 1 << 30);` +
    `    process.once('SIGUSR2', () => { clearInterval(hold); resolve(); });` +
    `    process.stdout.write(${JSON.stringify(BARRIER_READY + '\n')});` +
    `  });` +
    `}`;
  return ['--import', `data:text/javascript,${encodeURIComponent(code)}`];
}

// ---- a cluster ----------------------------------------------------------------------------

export type ClusterSpec = Omit<NodeSpec, 'ip'>;

/** What the nodes agree on: one host, hosting at `epoch`, every other node following it. */
export interface Consensus {
  host: NodeProcess;
  hostId: string;
  epoch: number;
}

export class Cluster {
  readonly nodes: NodeProcess[] = [];

  constructor(readonly spec: ClusterSpec) {}

  start(ip: string, extra: Partial<NodeSpec> = {}): NodeProcess {
    const n = startNode({ ...this.spec, ...extra, ip });
    this.nodes.push(n);
    return n;
  }

  /**
   * Start nodes on `ips` behind a start barrier (see barrierArgs) and release them all at
   * once; resolves with performance.now() of the release.
   */
  async startTogether(
    ips: string[],
    extra: Partial<NodeSpec> | ((ip: string, i: number) => Partial<NodeSpec>) = {},
    timeoutMs = 30_000,
  ): Promise<number> {
    const nodes = ips.map((ip, i) => {
      const x = typeof extra === 'function' ? extra(ip, i) : extra;
      return this.start(ip, { ...x, nodeArgs: [...(x.nodeArgs ?? []), ...barrierArgs()] });
    });
    await waitFor(
      () => {
        const dead = nodes.find((n) => n.exited);
        if (dead) throw new Error(`node ${dead.ip} exited before the start barrier\n${dead.describe()}`);
        return nodes.every((n) => n.other.includes(BARRIER_READY));
      },
      timeoutMs,
      'every node at the start barrier',
      () => this.describe(),
    );
    const go = performance.now();
    for (const n of nodes) n.signal('SIGUSR2');
    return go;
  }

  alive(): NodeProcess[] {
    return this.nodes.filter((n) => !n.exited);
  }

  byId(id: string): NodeProcess | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  /**
   * Consensus on the newest status lines of `among` (default: the live nodes): exactly one
   * hosting, all at the same epoch, all naming it as host. `fresh`: only lines that arrived
   * after this time count.
   */
  consensus(among: NodeProcess[] = this.alive(), fresh = 0): Consensus | null {
    const ss = among.map((n) => n.status);
    if (ss.some((s) => !s || s.at < fresh)) return null;
    const hosting = among.filter((n) => n.status!.state === 'hosting');
    if (hosting.length !== 1) return null;
    const host = hosting[0]!;
    const hostId = host.id!;
    const epoch = host.status!.epoch;
    for (const s of ss) {
      if (s!.epoch !== epoch || s!.host?.id !== hostId) return null;
      if (s!.node !== hostId && s!.state !== 'following') return null;
    }
    return { host, hostId, epoch };
  }

  /**
   * Wait until `among` agree (see consensus) and, when `clients` is set, every node's own
   * player is connected at that epoch with snapshots flowing (two lines with growing ticks).
   */
  async waitConsensus(
    timeoutMs: number,
    o: { among?: () => NodeProcess[]; clients?: boolean; minEpoch?: number; fresh?: number } = {},
  ): Promise<Consensus> {
    return waitFor(
      () => {
        const among = o.among?.() ?? this.alive();
        const c = this.consensus(among, o.fresh ?? 0);
        if (!c || c.epoch < (o.minEpoch ?? 0)) return null;
        if (o.clients && !among.every((n) => ownClientOn(n, c.epoch))) return null;
        return c;
      },
      timeoutMs,
      `consensus${o.clients ? ' with every own client connected' : ''}${o.minEpoch ? ` at epoch >= ${o.minEpoch}` : ''}`,
      () => this.describe(),
    );
  }

  describe(): string {
    return this.nodes.map((n) => n.describe()).join('\n');
  }

  /** The node (by status) with the highest uuid among `among`. */
  static highest(among: NodeProcess[]): NodeProcess {
    return [...among].sort((a, b) => (a.id! < b.id! ? 1 : -1))[0]!;
  }
}

/** The node's own player is connected at `epoch`, not migrating, and its ticks advance. */
export function ownClientOn(n: NodeProcess, epoch: number): boolean {
  const [a, b] = n.statuses.slice(-2);
  if (!a || !b) return false;
  return (
    !b.migrating &&
    b.client !== null &&
    b.client.epoch === epoch &&
    a.client !== null &&
    a.client.epoch === epoch &&
    a.client.id === b.client.id &&
    b.client.tick > a.client.tick &&
    b.own !== null
  );
}

// ---- beacons ------------------------------------------------------------------------------

export interface SeenBeacon {
  b: Beacon;
  at: number;
}

/** A pure discovery listener in this process: every beacon heard, with when. */
export class BeaconWatcher {
  readonly heard: SeenBeacon[] = [];
  private readonly disc: Discovery;
  private readonly listeners = new Set<(s: SeenBeacon) => void>();

  constructor(o: { bind: string; port: number; key?: string }) {
    this.disc = new Discovery({
      id: randomUUID(),
      bind: o.bind,
      port: o.port,
      key: o.key,
      log: logger('beacon-watcher'),
      beacon: () => null,
    });
    this.disc.on('beacon', (b) => {
      const s = { b, at: performance.now() };
      this.heard.push(s);
      if (this.heard.length > 20_000) this.heard.splice(0, 10_000);
      for (const l of this.listeners) l(s);
    });
  }

  async start(): Promise<this> {
    await this.disc.start();
    return this;
  }

  onBeacon(fn: (s: SeenBeacon) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** (host id, epoch) pairs of every beacon in which a node claimed to host, since `since`. */
  hostClaims(since = 0): Array<{ id: string; epoch: number; at: number }> {
    return this.heard.filter((s) => s.at >= since && s.b.h !== '' && s.b.h === s.b.id).map((s) => ({ id: s.b.id, epoch: s.b.e, at: s.at }));
  }

  query(): void {
    this.disc.query();
  }

  stop(): void {
    this.disc.stop();
  }
}

// ---- players in this process --------------------------------------------------------------

export interface Welcome {
  client: number;
  entity: number;
  epoch: number;
  reconnected: boolean;
  at: number;
}

/**
 * A SessionClient with a bot, that records every welcome and every connection: whether a new
 * connection came while the previous one was still open (it must never), and when the first
 * snapshot of each epoch arrived. `mode`: 'bot' plays with the game's bot policy, 'still'
 * sends no buttons (the ship stays where it is), or fixed buttons.
 */
export class Player {
  readonly sc: SessionClient;
  readonly welcomes: Welcome[] = [];
  /** Connections that arrived while the previous one was not closed yet. */
  overlaps = 0;
  /** Epoch -> performance.now() of the first snapshot from a host of that epoch. */
  readonly firstSnapshot = new Map<number, number>();
  mode: 'bot' | 'still' | number = 'bot';
  private current: LanpartyClient | null = null;
  private readonly snapshotListeners = new Set<(epoch: number, at: number) => void>();
  private readonly bot = getGame('shooter').create({}).bot;

  constructor(readonly o: { bind: string; session: string; discoveryPort: number; key?: string; transport?: 'tcp' | 'udp' }) {
    this.sc = new SessionClient({ bind: o.bind, session: o.session, discoveryPort: o.discoveryPort, key: o.key, ...(o.transport ? { transport: o.transport } : {}) });
    this.sc.on('connected', (c) => this.onConnected(c));
  }

  async start(timeoutMs = 20_000): Promise<this> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.sc.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`player on ${this.o.bind} found no host in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return this;
  }

  private onConnected(c: LanpartyClient): void {
    if (this.current && !this.current.closed) this.overlaps++;
    this.current = c;
    const w = c.welcome;
    this.welcomes.push({ client: w.client, entity: w.entity, epoch: w.epoch, reconnected: w.reconnected, at: performance.now() });
    c.on('snapshot', (state) => {
      const at = performance.now();
      if (!this.firstSnapshot.has(w.epoch)) {
        this.firstSnapshot.set(w.epoch, at);
        for (const l of this.snapshotListeners) l(w.epoch, at);
      }
      let buttons = 0;
      if (this.mode === 'bot') {
        const self = ownEntity(c.codec!, state, w.client);
        if (self > 0) buttons = this.bot(viewOfState(c.codec!, state), self);
      } else if (this.mode !== 'still') buttons = this.mode;
      c.input(buttons);
    });
  }

  onFirstSnapshot(fn: (epoch: number, at: number) => void): () => void {
    this.snapshotListeners.add(fn);
    return () => this.snapshotListeners.delete(fn);
  }

  get client(): LanpartyClient | null {
    return this.sc.client;
  }

  get welcome(): Welcome | null {
    return this.welcomes[this.welcomes.length - 1] ?? null;
  }

  /** The player's own ship in the newest snapshot. */
  own(): { eid: number; x: number; y: number; score: number } | null {
    const c = this.sc.client;
    if (!c?.codec || !c.state) return null;
    const e = ownEntity(c.codec, c.state, c.welcome.client);
    if (e <= 0) return null;
    const v = viewOfState(c.codec, c.state);
    return { eid: e, x: v.field('Position.x')[e]!, y: v.field('Position.y')[e]!, score: v.field('Player.score')[e]! };
  }

  /** Connected to a host of `epoch` and holding a snapshot from it. */
  connectedAt(epoch: number): boolean {
    const c = this.sc.client;
    return !!c && !c.closed && c.welcome.epoch === epoch && this.firstSnapshot.has(epoch) && this.own() !== null;
  }

  stop(): void {
    this.sc.stop();
  }
}
