import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/engine/games/index.js';
import { hashRound, hashToHex } from '../../src/engine/hash.js';
import { Recorder, verifyRecording, verifyRecordingFile } from '../../src/engine/recording.js';
import { scriptedCommands, shooterSim } from '../helpers/shooter-sim.js';

const TICKS = 10_000;

function record(path: string, seed: number, hashChunksPerTick?: number): string[] {
  const sim = shooterSim({ seed, capacity: 2000, hashChunksPerTick });
  const rec = new Recorder(path, { game: 'shooter', gameOptions: { maxPlayers: 16 }, capacity: 2000, seed, hz: 60, hashChunksPerTick });
  const hashes: string[] = [];
  sim.observer = (t, arrived, hash) => {
    rec.tick(t, arrived, hash);
    hashes.push(hashToHex(hash));
  };
  for (const cmds of scriptedCommands(TICKS)) sim.step(cmds);
  rec.close();
  return hashes;
}

describe('determinism and replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanparty-replay-'));

  it('replay: a 10,000-tick recording replays to the identical hash at every tick', () => {
    const path = join(dir, 'a.jsonl');
    const hashes = record(path, 42);
    expect(new Set(hashes).size).toBeGreaterThan(TICKS * 0.9); // the state really changes
    const r = verifyRecordingFile(path);
    expect(r.error).toBeUndefined();
    expect(r.mismatch).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.ticks).toBe(TICKS);
    expect(r.finalHash).toBe(hashes[TICKS - 1]);
  });

  it('replay: the same seed and inputs give the same hashes; another seed does not', () => {
    const a = record(join(dir, 'b1.jsonl'), 42);
    const b = record(join(dir, 'b2.jsonl'), 42);
    const c = record(join(dir, 'b3.jsonl'), 43);
    expect(b).toEqual(a);
    expect(c.filter((h, i) => h !== a[i]).length).toBeGreaterThan(TICKS / 2);
  });

  for (const chunksPerTick of [undefined, 1]) {
    // undefined: the default, this small world is hashed whole every tick; 1: one chunk per
    // tick, the world in turns of about 20 ticks (as a large world would be)
    const how = chunksPerTick === undefined ? 'hashed whole every tick' : 'hashed in turns';
    it(`replay: a recording (${how}) with one input altered is caught once it diverges`, () => {
      const path = join(dir, `c${chunksPerTick ?? ''}.jsonl`);
      record(path, 42, chunksPerTick);
      expect(verifyRecordingFile(path).ok).toBe(true);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      // change the buttons of one input around tick 3000 to "fire + left"
      const at = lines.findIndex((l, i) => i > 3000 && l.includes('"c":[[1,'));
      const rec = JSON.parse(lines[at]!);
      rec.c[0][3] = rec.c[0][3] === 17 ? 18 : 17;
      lines[at] = JSON.stringify(rec);
      writeFileSync(path, lines.join('\n'));
      const r = verifyRecordingFile(path);
      expect(r.ok).toBe(false);
      expect(r.mismatch?.tick).toBeGreaterThanOrEqual(rec.t);
    });
  }

  it('determinism check: a corrupted byte anywhere in the networked state is caught within one round of hashing', () => {
    // twin simulations, the same inputs; one byte of row 0 (never written by the game, so the
    // corruption stays) of each networked field in turn is flipped in the twin: its hashes
    // must part from the original's within `round` ticks
    const hashChunksPerTick = 1;
    const a = shooterSim({ seed: 5, capacity: 2000, hashChunksPerTick });
    const b = shooterSim({ seed: 5, capacity: 2000, hashChunksPerTick });
    const script = [...scriptedCommands(400)];
    const step = (t: number) => {
      a.step(script[t]!);
      b.step(script[t]!);
    };
    let t = 0;
    for (; t < 100; t++) step(t);
    const schema = a.game.schema;
    const round = hashRound(schema, a.maxEid, hashChunksPerTick);
    expect(round).toBeGreaterThan(10);
    for (const i of schema.fields.flatMap((f, k) => (f.networked ? [k] : []))) {
      const field = b.world.block.fields[i]!;
      const before = field[0]!;
      field[0] = 1;
      let caught = -1;
      for (let k = 0; k < round && caught < 0; k++, t++) {
        step(t);
        if (hashToHex(a.lastHash) !== hashToHex(b.lastHash)) caught = k;
      }
      expect(caught, `${schema.fields[i]!.key} corrupted`).toBeGreaterThanOrEqual(0);
      field[0] = before;
      step(t++);
      expect(hashToHex(b.lastHash)).toBe(hashToHex(a.lastHash));
    }
  });

  it('replay: a version 1 recording (Map-based input rules, the first hash) still replays exactly', () => {
    // recorded at commit f6c0d69 (test/engine/fixtures/recording-v1.jsonl): a 4-player shooter
    // with joins past the limit, leaves, rejoins in one tick, local bot ids, resent, stale and
    // bursty inputs, and a checkpoint restore at tick 250. It pins the input rules and the
    // version 1 hash as they were.
    const r = verifyRecordingFile(new URL('./fixtures/recording-v1.jsonl', import.meta.url).pathname);
    expect(r.error).toBeUndefined();
    expect(r.mismatch).toBeUndefined();
    expect(r).toMatchObject({ ok: true, ticks: 500, checkpoints: 1, finalHash: '5d19f620bb697731' });
  });

  it('replay: malformed recordings are reported, not thrown', () => {
    expect(verifyRecording('').error).toMatch(/empty/);
    expect(verifyRecording('{nope').error).toMatch(/not JSON/);
    expect(verifyRecording('{"kind":"header","format":"other"}').error).toMatch(/not a lanparty recording/);
    const header = JSON.stringify({ kind: 'header', format: 'lanparty-recording', version: 1, game: 'shooter', gameOptions: {}, capacity: 100, seed: 1, hz: 60 });
    expect(verifyRecording(`${header}\n{"t":5,"h":"00"}`).error).toMatch(/does not follow/);
  });
});
