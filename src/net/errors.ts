// Stable error codes: what a peer is told (in an error message of its own wire mode) before
// it is closed, and the reasons counted and logged for everything dropped. Codes never
// change meaning; new ones are only added.

export const ErrorCode = {
  /** JSON mode: the 64-byte header is not decimal digits followed by spaces. */
  BAD_HEADER: 'BAD_HEADER',
  /** A negative length was announced. */
  BAD_LENGTH: 'BAD_LENGTH',
  /** An announced frame is larger than the inbound limit (64 KiB by default). */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** The connection ended in the middle of a frame. */
  TRUNCATED_FRAME: 'TRUNCATED_FRAME',
  /** The first bytes are neither the msgpack preamble nor a JSON-mode header. */
  BAD_PREAMBLE: 'BAD_PREAMBLE',
  /** msgpack mode: an unsupported protocol version in the preamble. */
  BAD_VERSION: 'BAD_VERSION',
  /** The payload is not valid JSON / msgpack. */
  BAD_ENCODING: 'BAD_ENCODING',
  /** A message with missing fields or fields of the wrong type. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** A message type the host does not know. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** A message that is valid but not allowed in the connection's state (input before join...). */
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
  /** Too many invalid messages: the peer is closed. */
  TOO_MANY_ERRORS: 'TOO_MANY_ERRORS',
  /** Messages over the per-connection rate: dropped. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** No join within the handshake timeout (5 s by default). */
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  /** The connection cap is reached. */
  SERVER_FULL: 'SERVER_FULL',
  /** The game created no entity for the player in time (refused it for a reason of its own). */
  JOIN_REFUSED: 'JOIN_REFUSED',
  /** The session has as many players as the game allows (the host's --max-players): refused at once. */
  SESSION_FULL: 'SESSION_FULL',
  /** Reconnect token unknown to this host. */
  BAD_TOKEN: 'BAD_TOKEN',
  /** Reconnect token whose grace period is over. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** Reconnect token held by a live connection. */
  TOKEN_IN_USE: 'TOKEN_IN_USE',
  /** The peer stopped reading for too long (10 s by default). */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The host is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The host failed handling this peer's message (a bug): logged, the peer is closed. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** A snapshot could not be decoded (client side). */
  BAD_SNAPSHOT: 'BAD_SNAPSHOT',
  /** The nickname (join.name or nick) is held by another player of the session (case-insensitive). */
  NAME_TAKEN: 'NAME_TAKEN',
  /**
   * The nickname is held by a player whose connection dropped, for the rest of its reconnect
   * grace (the message says how many seconds): free after that, or at once for its token.
   */
  NAME_IN_GRACE: 'NAME_IN_GRACE',
  /** Chat messages over the per-client chat rate: dropped, the sender told once. */
  CHAT_RATE_LIMITED: 'CHAT_RATE_LIMITED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A problem found in bytes from the network: carried as a value, never thrown across the boundary. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export const protocolError = (code: ErrorCode, message: string): ProtocolError => ({ code, message });
