// The HTTP front of the game port: a connection whose first bytes are an HTTP request line
// (connection.ts) is handed here. A node:http server that never listens parses it:
//
//   GET <a path of WEB_FILES>       -> the file (./static-files.ts), then close
//   GET /ws + Upgrade: websocket    -> ws handshake -> WsConnection (msgpack, ./ws-connection.ts)
//   GET <anything else>             -> 404
//   any other method                -> 405
//   head over maxHeaderBytes        -> 431      unparsable             -> 400
//   no whole request in headTimeoutMs (slowloris)                      -> 408, cut
//   over maxSockets HTTP sockets at once, over the upgrade rate        -> 503
//   (the upgrade rate is per remote address: ./upgrade-buckets.ts)
//
// Every refusal is counted under its DropReason and logged (rate-limited, drops.ts). One
// request per connection (Connection: close): a page loads three files, and a socket that
// stays open is one a slowloris could hold.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DropReason, type DropCounter } from './drops.js';
import type { StaticFile } from './static-files.js';
import { UpgradeBuckets } from './upgrade-buckets.js';

export interface HttpLimits {
  /** Bytes of request line + headers. */
  maxHeaderBytes: number;
  /** Time for a whole request head to arrive (and its answer to be written). */
  headTimeoutMs: number;
  /** HTTP sockets open at once (upgraded WebSockets are not HTTP sockets any more). */
  maxSockets: number;
  /** WebSocket upgrades per second from one address, and the burst above it. */
  upgradesPerSecond: number;
  upgradeBurst: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 8 * 1024,
  headTimeoutMs: 5000,
  maxSockets: 64,
  upgradesPerSecond: 20,
  upgradeBurst: 40,
};

/** The path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

export interface HttpFrontEvents {
  /** A WebSocket is open on `socket`: it is a game peer now. */
  ws(ws: WebSocket, socket: Socket): void;
  /** A file was served (counted). */
  served(): void;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** A minimal answer written straight to a socket no parser owns any more, then the socket is closed. */
function rawAnswer(socket: Socket, status: number): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // the page talks to game ports only (its own, or a new host's after a migration, which it
  // first probes over HTTP: src/web/migrate.ts); the snapshot codec compiles its gather
  // functions (new Function), hence 'unsafe-eval'
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; connect-src 'self' ws: http:; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'Cache-Control': 'no-cache',
};

export class HttpFront {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<Socket, NodeJS.Timeout>();
  private readonly upgrades: UpgradeBuckets;

  constructor(
    private readonly files: ReadonlyMap<string, StaticFile>,
    private readonly limits: HttpLimits,
    maxPayload: number,
    private readonly drops: DropCounter,
    private readonly events: HttpFrontEvents,
  ) {
    this.upgrades = new UpgradeBuckets(limits.upgradesPerSecond, limits.upgradeBurst);
    this.server = createServer({ maxHeaderSize: limits.maxHeaderBytes, keepAlive: false }, (req, res) => this.request(req, res));
    // the checks of headersTimeout/requestTimeout run only on a listening server: ours never
    // listens, so the head timeout is a timer per socket (take())
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('clientError', (err: Error & { code?: string }, socket: Socket) => this.clientError(err, socket));
    this.wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false, autoPong: false });
    this.wss.on('wsClientError', (err: Error, socket: Socket) => {
      this.drops.count(DropReason.WS_BAD_UPGRADE, { why: err.message });
      this.release(socket);
      rawAnswer(socket, 400);
    });
  }

  /** A socket whose first bytes (`head`) are an HTTP request line. */
  take(socket: Socket, head: Buffer): void {
    if (this.sockets.size >= this.limits.maxSockets) {
      this.drops.count(DropReason.HTTP_TOO_MANY, { remote: socket.remoteAddress, max: this.limits.maxSockets });
      return rawAnswer(socket, 503);
    }
    const timer = setTimeout(() => {
      this.drops.count(DropReason.HTTP_TIMEOUT, { remote: socket.remoteAddress, ms: this.limits.headTimeoutMs });
      this.release(socket);
      rawAnswer(socket, 408);
    }, this.limits.headTimeoutMs);
    timer.unref();
    this.sockets.set(socket, timer);
    socket.once('close', () => this.release(socket));
    socket.on('error', () => {}); // resets are normal; 'close' follows
    socket.unshift(head);
    this.server.emit('connection', socket);
  }

  /** The socket is no longer an HTTP socket of ours (closed, timed out, or a WebSocket now). */
  private release(socket: Socket): void {
    const timer = this.sockets.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.sockets.delete(socket);
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    res.shouldKeepAlive = false;
    if (req.method !== 'GET') {
      this.drops.count(DropReason.HTTP_BAD_METHOD, { method: req.method });
      res.writeHead(405, { Allow: 'GET', 'Content-Length': 0, ...SECURITY_HEADERS }).end();
      return;
    }
    const path = (req.url ?? '').split('?', 1)[0]!;
    const file = this.files.get(path);
    if (!file) {
      this.drops.count(DropReason.HTTP_NOT_FOUND, { path: path.slice(0, 100) });
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('not found\n');
      return;
    }
    const gzip = file.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip! : file.body;
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': body.length,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      Vary: 'Accept-Encoding',
      ...SECURITY_HEADERS,
    });
    res.end(body);
    this.events.served();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '').split('?', 1)[0]!;
    if (path !== WS_PATH || req.method !== 'GET') {
      this.drops.count(DropReason.HTTP_NOT_FOUND, { path: path.slice(0, 100), upgrade: true });
      this.release(socket);
      return rawAnswer(socket, 404);
    }
    if (!this.upgrades.take(socket.remoteAddress ?? '', performance.now())) {
      this.drops.count(DropReason.WS_UPGRADE_FLOOD, { remote: socket.remoteAddress });
      this.release(socket);
      return rawAnswer(socket, 503);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.release(socket);
      this.events.ws(ws, socket);
    });
  }

  private clientError(err: Error & { code?: string }, socket: Socket): void {
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    if (err.code === 'ECONNRESET') return void socket.destroy();
    this.drops.count(tooLarge ? DropReason.HTTP_HEAD_TOO_LARGE : DropReason.HTTP_BAD_REQUEST, { why: err.code ?? err.message });
    this.release(socket);
    rawAnswer(socket, tooLarge ? 431 : 400);
  }

  /** HTTP sockets open now. */
  get open(): number {
    return this.sockets.size;
  }

  /** Cut every HTTP socket (shutdown); WebSockets are Connections and closed with them. */
  close(): void {
    for (const [socket, timer] of this.sockets) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.sockets.clear();
    this.server.close();
  }
}
