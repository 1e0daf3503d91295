// A client's decoded snapshot seen through the same SnapshotView the host side uses, so a
// game's bot policy runs unchanged on either side.

import type { SnapshotView } from '../../engine/snapshot-view.js';
import { stateField, type JsonSnapshot, type SnapshotCodec, type SnapshotState } from '../protocol/snapshot/index.js';

export function viewOfState(codec: SnapshotCodec, state: SnapshotState): SnapshotView {
  return {
    tick: state.tick,
    maxEid: state.top,
    field(key) {
      const f = stateField(codec, state, key);
      if (!f) throw new TypeError(`no networked field "${key}"`);
      return f;
    },
    global(name) {
      const i = codec.globalNames.indexOf(name);
      if (i < 0) throw new TypeError(`no networked global "${name}"`);
      return state.globals[i]!;
    },
  };
}

/** The entity of `client` in a decoded state, or -1. */
export function ownEntity(codec: SnapshotCodec, state: SnapshotState, client: number): number {
  const owner = stateField(codec, state, 'Entity.owner');
  if (!owner) return -1;
  for (let e = 1; e <= state.top; e++) if (state.live[e] && owner[e] === client) return e;
  return -1;
}

/** A JSON-mode snapshot seen through a SnapshotView (columns spread out by entity id). */
export function viewOfJson(s: JsonSnapshot): SnapshotView {
  const top = s.ids.length ? Math.max(...s.ids) : 0;
  const cache = new Map<string, Float64Array>();
  return {
    tick: s.tick,
    maxEid: top,
    field(key) {
      let arr = cache.get(key);
      if (!arr) {
        const col = s.fields[key];
        if (!col) throw new TypeError(`no networked field "${key}"`);
        arr = new Float64Array(top + 1);
        s.ids.forEach((id, i) => (arr![id] = col[i]!));
        cache.set(key, arr);
      }
      return arr;
    },
    global(name) {
      const v = s.globals[name];
      if (v === undefined) throw new TypeError(`no networked global "${name}"`);
      return v;
    },
  };
}

export function ownEntityJson(s: JsonSnapshot, client: number): number {
  const owner = s.fields['Entity.owner'];
  if (!owner) return -1;
  const i = owner.indexOf(client);
  return i < 0 ? -1 : s.ids[i]!;
}
