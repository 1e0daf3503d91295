// Messages between the connection layer and the encode workers.

export interface EncodeWorkerData {
  game: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  ringBuffer: SharedArrayBuffer;
}

export interface EncodeTask {
  tick: number;
  /** One payload per entry: -1 for a full snapshot, else the acknowledged base tick. */
  bases: number[];
  /** Also build the JSON-mode full snapshot. */
  json: boolean;
  /**
   * Games with per-client visibility (GameDef.visibility): one payload per client, holding
   * only what the player `self` may see, in its mode.
   */
  perClient?: Array<{ base: number; self: number; json: boolean }>;
}

export interface EncodeResult {
  tick: number;
  /** Framed msgpack snapshots, in `bases` order; null when the tick was no longer readable. */
  frames: Array<Uint8Array | null>;
  /** The framed JSON snapshot, when asked for and readable. */
  json: Uint8Array | null;
  /** Framed payloads in `perClient` order (null: not readable). */
  perClient?: Array<Uint8Array | null>;
}
