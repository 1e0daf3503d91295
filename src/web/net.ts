// The page's connection to the host: a WebSocket on the page's own host and port (/ws),
// one binary message per protocol message (docs/protocol.md, "WebSocket mode"), and the
// shared ClientSession (src/client-core/session.ts) for everything the protocol means.
// Reconnects after a drop with the session token (./reconnect.ts).

import { Packr, Unpackr } from 'msgpackr';
import { ClientSession, type SessionEvents } from '../client-core/session.js';
import { PROTOCOL_VERSION, type ErrorMsg, type JoinMsg } from '../net/protocol/messages.js';
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
  private readonly reconnect: Reconnect;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly events: WebClientEvents,
    store: Storage = sessionStorage,
  ) {
    this.reconnect = new Reconnect(store);
  }

  start(): void {
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    const session = new ClientSession(false, (m) => this.send(ws, m), {
      ...this.events,
      welcomed: () => {
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
      const join: JoinMsg = { type: 'join', protocol: PROTOCOL_VERSION };
      const token = this.reconnect.token;
      if (token) join.token = token;
      else if (this.name) join.name = this.name;
      this.send(ws, join);
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
      if (typeof m === 'object' && m !== null) session.message(m as Record<string, unknown>);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setLink('reconnecting');
      this.timer = setTimeout(() => this.start(), this.reconnect.nextDelay());
    };
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
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }
}
