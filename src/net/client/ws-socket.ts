// A client's WebSocket to a host (ws://HOST:PORT/ws, docs/protocol.md "WebSocket mode"),
// shaped like the TCP socket the client library uses: events 'connect', 'error', 'close';
// write / end / destroy. Two differences, because WebSocket frames the messages itself:
//
//   write(payload)   sends one msgpack payload as one binary message (no length prefix, and
//                    no LPMP preamble is ever written)
//   'message'        (payload, wireBytes) per binary message, instead of a byte stream on 'data'
//
// wireBytes is the payload plus the WebSocket header the host framed it with (2 bytes up to
// 125, 4 up to 65,535, else 10; host frames are unmasked): what the TCP client counts is also
// every byte on the wire (its 4-byte length prefixes included), so bytes per client compare
// across transports. Used by LanpartyClient (transport 'ws') and so by the load bench.

import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

export interface WsSocketOptions {
  host: string;
  port: number;
  /** Local address to connect from (the host limits WebSocket upgrades per address). */
  localAddress?: string;
  /** Largest message accepted from the host (default 16 MiB, as over TCP). */
  maxPayload?: number;
}

/** Bytes of a host-to-client WebSocket frame carrying `n` payload bytes (RFC 6455 5.2, unmasked). */
export function wsFrameBytes(n: number): number {
  return n + (n <= 125 ? 2 : n <= 0xffff ? 4 : 10);
}

export class WsClientSocket extends EventEmitter {
  private readonly ws: WebSocket;

  constructor(o: WsSocketOptions) {
    super();
    // no permessage-deflate: the host refuses extensions, and offering one only costs the handshake
    this.ws = new WebSocket(`ws://${o.host}:${o.port}/ws`, {
      perMessageDeflate: false,
      maxPayload: o.maxPayload ?? 16 * 1024 * 1024,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    this.ws.on('open', () => this.emit('connect'));
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      // the host sends binary messages only; a text one is not the protocol
      if (isBinary) this.emit('message', data, wsFrameBytes(data.length));
    });
    // an upgrade the host refused (503 over its upgrade rate, 404...) comes as an error too
    this.ws.on('error', (err) => this.emit('error', err));
    this.ws.on('close', () => this.emit('close'));
  }

  /** Send one payload as one binary message. */
  write(payload: Uint8Array): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(payload, { binary: true });
    return true;
  }

  /** Close normally (1000); 'close' follows once the host answers. */
  end(): void {
    if (this.ws.readyState === WebSocket.CONNECTING) return this.destroy();
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
