// `lanparty bots N`: N headless bot clients in one process. Each is a real client (its own
// TCP connection, handshake, snapshot decoding, acks, redundant inputs) playing with the
// game's bot policy; the process prints per-second stats: snapshots/s, bytes/s, round trip
// p50/p99. The load benchmarks use these. Bots the host refuses (a full session...) are
// counted with the host's reason; the others play.

import type { GameDef } from '../../engine/game.js';
import { getGame } from '../../engine/games/index.js';
import { percentile } from '../../workers/percentile.js';
import { LanpartyClient } from './client.js';
import { ownEntity, ownEntityJson, viewOfJson, viewOfState } from './state-view.js';

export interface BotsOptions {
  host: string;
  port: number;
  count: number;
  mode?: 'msgpack' | 'json';
  /** 'udp': datagrams (UDP mode); 'auto': UDP, falling back to TCP when UDP gets no answer in 1 s. Default 'tcp'. */
  transport?: 'tcp' | 'udp' | 'auto';
  /** Connect this many at a time (the host's accept queue is finite). */
  connectConcurrency?: number;
}

export interface BotStats {
  bots: number;
  connected: number;
  snapshotsPerSecond: number;
  minClientSnapshotsPerSecond: number;
  bytesPerSecond: number;
  rttP50Ms: number;
  rttP99Ms: number;
  /** Round trips measured in the period (0: the rtt figures mean nothing yet). */
  rttSamples: number;
}

/** Bots that could not join, grouped by the host's error code and message. */
export interface BotRefusal {
  /** The host's error code (SESSION_FULL...), or the socket's (ECONNREFUSED...), if any. */
  code: string | undefined;
  message: string;
  count: number;
}

export class BotSwarm {
  readonly clients: LanpartyClient[] = [];
  readonly refused: BotRefusal[] = [];
  private lastSnapshots = new Map<LanpartyClient, number>();
  private lastBytes = 0;
  private lastAt = performance.now();
  private rtts: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: BotsOptions) {}

  async start(): Promise<void> {
    // each bot plays the game its host runs (the welcome names it)
    const policies = new Map<string, GameDef['bot']>();
    const policyOf = (game: string) => {
      let p = policies.get(game);
      if (!p) policies.set(game, (p = getGame(game).create({}).bot));
      return p;
    };
    const batch = this.o.connectConcurrency ?? 50;
    for (let i = 0; i < this.o.count; i += batch) {
      const n = Math.min(batch, this.o.count - i);
      const tries = await Promise.allSettled(
        Array.from({ length: n }, () => LanpartyClient.connect({ host: this.o.host, port: this.o.port, mode: this.o.mode ?? 'msgpack', transport: this.o.transport ?? 'tcp', timeoutMs: 15_000 })),
      );
      for (const t of tries) {
        if (t.status === 'rejected') {
          this.refuse(t.reason);
          continue;
        }
        const c = t.value;
        const policy = policyOf(c.welcome.game);
        c.on('snapshot', (state) => {
          const self = ownEntity(c.codec!, state, c.welcome.client);
          if (self > 0) c.input(policy(viewOfState(c.codec!, state), self));
        });
        c.on('json', (snap) => {
          const self = ownEntityJson(snap, c.welcome.client);
          if (self > 0) c.input(policy(viewOfJson(snap), self));
        });
        this.clients.push(c);
      }
    }
    // two ping rounds per 1 s stats period: with one round a second, in step with the stats,
    // every other period had no round trip at all
    this.timer = setInterval(() => this.pingAll(), 500);
    this.timer.unref();
  }

  private refuse(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as NodeJS.ErrnoException).code;
    // the client's error reads "CODE: message": the message alone, the code apart
    const message = code && e.message.startsWith(`${code}: `) ? e.message.slice(code.length + 2) : e.message;
    const same = this.refused.find((r) => r.code === code && r.message === message);
    if (same) same.count++;
    else this.refused.push({ code, message, count: 1 });
  }

  private pingAll(): void {
    for (const c of this.clients) if (!c.closed) void c.ping().then((ms) => this.rtts.push(ms));
  }

  /** Stats since the previous call. */
  sample(): BotStats {
    const now = performance.now();
    const dt = (now - this.lastAt) / 1000;
    let total = 0;
    let min = Infinity;
    let bytes = 0;
    let connected = 0;
    for (const c of this.clients) {
      const n = c.snapshots - (this.lastSnapshots.get(c) ?? 0);
      this.lastSnapshots.set(c, c.snapshots);
      total += n;
      if (!c.closed) {
        connected++;
        min = Math.min(min, n / dt);
      }
      bytes += c.bytesIn;
    }
    const rtts = this.rtts.sort((a, b) => a - b);
    this.rtts = [];
    const out: BotStats = {
      bots: this.clients.length,
      connected,
      snapshotsPerSecond: total / dt,
      minClientSnapshotsPerSecond: connected ? min : 0,
      bytesPerSecond: (bytes - this.lastBytes) / dt,
      rttP50Ms: percentile(rtts, 0.5),
      rttP99Ms: percentile(rtts, 0.99),
      rttSamples: rtts.length,
    };
    this.lastBytes = bytes;
    this.lastAt = now;
    return out;
  }

  /** Every bot leaves (the host frees their places at once) and closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.clients.map((c) => c.leaveAndClose()));
  }
}

/** Why bots could not join: "SESSION_FULL: session full: 16 of 16 players ...", each reason counted when several. */
export function formatRefusals(refused: readonly BotRefusal[]): string {
  return refused.map((r) => `${refused.length > 1 ? `${r.count} x ` : ''}${r.code ? `${r.code}: ` : ''}${r.message}`).join('; ');
}

export function formatBotStats(s: BotStats): string {
  return (
    `bots ${s.connected}/${s.bots} | snapshots/s ${s.snapshotsPerSecond.toFixed(0)} (min per bot ${s.minClientSnapshotsPerSecond.toFixed(1)})` +
    ` | ${(s.bytesPerSecond / 1024).toFixed(1)} KB/s in | rtt ` +
    // no round trip measured in the period (e.g. the first second): '-' rather than 0.00 ms
    (s.rttSamples ? `p50 ${s.rttP50Ms.toFixed(2)} ms p99 ${s.rttP99Ms.toFixed(2)} ms` : 'p50 - p99 - (none measured)')
  );
}
