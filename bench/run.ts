// The benchmark runner: `npm run bench` (every suite) or `npm run bench -- tick` (only the
// named ones). After each suite: a table on stdout, bench/results/<suite>.json, and
// docs/benchmarks.md regenerated from every results file present. A run of part of a suite
// (its filters in the environment, e.g. LOAD_CONFIGS) writes bench/results/subset/<suite>.json
// and leaves the rest alone.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inferInfo, renderConsole, renderDoc, type DocSection } from './report.js';
import { docPath, readAllResults, runStamp, writeDoc, writeResults } from './results-io.js';
import type { Row, SuiteModule } from './types.js';

/** Suite name -> its module (loaded only when needed). */
const SUITES: Record<string, () => Promise<SuiteModule>> = {
  tick: () => import('./engine/tick.bench.js'),
  'games-tick': () => import('./engine/games-tick.bench.js'),
  serialization: () => import('./net/serialization.bench.js'),
  fragments: () => import('./net/fragments.bench.js'),
  failover: () => import('./net/failover.bench.js'),
  load: () => import('./net/load.bench.js'),
  udp: () => import('./net/udp.bench.js'),
  web: () => import('./web/web.bench.js'),
};

const known = () => Object.keys(SUITES).join(', ');

async function regenerateDoc(): Promise<string> {
  const sections: DocSection[] = [];
  const results = readAllResults();
  // registered suites first, in table order, then leftovers of suites no longer registered
  const names = [...Object.keys(SUITES).filter((n) => results.has(n)), ...[...results.keys()].filter((n) => !(n in SUITES))];
  for (const name of names) {
    const rows = results.get(name)!;
    const load = SUITES[name];
    sections.push({ info: load ? (await load()).info : inferInfo(name, rows), rows });
  }
  const doc = writeDoc(renderDoc(sections));
  // charts the page shows as images, regenerated with it from the same results
  for (const { info, rows } of sections) if (info.chart) writeFileSync(join(dirname(docPath()), info.chart.file), info.chart.render(rows));
  return doc;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(`usage: npm run bench [-- <suite>...]   (or -- --doc: only regenerate docs/benchmarks.md from bench/results)\nsuites: ${known()}`);
    return 0;
  }
  if (args.includes('--doc')) {
    console.log(`wrote ${await regenerateDoc()}`);
    return 0;
  }
  const names = args.length > 0 ? args : Object.keys(SUITES);
  const unknown = names.filter((n) => !Object.hasOwn(SUITES, n));
  if (unknown.length > 0) {
    console.error(`bench: unknown suite ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known()})`);
    return 2;
  }
  for (const name of names) {
    const suite = await SUITES[name]!();
    console.log(`\n=== ${name}: ${suite.info.title} ===`);
    const t0 = performance.now();
    const { rows, subset } = await suite.run();
    const stamp = runStamp();
    const stamped: Row[] = rows.map((r) => ({ ...r, ...stamp, ...(subset ? { subset } : {}) }));
    console.log(`\n${renderConsole(suite.info, stamped)}`);
    const file = writeResults(name, stamped, subset !== undefined);
    const took = `${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    if (subset) console.log(`\n${took}; part of the suite (${subset}): wrote ${file}; bench/results/${name}.json and docs/benchmarks.md keep the last whole run`);
    else console.log(`\n${took}; wrote ${file} and ${await regenerateDoc()}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
