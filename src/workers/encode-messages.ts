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
}

export interface EncodeResult {
  tick: number;
  /** Framed msgpack snapshots, in `bases` order; null when the tick was no longer readable. */
  frames: Array<Uint8Array | null>;
  /** The framed JSON snapshot, when asked for and readable. */
  json: Uint8Array | null;
}
