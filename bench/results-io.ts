// Where results live: bench/results/<suite>.json (a JSON array of rows) and
// docs/benchmarks.md, both under the repository root, never under dist/.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row, RunStamp } from './types.js';

/**
 * The repository root: the nearest folder above this file holding package.json. Compiled,
 * this file is <root>/dist/bench/results-io.js; run from source it is <root>/bench/.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root (no package.json above the bench files)');
    dir = up;
  }
}

export const resultsDir = (): string => join(repoRoot(), 'bench', 'results');
export const docPath = (): string => join(repoRoot(), 'docs', 'benchmarks.md');

export function runStamp(): RunStamp {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    os: `${os.platform()} ${os.arch()}`,
  };
}

/** bench/results/<suite>.json, or bench/results/subset/<suite>.json for a partial run (SuiteResult.subset). */
export function writeResults(suite: string, rows: Row[], subset = false): string {
  const dir = subset ? join(resultsDir(), 'subset') : resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
  return file;
}

/** Every results file present, by suite name (file name without .json), sorted by name. */
export function readAllResults(): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  const dir = resultsDir();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const rows: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (!Array.isArray(rows)) throw new Error(`bench: ${join(dir, f)} is not a JSON array of rows`);
    out.set(f.slice(0, -'.json'.length), rows as Row[]);
  }
  return out;
}

export function writeDoc(markdown: string): string {
  const file = docPath();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  return file;
}

/** The filters among `names` that are set in the environment, as "NAME=value ..." (undefined: none). */
export function envSubset(names: readonly string[]): string | undefined {
  const set = names.filter((n) => (process.env[n] ?? '').trim() !== '').map((n) => `${n}=${process.env[n]!.trim()}`);
  return set.length > 0 ? set.join(' ') : undefined;
}
