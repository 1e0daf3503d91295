// The input rules, applied by the sim worker at the start of every tick. Deterministic:
// the outcome depends only on the order commands arrived in, which a recording keeps.
//
// 1. A command that has arrived when tick T starts is taken into account in tick T.
// 2. JOIN and LEAVE are applied in arrival order, before any input of the tick.
// 3. Each client's inputs must carry increasing sequence numbers; one whose seq is not
//    above the newest seen from that client is a duplicate (clients resend their last
//    inputs for redundancy) and is dropped as "input.duplicate".
// 4. At most one input per client is applied per tick. Up to BACKLOG more wait for the next
//    ticks (a burst after a stall is spread out, not lost); when more arrive, the oldest
//    waiting ones are dropped ("input.backlog"): the newest key state matters most.
// 5. An input from a client that has not joined is dropped ("input.unknown-client").

import { Cmd, type Command } from './input-queue.js';

export const INPUT_BACKLOG = 3;

interface ClientInputs {
  newestSeq: number;
  waiting: Command[];
  /** The client's entity (-1 until the game gave it one): saves a lookup per input. */
  eid: number;
}

export class InputRules {
  private readonly clients = new Map<number, ClientInputs>();

  constructor(private readonly drop: (reason: string) => void) {}

  /** Order of arrival in; membership changes out immediately, inputs queued per client. */
  arrive(cmd: Command, membership: (cmd: Command) => void): void {
    switch (cmd.type) {
      case Cmd.JOIN:
        if (this.clients.has(cmd.client)) {
          this.drop('join.duplicate');
          return;
        }
        this.clients.set(cmd.client, { newestSeq: -1, waiting: [], eid: -1 });
        membership(cmd);
        return;
      case Cmd.LEAVE:
        if (!this.clients.delete(cmd.client)) {
          this.drop('leave.unknown-client');
          return;
        }
        membership(cmd);
        return;
      case Cmd.INPUT: {
        const c = this.clients.get(cmd.client);
        if (!c) return this.drop('input.unknown-client');
        if (cmd.seq <= c.newestSeq) return this.drop('input.duplicate');
        c.newestSeq = cmd.seq;
        c.waiting.push(cmd);
        if (c.waiting.length > INPUT_BACKLOG + 1) {
          c.waiting.shift();
          this.drop('input.backlog');
        }
        return;
      }
      default:
        this.drop('command.unknown-type');
    }
  }

  /** The inputs applied this tick: at most one per client, in join order, with the client's entity. */
  takeForTick(apply: (cmd: Command, eid: number) => void): void {
    for (const c of this.clients.values()) {
      if (c.waiting.length === 0) continue;
      apply(c.waiting.shift()!, c.eid);
    }
  }

  /** The game gave a joined client its entity. */
  bindEntity(client: number, eid: number): void {
    const c = this.clients.get(client);
    if (c) c.eid = eid;
  }

  /** After a restore: clients already in the world are known (their pending inputs are gone). */
  adoptClient(client: number, eid: number): void {
    if (!this.clients.has(client)) this.clients.set(client, { newestSeq: -1, waiting: [], eid });
  }

  has(client: number): boolean {
    return this.clients.has(client);
  }
}
