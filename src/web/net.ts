// The page's connection to the host: a WebSocket on the page's own host and port (/ws),
// one binary message per protocol message (docs/protocol.md, "WebSocket mode"), and the
// shared ClientSession (src/client-core/session.ts) for everything the protocol means.
// Reconnects after a drop with the session token (./reconnect.ts), to the same host or, in
// a LAN session, to the next one (./migrate.ts).

import { Packr, Unpackr } from 'msgpackr';
import { ClientSession, type SessionEvents } from '../client-core/session.js';
import type { ErrorMsg } from '../net/protocol/messages.js';
import type { HostAddress } from '../client-core/succession.js';
import { PageFollow, probe, SILENCE_MS, WELCOME_TIMEOUT_MS } from './migrate.js';
import { Reconnect } from './reconnect.js';
import type { LinkState } from './screens.js';

export type { LinkState };

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });


export interface WebClientEvents extends Omit<SessionEvents, 'hostError'> {
  hostError(error: ErrorMsg): void;
  state(s: LinkState, why?: string): void;
}

export class WebClient {
  session!: ClientSession;
  bytesIn = 0;
  link: LinkState = 'connecting';
  private ws: WebSocket | null = null;
  /** Which host to try next (LAN sessions: the host's peer list), and migration timings. */
  readonly follow: PageFollow;
  private readonly reconnect: Reconnect;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastHeard = 0;
  private stopped = false;
  private readonly watch: ReturnType<typeof setInterval>;

  constructor(
    first: HostAddress,
    private readonly name: string,
    private readonly events: WebClientEvents,
    store: Storage = sessionStorage,
  ) {
    this.reconnect = new Reconnect(store);
    this.follow = new PageFollow(first, (line) => console.warn(line));
    this.watch = setInterval(() => {
      // a host that vanished without closing (power cut, cable): give up on its link
      if (this.ws && this.link === 'playing' && performance.now() - this.lastHeard > SILENCE_MS) this.drop(this.ws, 'silent');
    }, 250);
  }

  /** Try the next host: a WebSocket only once its port answers (see probe in ./migrate.ts). */
  start(): void {
    const at = this.follow.succession.target;
    this.follow.note(performance.now(), 'probe');
    void probe(at).then((up) => {
      if (this.stopped || at !== this.follow.succession.target) return;
      if (up) this.connect();
      else this.retry('no answer');
    });
  }

  private connect(): void {
    const ws = new WebSocket(this.follow.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    const giveUp = setTimeout(() => this.drop(ws, 'no welcome in time'), WELCOME_TIMEOUT_MS);
    this.follow.note(performance.now(), 'try');
    const session = new ClientSession(false, (m) => this.send(ws, m), {
      ...this.events,
      welcomed: () => {
        clearTimeout(giveUp);
        if (!this.follow.welcomed(session.welcome.epoch)) return this.drop(ws, 'fenced');
        this.follow.note(performance.now(), `welcomed at epoch ${session.welcome.epoch}`);
        this.lastHeard = performance.now();
        this.reconnect.welcomed(session.welcome.token);
        this.setLink('playing');
        this.events.welcomed();
      },
      hostError: (e) => {
        if (this.link !== 'playing') this.reconnect.refused(e.code);
        this.events.hostError(e);
      },
    });
    this.session = session;
    ws.onopen = () => {
      this.follow.note(performance.now(), 'open');
      const token = this.reconnect.token;
      this.send(ws, session.join(token ? { token } : { name: this.name }));
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      this.bytesIn += ev.data.byteLength;
      let m: unknown;
      try {
        m = unpackr.unpack(new Uint8Array(ev.data));
      } catch {
        session.decodeErrors++;
        return;
      }
      if (typeof m !== 'object' || m === null) return;
      this.lastHeard = performance.now();
      if (this.follow.message(m as Record<string, unknown>)) return;
      session.message(m as Record<string, unknown>);
      if ((m as { type?: unknown }).type === 'snapshot') this.follow.snapshot(performance.now());
    };
    ws.onclose = (ev) => {
      clearTimeout(giveUp);
      this.drop(ws, `closed ${ev.code}`);
    };
  }

  /** Done with this link (closed, silent, too slow, fenced): try the next host. */
  private drop(ws: WebSocket, why: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    ws.onclose = ws.onmessage = ws.onopen = null;
    ws.close();
    this.retry(why);
  }

  private retry(why: string): void {
    this.follow.note(performance.now(), why);
    if (this.stopped) return;
    const delay = this.follow.lost(this.link === 'playing', performance.now());
    this.setLink(this.follow.lan ? 'migrating' : 'reconnecting');
    this.timer = setTimeout(() => this.start(), delay);
  }

  private send(ws: WebSocket, message: unknown): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(packr.pack(message));
  }

  private setLink(s: LinkState): void {
    this.link = s;
    this.events.state(s);
  }

  get open(): boolean {
    return this.link === 'playing' && this.ws !== null;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watch);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }
}
