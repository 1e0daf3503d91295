// Recordings: the seed, the game's options and every command in the order it arrived, per
// tick, with the state hash after that tick. Replaying them through the same Simulation
// must give the identical hash at every tick; `lanparty replay FILE` checks exactly that.
//
// Format: JSON lines.
//   {"kind":"header","format":"lanparty-recording","version":2,"game":"shooter",
//    "gameOptions":{...},"capacity":100000,"seed":42,"hz":60,"hashChunksPerTick":128}
//   {"kind":"checkpoint","tick":T,"maxEid":M,"globals":[...],"order":"<base64>","fields":["<base64>",...]}
//        (only after a watchdog restart: the full state the new worker resumed from)
//   {"t":T,"h":"<16 hex>","c":[[type,client,seq,buttons,ax,ay],...]}
//        (state after tick T; "c" = commands that arrived before T ran, omitted when none)
//
// Versions: 2 hashes the state with hash.ts, covering large states in turns of
// hashChunksPerTick chunks; 1 (the same lines, no hashChunksPerTick) hashed it whole with
// hash-v1.ts. Both replay.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { getGame } from './game.js';
import { HASH_CHUNKS_PER_TICK, hashToHex, type Hash64 } from './hash.js';
import type { Command, CmdType } from './input-queue.js';
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';
import { blockBytes, blockViews } from './layout.js';
import { Simulation, type HashVersion } from './simulation.js';

export const RECORDING_FORMAT = 'lanparty-recording';
export const RECORDING_VERSION = 2;
/** Recording version -> the state hash its "h" values were computed with. */
const HASH_OF_VERSION = new Map<unknown, HashVersion>([
  [1, 1],
  [2, 2],
]);

export interface RecordingHeader {
  kind: 'header';
  format: typeof RECORDING_FORMAT;
  version: number;
  game: string;
  gameOptions: Record<string, unknown>;
  capacity: number;
  seed: number;
  hz: number;
  /** Version 2: the schedule the hashes were computed with (hash.ts). */
  hashChunksPerTick?: number;
}

/** A checkpoint line (checkpoint.ts) with its bytes in base64. */
export interface CheckpointLine {
  kind: 'checkpoint';
  tick: number;
  maxEid: number;
  globals: number[];
  order: string;
  fields: string[];
}

interface TickLine {
  t: number;
  h: string;
  c?: number[][];
}

const b64 = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

export function checkpointLine(cp: Checkpoint): CheckpointLine {
  return {
    kind: 'checkpoint',
    tick: cp.tick,
    maxEid: cp.maxEid,
    globals: Array.from(cp.globals),
    order: b64(cp.order),
    fields: cp.fields.map(b64),
  };
}

function fromLine(l: CheckpointLine): Checkpoint {
  return {
    tick: l.tick,
    maxEid: l.maxEid,
    globals: Float64Array.from(l.globals),
    order: unb64(l.order),
    fields: l.fields.map(unb64),
  };
}

/** Appends a recording as the simulation runs; buffered, flushed every `flushEvery` ticks. */
export class Recorder {
  private readonly fd: number;
  private lines: string[] = [];

  constructor(
    path: string,
    header: Omit<RecordingHeader, 'kind' | 'format' | 'version'>,
    append = false,
    private readonly flushEvery = 60,
  ) {
    this.fd = openSync(path, append ? 'a' : 'w');
    if (!append) {
      const head: RecordingHeader = {
        kind: 'header',
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        ...header,
        hashChunksPerTick: header.hashChunksPerTick ?? HASH_CHUNKS_PER_TICK,
      };
      this.lines.push(JSON.stringify(head));
    }
  }

  checkpoint(cp: Checkpoint): void {
    this.lines.push(JSON.stringify(checkpointLine(cp)));
    this.flush();
  }

  tick(t: number, arrived: readonly Command[], hash: Hash64): void {
    const line: TickLine = { t, h: hashToHex(hash) };
    if (arrived.length) line.c = arrived.map((c) => [c.type, c.client, c.seq, c.buttons, c.ax, c.ay]);
    this.lines.push(JSON.stringify(line));
    if (this.lines.length >= this.flushEvery) this.flush();
  }

  flush(): void {
    if (!this.lines.length) return;
    writeSync(this.fd, this.lines.join('\n') + '\n');
    this.lines = [];
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface ReplayResult {
  ok: boolean;
  ticks: number;
  checkpoints: number;
  firstTick: number;
  lastTick: number;
  finalHash: string;
  /** First divergence, when not ok. */
  mismatch?: { tick: number; expected: string; actual: string } | undefined;
  error?: string | undefined;
}

/** Re-run a recording and compare the hash at every tick. */
export function verifyRecording(text: string): ReplayResult {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const fail = (error: string): ReplayResult => ({
    ok: false,
    ticks: 0,
    checkpoints: 0,
    firstTick: -1,
    lastTick: -1,
    finalHash: '',
    error,
  });
  if (!lines.length) return fail('empty recording');
  let header: RecordingHeader;
  try {
    header = JSON.parse(lines[0]!) as RecordingHeader;
  } catch {
    return fail('line 1: not JSON');
  }
  if (header.kind !== 'header' || header.format !== RECORDING_FORMAT) return fail('line 1: not a lanparty recording header');
  const hashVersion = HASH_OF_VERSION.get(header.version);
  if (hashVersion === undefined) return fail(`unsupported recording version ${header.version}`);

  const game = getGame(header.game).create({ ...header.gameOptions, capacity: header.capacity });
  const block = blockViews(game.schema, header.capacity, new SharedArrayBuffer(blockBytes(game.schema, header.capacity)), 0);
  const chunks = header.hashChunksPerTick;
  if (hashVersion === 2 && !(Number.isInteger(chunks) && chunks! >= 1)) return fail('line 1: hashChunksPerTick must be an integer >= 1');
  const opts = { capacity: header.capacity, seed: header.seed, hz: header.hz, hashVersion, hashChunksPerTick: chunks };
  let sim = new Simulation(game, block, opts);
  const result: ReplayResult = { ok: true, ticks: 0, checkpoints: 0, firstTick: -1, lastTick: -1, finalHash: '' };

  for (let i = 1; i < lines.length; i++) {
    let rec: TickLine | CheckpointLine;
    try {
      rec = JSON.parse(lines[i]!) as TickLine | CheckpointLine;
    } catch {
      return { ...result, ok: false, error: `line ${i + 1}: not JSON` };
    }
    if ('kind' in rec && rec.kind === 'checkpoint') {
      loadCheckpoint(fromLine(rec), block);
      sim = new Simulation(game, block, { ...opts, restore: true });
      result.checkpoints++;
      continue;
    }
    const line = rec as TickLine;
    if (line.t !== sim.tick + 1) {
      return { ...result, ok: false, error: `line ${i + 1}: tick ${line.t} does not follow tick ${sim.tick}` };
    }
    const cmds: Command[] = (line.c ?? []).map(([type, client, seq, buttons, ax, ay]) => ({
      type: type as CmdType,
      client: client!,
      seq: seq!,
      buttons: buttons!,
      ax: ax!,
      ay: ay!,
    }));
    sim.step(cmds);
    const actual = hashToHex(sim.lastHash);
    if (result.firstTick < 0) result.firstTick = line.t;
    result.lastTick = line.t;
    result.ticks++;
    result.finalHash = actual;
    if (actual !== line.h) return { ...result, ok: false, mismatch: { tick: line.t, expected: line.h, actual } };
  }
  return result;
}

export function verifyRecordingFile(path: string): ReplayResult {
  return verifyRecording(readFileSync(path, 'utf8'));
}
