// Options of the terminal client (runner.ts).

import type { ClientOptions, LanpartyClient } from '../net/client/client.js';
import type { ColorDepth } from './diff.js';

export interface TerminalClientOptions {
  host: string;
  port: number;
  /** Wire mode. Default 'msgpack'. */
  mode?: 'msgpack' | 'json';
  /** 'udp': datagrams (UDP mode); 'auto': UDP, falling back to TCP when UDP gets no answer in 1 s. Default 'tcp'. */
  transport?: 'tcp' | 'udp' | 'auto';
  out?: NodeJS.WriteStream;
  in?: NodeJS.ReadStream;
  name?: string;
  /** Session token of an earlier connection (rejoin the same ship). */
  token?: string;
  /** Frames per second at most. Default 60. */
  fps?: number;
  /** Legacy terminals: how long a key counts as held after its last press / repeat (ms). Default 150. */
  holdMs?: number;
  /** Ask for the kitty keyboard protocol (key release events). Default true. */
  kitty?: boolean;
  /** Default: truecolor when COLORTERM says so, else 256 colours. */
  colors?: ColorDepth;
  /** The world's size (the shooter's width / height options). Default 750 x 750. */
  worldWidth?: number;
  worldHeight?: number;
  /** How long to keep trying to re-establish a dropped connection (ms). Default 15000. */
  reconnectMs?: number;
  connectTimeoutMs?: number;
  /** SIGINT / SIGTERM / SIGHUP: restore the terminal, then end the process with the signal. Default true. */
  exitOnSignal?: boolean;
  /** For tests: how to connect, and the clock. */
  connect?: (o: ClientOptions) => Promise<LanpartyClient>;
  now?: () => number;
}

export interface HostAddress {
  host: string;
  port: number;
}
