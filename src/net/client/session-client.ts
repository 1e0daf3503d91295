// A client that stays with its LAN session across host migrations. It finds the host from
// the discovery beacons (the host's own beacon, newest epoch first), joins, and when the
// connection drops it shows "migrating", waits for a host with an epoch at least as new as
// any it has seen, and rejoins with its session token so it gets its own entity back.
// A host older than one already seen is refused (fencing): it never follows two hosts. The
// fence is the one every client shares (src/client-core/succession.ts); the web page, which
// cannot hear beacons, follows its host's peer list with it instead of discovery.

import { EventEmitter } from 'node:events';
import { v4 as uuidv4 } from 'uuid';
import { logger } from '../../engine/log.js';
import type { Beacon } from '../lan/beacon.js';
import { DEFAULT_DISCOVERY_PORT, Discovery } from '../lan/discovery.js';
import { newer } from '../lan/election.js';
import { EpochFence } from '../../client-core/succession.js';
import { LanpartyClient } from './client.js';

export interface SessionClientOptions {
  /** Local address for discovery (tests: 127.0.0.x). */
  bind: string;
  session?: string;
  discoveryPort?: number;
  key?: string | undefined;
  mode?: 'msgpack' | 'json';
  /** 'udp': datagrams (UDP mode); 'auto': UDP, falling back to TCP when UDP gets no answer in 1 s. Default 'tcp'. */
  transport?: 'tcp' | 'udp' | 'auto';
  /** Skip discovery: always this host (no migration). */
  fixedHost?: { ip: string; port: number };
  /**
   * A host silent this long is taken for lost even if its socket is open (a paused
   * process keeps TCP alive): the client moves on to the next host. Default 700 ms.
   */
  silenceMs?: number;
}

export class SessionClient extends EventEmitter<{ migrating: [boolean]; connected: [LanpartyClient]; epoch: [number] }> {
  client: LanpartyClient | null = null;
  /** Never a host older than one followed (the web page's fence too). */
  readonly fence = new EpochFence();
  migrating = false;
  migrations = 0;
  private token: string | undefined;
  private discovery: Discovery | null = null;
  private stopped = false;
  private connecting = false;
  private lastQuery = 0;
  /** Ends the connect loop's current wait early (a host's beacon arrived). */
  private wake: (() => void) | null = null;
  private readonly log = logger('session-client');

  constructor(private readonly o: SessionClientOptions) {
    super();
  }

  async start(): Promise<LanpartyClient> {
    if (!this.o.fixedHost) {
      this.discovery = new Discovery({
        id: uuidv4(),
        bind: this.o.bind,
        port: this.o.discoveryPort ?? DEFAULT_DISCOVERY_PORT,
        key: this.o.key,
        log: this.log,
        beacon: () => null,
      });
      this.discovery.on('beacon', (b) => {
        if (!this.client && !this.connecting && !this.stopped) void this.connectLoop();
        // a host announcing itself (a new host beacons the moment it listens): try it now
        else if (b.h === b.id) this.wake?.();
      });
      await this.discovery.start();
    }
    return new Promise((resolve) => {
      this.once('connected', resolve);
      void this.connectLoop();
    });
  }

  /** The host to join now: the newest (epoch, id) among hosts' own beacons. */
  bestHost(): Beacon | null {
    let best: Beacon | null = null;
    for (const { beacon: b } of this.discovery?.seen.values() ?? []) {
      if (b.h !== b.id || b.s !== (this.o.session ?? 'lanparty')) continue;
      if (!this.fence.admits(b.e)) continue;
      if (!best || newer(b.e, b.h, best.e, best.h)) best = b;
    }
    return best;
  }

  private async connectLoop(): Promise<void> {
    if (this.connecting) return;
    this.connecting = true;
    try {
      while (!this.stopped && !this.client) {
        const target = this.o.fixedHost ?? (() => {
          const b = this.bestHost();
          return b ? { ip: b.ip, port: b.cp } : null;
        })();
        if (!target) {
          // ask again, but gently: answers are rate-limited per source
          if (performance.now() - this.lastQuery > 500) {
            this.lastQuery = performance.now();
            this.discovery?.query();
          }
          await this.pause(50);
          continue;
        }
        try {
          const c = await LanpartyClient.connect({
            host: target.ip,
            port: target.port,
            mode: this.o.mode ?? 'msgpack',
            transport: this.o.transport ?? 'tcp',
            ...(this.token ? { token: this.token } : {}),
            timeoutMs: 2000,
          });
          if (!this.fence.admits(c.welcome.epoch)) {
            c.close(); // a stale host: fenced
            await this.pause(100);
            continue;
          }
          this.adopt(c);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'BAD_TOKEN' || code === 'TOKEN_EXPIRED') this.token = undefined; // join anew
          await this.pause(100);
        }
      }
    } finally {
      this.connecting = false;
    }
  }

  /** Wait `ms` before the next attempt, or less: until a host's beacon arrives. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private adopt(c: LanpartyClient): void {
    this.client = c;
    let lastHeard = performance.now();
    const heard = () => (lastHeard = performance.now());
    c.on('snapshot', heard);
    c.on('json', heard);
    const watch = setInterval(() => {
      if (performance.now() - lastHeard > (this.o.silenceMs ?? 700)) {
        clearInterval(watch);
        c.close();
      }
    }, 100);
    watch.unref();
    c.once('close', () => clearInterval(watch));
    this.token = c.welcome.token;
    const before = this.fence.maxEpoch;
    this.fence.adopt(c.welcome.epoch);
    if (this.fence.maxEpoch > before) this.emit('epoch', this.fence.maxEpoch);
    if (this.migrating) {
      this.migrating = false;
      this.migrations++;
      this.emit('migrating', false);
    }
    c.once('close', () => {
      if (this.client !== c) return;
      this.client = null;
      if (this.stopped) return;
      this.migrating = true;
      this.emit('migrating', true);
      void this.connectLoop();
    });
    this.emit('connected', c);
  }

  input(buttons: number): void {
    this.client?.input(buttons);
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
    this.discovery?.stop();
  }
}
