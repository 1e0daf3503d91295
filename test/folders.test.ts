// The folders of src/ are layers: no folder imports from a folder that imports it back, and
// the network layers know nothing of the terminal client or of the application wiring.
// Imports are read with the TypeScript compiler's own scanner (type-only imports count: a
// type shared both ways is a cycle too).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Known cycles, each an edge that closes one, to be removed by the change that breaks it.
 * The test fails when an entry no longer exists, so the list cannot go stale.
 */
const KNOWN_CYCLE_EDGES: Record<string, string> = {};

/** The layer a file belongs to: its top folder under src/, or net/<sub>; `.` for src/ itself. */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'net' && parts.length > 2) return `net/${parts[1]}`;
  return parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** folder -> folder -> one importing file (an example for the failure message). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    for (const imp of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!imp.fileName.startsWith('.')) continue;
      const to = folderOf(resolve(dirname(file), imp.fileName));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, relative(SRC, file));
    }
  }
  return graph;
}

/** Every cycle's folders, in order (one per strongly connected group, found by DFS). */
function findCycles(edges: ReadonlyMap<string, Iterable<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (n: string) => {
    const at = onPath.indexOf(n);
    if (at >= 0) return void cycles.push([...onPath.slice(at), n]);
    if (done.has(n)) return;
    onPath.push(n);
    for (const m of edges.get(n) ?? []) visit(m);
    onPath.pop();
    done.add(n);
  };
  for (const n of [...edges.keys()].sort()) visit(n);
  return cycles;
}

/** Whether `to` is reachable from `from` along imports. */
function reaches(graph: ReadonlyMap<string, ReadonlyMap<string, string>>, from: string, to: string): boolean {
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === to) return true;
    for (const m of graph.get(n)?.keys() ?? []) if (!seen.has(m)) seen.add(m), stack.push(m);
  }
  return false;
}

describe('folders of src/', () => {
  it('folders: the cycle finder reports a cycle through three folders and none in a layered graph', () => {
    const cyclic = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycles(cyclic)).toEqual([['a', 'b', 'c', 'a']]);
    const layered = new Map([
      ['app', ['net', 'engine']],
      ['net', ['engine']],
    ]);
    expect(findCycles(layered)).toEqual([]);
  });

  it('folders: no folder imports from a folder that imports it back (known exceptions aside)', () => {
    const graph = folderGraph();
    const edges = new Map<string, string[]>();
    for (const [from, tos] of graph) edges.set(from, [...tos.keys()].filter((to) => !(`${from} -> ${to}` in KNOWN_CYCLE_EDGES)));
    const described = findCycles(edges).map((c) =>
      c
        .slice(1)
        .map((to, i) => `${c[i]} -> ${to} (${graph.get(c[i]!)!.get(to)})`)
        .join(', '),
    );
    expect(described).toEqual([]);
  });

  it('folders: every known cycle edge still exists and still closes a cycle (else remove it from the list)', () => {
    const graph = folderGraph();
    for (const edge of Object.keys(KNOWN_CYCLE_EDGES)) {
      const [from, to] = edge.split(' -> ') as [string, string];
      expect(graph.get(from)?.has(to), `${edge}: no longer imported, remove it from KNOWN_CYCLE_EDGES`).toBe(true);
      expect(reaches(graph, to, from), `${edge}: no longer closes a cycle, remove it from KNOWN_CYCLE_EDGES`).toBe(true);
    }
  });

  it('folders: the network layers import neither the terminal client nor the application wiring', () => {
    const graph = folderGraph();
    const bad: string[] = [];
    for (const [from, tos] of graph) {
      if (from !== 'net' && !from.startsWith('net/')) continue;
      for (const [to, file] of tos) if (to === 'render-term' || to === 'app' || to === '.') bad.push(`${from} -> ${to} (${file})`);
    }
    expect(bad).toEqual([]);
  });
});
