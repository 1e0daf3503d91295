// The Colyseus room of the load benchmark: E entities bouncing in a 1000x1000 world plus one
// player per client, simulated at a fixed 60 Hz and patched to every client at 20 or 60 Hz.
//
// Schema types: x/y are `number`, the type the Colyseus README and tutorials use for positions
// (and what a user picks without tuning). On the wire a non-integer `number` in this range is a
// float32 behind a one-byte msgpack prefix (5 bytes). `t` is `float64` because a ms timestamp
// needs the precision. Entities and players are MapSchemas keyed by id / sessionId, the usual
// shape; velocities and directions are server-only, so they live outside the schema.
//
// The loop is `setFixedTimestep(step, 60)`: Colyseus 0.18's fixed-dt loop (accumulator, at most 5
// catch-up steps), the same contract as lanparty's TickLoop. Every entity moves every tick, so
// every patch carries every entity: the worst case both systems are meant to be compared on.
import { Room, type Client, type StepContext } from '@colyseus/core';
import { Encoder, schema, t, type SchemaType } from '@colyseus/schema';

export const WORLD = 1000;
export const MAX_SPEED = 140; // px/s, entities and players alike
export const SIM_HZ = 60;

export const Entity = schema({ x: t.number(), y: t.number() }, 'Entity');
export type Entity = SchemaType<typeof Entity>;
export const Player = schema({ x: t.number(), y: t.number() }, 'Player');
export type Player = SchemaType<typeof Player>;
export const BenchState = schema(
  {
    // Server time (performance.timeOrigin + performance.now(), ms) of the patch being sent: the
    // clients' latency reference. One field in the patch every client gets anyway costs ~10 bytes
    // and no extra frame; a broadcast message per patch would double the frames sent.
    t: t.float64(),
    entities: t.map(Entity),
    players: t.map(Player),
  },
  'BenchState',
);
export type BenchState = SchemaType<typeof BenchState>;

export interface BenchOptions {
  entities: number;
  sendHz: number;
  seed: number;
}

/** What host.ts samples once a second; the room appends, the host drains. */
export const roomStats = {
  clients: 0,
  ticks: 0, // fixed steps run, cumulative
  tickMs: [] as number[],
  patchMs: [] as number[],
  firstTickAt: 0, // performance.now() of the first step, for skipped-tick accounting
};

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same world in both systems. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

// Direction byte 1..8 = the eight compass directions (1 = east, counter-clockwise); 0 = stand.
const DIR_X = [0, 1, Math.SQRT1_2, 0, -Math.SQRT1_2, -1, -Math.SQRT1_2, 0, Math.SQRT1_2];
const DIR_Y = [0, 0, -Math.SQRT1_2, -1, -Math.SQRT1_2, 0, Math.SQRT1_2, 1, Math.SQRT1_2];

interface Mover {
  e: Entity;
  vx: number;
  vy: number;
}

export class BenchRoom extends Room<{ state: BenchState }> {
  override maxClients = 2000;
  override autoDispose = false; // the room is created before any client and must outlive them
  private movers: Mover[] = [];
  private dirs = new Map<string, number>();
  private rand: () => number = mulberry32(1);

  override onCreate(o: BenchOptions): void {
    this.rand = mulberry32(o.seed);
    // The default 16 KB encode buffer is too small for a full state of 1000 entities: size it up
    // front (as the schema's own overflow warning tells users to) instead of growing on a join.
    Encoder.BUFFER_SIZE = Math.max(Encoder.BUFFER_SIZE, Math.ceil(((o.entities + this.maxClients) * 32) / 1024) * 1024);
    this.state = new BenchState();
    for (let i = 0; i < o.entities; i++) {
      const e = new Entity();
      e.x = this.rand() * WORLD;
      e.y = this.rand() * WORLD;
      const angle = this.rand() * 2 * Math.PI;
      const speed = 20 + this.rand() * (MAX_SPEED - 20); // never 0: every entity moves every tick
      this.movers.push({ e, vx: Math.cos(angle) * speed, vy: Math.sin(angle) * speed });
      this.state.entities.set(String(i), e);
    }
    this.onMessage('input', (client: Client, dir: unknown) => {
      if (typeof dir === 'number' && dir >= 0 && dir <= 8) this.dirs.set(client.sessionId, dir | 0);
    });
    this.patchRate = 1000 / o.sendHz;
    this.setFixedTimestep((ctx) => this.step(ctx), SIM_HZ);
  }

  override onJoin(client: Client): void {
    const p = new Player();
    p.x = this.rand() * WORLD;
    p.y = this.rand() * WORLD;
    this.state.players.set(client.sessionId, p);
    this.dirs.set(client.sessionId, 0);
    roomStats.clients = this.clients.length;
  }

  override onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.dirs.delete(client.sessionId);
    roomStats.clients = this.clients.length;
  }

  private step(ctx: StepContext): void {
    const t0 = performance.now();
    if (roomStats.firstTickAt === 0) roomStats.firstTickAt = t0;
    const dt = ctx.dt;
    for (const m of this.movers) {
      let x = m.e.x + m.vx * dt;
      let y = m.e.y + m.vy * dt;
      if (x < 0) { x = -x; m.vx = -m.vx; } else if (x > WORLD) { x = 2 * WORLD - x; m.vx = -m.vx; }
      if (y < 0) { y = -y; m.vy = -m.vy; } else if (y > WORLD) { y = 2 * WORLD - y; m.vy = -m.vy; }
      m.e.x = x;
      m.e.y = y;
    }
    const step = MAX_SPEED * dt;
    this.state.players.forEach((p, id) => {
      const d = this.dirs.get(id) ?? 0;
      if (d === 0) return;
      p.x = Math.min(WORLD, Math.max(0, p.x + DIR_X[d]! * step));
      p.y = Math.min(WORLD, Math.max(0, p.y + DIR_Y[d]! * step));
    });
    roomStats.ticks++;
    roomStats.tickMs.push(performance.now() - t0);
  }

  // Wrapped to stamp `t` just before the encode and to time encode + send to every client.
  override broadcastPatch(): boolean {
    const t0 = performance.now();
    this.state.t = performance.timeOrigin + t0;
    const changed = super.broadcastPatch();
    roomStats.patchMs.push(performance.now() - t0);
    return changed;
  }
}
