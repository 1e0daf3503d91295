// A shooter simulation in this thread, over its own shared-memory block.
import { createShooter } from '../../src/engine/games/shooter/index.js';
import { Cmd, type Command, type CmdType } from '../../src/engine/input-queue.js';
import { blockBytes, blockViews } from '../../src/engine/layout.js';
import { Simulation } from '../../src/engine/simulation.js';

export function shooterSim(opts: { capacity?: number; seed?: number; maxPlayers?: number; hashChunksPerTick?: number } = {}) {
  const capacity = opts.capacity ?? 2000;
  const game = createShooter({ maxPlayers: opts.maxPlayers ?? 16, capacity });
  const block = blockViews(game.schema, capacity, new SharedArrayBuffer(blockBytes(game.schema, capacity)), 0);
  return new Simulation(game, block, { capacity, seed: opts.seed ?? 7, hashChunksPerTick: opts.hashChunksPerTick });
}

export const cmd = (type: CmdType, client: number, seq = 0, buttons = 0): Command => ({
  type,
  client,
  seq,
  buttons,
  ax: 0,
  ay: 0,
});

/** A deterministic script of joins, leaves and inputs for `ticks` ticks (its own tiny LCG). */
export function* scriptedCommands(ticks: number, seed = 1): Generator<Command[]> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const seq = new Map<number, number>();
  const present = new Set<number>();
  for (let t = 0; t < ticks; t++) {
    const out: Command[] = [];
    if (t === 0) for (const c of [1, 2, 3]) out.push(cmd(Cmd.JOIN, c)), present.add(c), seq.set(c, 0);
    if (t === 2500) out.push(cmd(Cmd.JOIN, 4)), present.add(4), seq.set(4, 0);
    if (t === 6000 && present.delete(2)) out.push(cmd(Cmd.LEAVE, 2));
    for (const c of present) {
      if (rnd() < 0.8) {
        const n = seq.get(c)! + 1;
        seq.set(c, n);
        out.push(cmd(Cmd.INPUT, c, n, Math.floor(rnd() * 32)));
      }
    }
    yield out;
  }
}
