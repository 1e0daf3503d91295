// One snapshot as the terminal client sees it: a plain list of entities with the shooter's
// fields, made from either wire form (a decoded msgpack SnapshotState, or a JSON-mode
// snapshot). Copied out, because the client reuses a SnapshotState's memory for later ticks.

import type { JsonSnapshot, SnapshotCodec, SnapshotState } from '../net/protocol/snapshot/index.js';

export interface EntityState {
  id: number;
  /** Entity.gen (low byte on the wire): tells a respawned row from the entity before it. */
  gen: number;
  /** Archetype name ('player', 'enemy', 'laser'), '' when unknown. */
  kind: string;
  x: number;
  y: number;
  /** Controlling client (0: none). */
  owner: number;
  slot: number;
  health: number;
  score: number;
  ready: boolean;
  lost: boolean;
  won: boolean;
  /** Enemy colour (0 red, 1 green, 2 blue). */
  color: number;
  // ---- the other games (0 when the game has no such field) ----
  /** Rounds / races won (gather Player.gamesWon, race Racer.wins). */
  wins: number;
  /** squares: Square.size (px) and Square.color (0xRRGGBB). */
  size: number;
  rgb: number;
  /** race: the racer's own enemy car (EnemyCar.x / y) and the crash pause (Racer.crashed). */
  ex: number;
  ey: number;
  crashed: number;
  /** haunted: Player.team (0 none, 1 seeker, 2 hider) and Player.caught (1: out this round). */
  team: number;
  caught: number;
}

export interface WorldState {
  tick: number;
  phase: number;
  level: number;
  matchNo: number;
  /** Every networked global by name (gather cols / rows / round, squares width / height, race raceNo / pause...). */
  globals?: Record<string, number>;
  entities: EntityState[];
}

const FIELDS = {
  kind: 'Entity.archetype',
  gen: 'Entity.gen',
  owner: 'Entity.owner',
  x: 'Position.x',
  y: 'Position.y',
  slot: 'Player.slot',
  health: 'Player.health',
  score: 'Player.score',
  ready: 'Player.ready',
  lost: 'Player.lost',
  won: 'Player.won',
  color: 'Enemy.color',
  laserSlot: 'Laser.slot',
  // gather
  points: 'Player.points',
  gamesWon: 'Player.gamesWon',
  // squares
  size: 'Square.size',
  rgb: 'Square.color',
  // race
  ex: 'EnemyCar.x',
  ey: 'EnemyCar.y',
  racePoints: 'Racer.points',
  raceWins: 'Racer.wins',
  raceWon: 'Racer.won',
  crashed: 'Racer.crashed',
  // haunted
  team: 'Player.team',
  caught: 'Player.caught',
} as const;
type FieldName = keyof typeof FIELDS;

/** A field's values for the entities of a snapshot, read at a row (undefined: 0). */
type Column = ArrayLike<number | undefined>;
const NONE: Column = [];

/**
 * The entity list of one snapshot. `rows` maps the i-th entity to its row in the columns (a
 * decoded state's rows are entity ids; null: row i, as in a JSON snapshot). Columns are read
 * directly, not through a function per field: this runs for every entity of every snapshot
 * (bench/web, "to world").
 */
function build(
  tick: number,
  ids: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  col: (name: FieldName) => Column | undefined,
  global: (name: string) => number,
  globalNames: readonly string[],
  archetypes: readonly string[],
): WorldState {
  const c = {} as Record<FieldName, Column>;
  for (const k of Object.keys(FIELDS) as FieldName[]) c[k] = col(k) ?? NONE;
  const entities: EntityState[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const r = rows === null ? i : rows[i]!;
    const kind = archetypes[(c.kind[r] ?? 0) - 1] ?? '';
    entities[i] = {
      id: ids[i]!,
      gen: c.gen[r] ?? 0,
      kind,
      x: c.x[r] ?? 0,
      y: c.y[r] ?? 0,
      owner: c.owner[r] ?? 0,
      slot: (kind === 'laser' ? c.laserSlot[r] : c.slot[r]) ?? 0,
      health: c.health[r] ?? 0,
      score: (c.score[r] ?? 0) + (c.points[r] ?? 0) + (c.racePoints[r] ?? 0),
      ready: (c.ready[r] ?? 0) !== 0,
      lost: (c.lost[r] ?? 0) !== 0,
      won: (c.won[r] ?? 0) !== 0 || (c.raceWon[r] ?? 0) !== 0,
      color: c.color[r] ?? 0,
      wins: (c.gamesWon[r] ?? 0) + (c.raceWins[r] ?? 0),
      size: c.size[r] ?? 0,
      rgb: c.rgb[r] ?? 0,
      ex: c.ex[r] ?? 0,
      ey: c.ey[r] ?? 0,
      crashed: c.crashed[r] ?? 0,
      team: c.team[r] ?? 0,
      caught: c.caught[r] ?? 0,
    };
  }
  const globals: Record<string, number> = {};
  for (const n of globalNames) globals[n] = global(n);
  return { tick, phase: global('phase'), level: global('level'), matchNo: global('matchNo'), globals, entities };
}

/** From a decoded msgpack-mode state. */
export function fromSnapshotState(codec: SnapshotCodec, state: SnapshotState): WorldState {
  const ids: number[] = [];
  for (let e = 1; e <= state.top; e++) if (state.live[e] === 1) ids.push(e);
  return build(
    state.tick,
    ids,
    ids,
    (name) => {
      const i = codec.fields.findIndex((f) => f.key === FIELDS[name]);
      return i < 0 ? undefined : state.values[i];
    },
    (name) => {
      const i = codec.globalNames.indexOf(name);
      return i < 0 ? 0 : (state.globals[i] ?? 0);
    },
    codec.globalNames,
    codec.descriptor.archetypes,
  );
}

/** From a JSON-mode snapshot. */
export function fromJsonSnapshot(snap: JsonSnapshot, archetypes: readonly string[]): WorldState {
  return build(
    snap.tick,
    snap.ids,
    null,
    (name) => snap.fields[FIELDS[name]],
    (name) => snap.globals[name] ?? 0,
    Object.keys(snap.globals),
    archetypes,
  );
}

/** An entity with defaults, for tests and tools. */
export function entity(e: Partial<EntityState> & { id: number; kind: string }): EntityState {
  return {
    gen: 1, x: 0, y: 0, owner: 0, slot: 0, health: 0, score: 0, ready: false, lost: false, won: false, color: 0,
    wins: 0, size: 0, rgb: 0, ex: 0, ey: 0, crashed: 0, team: 0, caught: 0,
    ...e,
  };
}

/** Archetypes a client controls, over the games (shooter / gather / haunted 'player', squares 'square', race 'racer'). */
export const PLAYER_KINDS: ReadonlySet<string> = new Set(['player', 'square', 'racer']);

/** The entity the given client controls (Entity.owner === client), if any. */
export function ownShip(w: WorldState, client: number): EntityState | undefined {
  return client > 0 ? w.entities.find((e) => e.owner === client && PLAYER_KINDS.has(e.kind)) : undefined;
}
