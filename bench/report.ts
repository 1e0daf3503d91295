// Rendering of suite results: an aligned text table for the terminal and the markdown of
// docs/benchmarks.md. Targets are evaluated here, from the numbers in the rows, so the page
// regenerated from old results files still says "met" / "NOT met" correctly.

import type { Cell, Row, SuiteInfo, Target } from './types.js';

export interface TargetStatus {
  target: Target;
  /** undefined when no row matches the target or the metric is missing. */
  value: number | undefined;
  met: boolean;
}

/** Whether a row is the one a target is about (a cell it lacks taken from `legacy`: SuiteInfo.legacyCells). */
export function rowMatches(row: Row, where: Target['where'], legacy?: Record<string, Cell>): boolean {
  const cell = (k: string) => row[k] ?? legacy?.[k];
  if ('match' in where) return Object.entries(where.match).every(([k, v]) => cell(k) === v);
  return cell(where.key) === where.value;
}

export function evaluateTargets(info: SuiteInfo, rows: readonly Row[]): TargetStatus[] {
  return info.targets.map((target) => {
    const row = rows.find((r) => rowMatches(r, target.where, info.legacyCells));
    const v = row?.[target.metric];
    const value = typeof v === 'number' ? v : undefined;
    const met = value !== undefined && (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
    return { target, value, met };
  });
}

/** A generic description for results whose suite is no longer registered. */
export function inferInfo(name: string, rows: readonly Row[]): SuiteInfo {
  const keys = new Set<string>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (typeof v !== 'object' && !STAMP_KEYS.has(k)) keys.add(k);
  return { name, title: name, description: [], columns: [...keys].map((k) => ({ key: k, label: k })), targets: [] };
}

const STAMP_KEYS = new Set(['date', 'node', 'cpus', 'cpu_model', 'os']);

export function fmt(v: Cell | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 1 : a >= 10 ? 2 : a >= 0.01 ? 3 : 4);
}

const scalar = (v: Row[string] | undefined): Cell | undefined => (typeof v === 'object' ? undefined : v);

// ---- tables -------------------------------------------------------------------------------

function textTable(head: string[], body: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function mdTable(head: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

function mainTable(info: SuiteInfo, rows: readonly Row[]): [string[], string[][]] {
  return [info.columns.map((c) => c.label), rows.map((r) => info.columns.map((c) => fmt(scalar(r[c.key]))))];
}

/** A per-part table: one line per row with an object at `key` (labelled by labelKeys), one column per part. */
function partsTable(info: SuiteInfo, rows: readonly Row[], key: string | undefined): [string[], string[][]] | undefined {
  if (!key) return undefined;
  const parts: string[] = [];
  for (const r of rows) {
    const b = r[key];
    if (b && typeof b === 'object') for (const p of Object.keys(b)) if (!parts.includes(p)) parts.push(p);
  }
  if (parts.length === 0) return undefined;
  const labelKeys = info.labelKeys ?? [info.columns[0]!.key];
  const labelHead = labelKeys.map((k) => info.columns.find((c) => c.key === k)?.label ?? k).join(' ');
  const body = rows
    .filter((r) => r[key] && typeof r[key] === 'object')
    .map((r) => {
      const b = r[key] as Record<string, number>;
      return [labelKeys.map((k) => fmt(scalar(r[k]))).join(' '), ...parts.map((p) => fmt(b[p]))];
    });
  return [[labelHead, ...parts], body];
}

/** Every per-part table of the suite: [heading, key]. */
function partTables(info: SuiteInfo): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (info.breakdownKey) out.push([info.breakdownTitle ?? 'Where the time goes (ms)', info.breakdownKey]);
  for (const t of info.tables ?? []) out.push([t.title, t.key]);
  return out;
}

/** "collision 5.1 ms (48%), hash 2.0 ms (19%), ..." for the row a missed target is about (or the suite's own words). */
function whereTimeGoes(info: SuiteInfo, rows: readonly Row[], s: TargetStatus): string | undefined {
  if (info.explain) return info.explain(rows, s.target);
  if (!info.breakdownKey) return undefined;
  const row = rows.find((r) => rowMatches(r, s.target.where, info.legacyCells));
  const b = row?.[info.breakdownKey];
  if (!b || typeof b !== 'object') return undefined;
  const parts = Object.entries(b).filter(([k]) => k !== 'total');
  const sum = parts.reduce((n, [, v]) => n + v, 0);
  parts.sort((x, y) => y[1] - x[1]);
  return parts
    .slice(0, 4)
    .map(([k, v]) => `${k} ${fmt(v)} ms (${sum > 0 ? Math.round((100 * v) / sum) : 0}%)`)
    .join(', ');
}

function statusText(s: TargetStatus): string {
  return s.value === undefined ? 'no result' : s.met ? 'met' : 'NOT met';
}

// ---- terminal -----------------------------------------------------------------------------

export function renderConsole(info: SuiteInfo, rows: readonly Row[]): string {
  const out: string[] = [textTable(...mainTable(info, rows))];
  const statuses = evaluateTargets(info, rows);
  if (statuses.length) {
    out.push('', 'targets:');
    for (const s of statuses) {
      out.push(`  ${statusText(s).padEnd(9)} ${s.target.label} (measured ${fmt(s.value)})`);
      if (s.value !== undefined && !s.met) {
        const w = whereTimeGoes(info, rows, s);
        if (w) out.push(`            where the time goes: ${w}`);
      }
    }
  }
  for (const [title, key] of partTables(info)) {
    const t = partsTable(info, rows, key);
    if (t) out.push('', `${title}:`, textTable(...t));
  }
  return out.join('\n');
}

// ---- docs/benchmarks.md -------------------------------------------------------------------

export interface DocSection {
  info: SuiteInfo;
  rows: readonly Row[];
}

function measuredLine(rows: readonly Row[]): string {
  const r = rows[0];
  if (!r) return 'No rows.';
  const date = typeof r.date === 'string' ? `${r.date.slice(0, 16).replace('T', ' ')} UTC` : 'an unknown date';
  const parts = [`Measured ${date}`];
  if (r.cpus !== undefined) {
    const model = typeof r.cpu_model === 'string' ? ` (${r.cpu_model})` : '';
    parts.push(`on ${fmt(scalar(r.cpus))} CPU cores${model}`);
  }
  if (r.node !== undefined) parts.push(`Node ${fmt(scalar(r.node))}`);
  if (r.os !== undefined) parts.push(fmt(scalar(r.os)));
  return parts.join(', ') + '.';
}

export function renderDoc(sections: readonly DocSection[]): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts) from bench/results/*.json: edit the suites, not this page. -->',
    '',
    '`npm run bench` builds, then runs every suite; `npm run bench -- tick` runs only the named ones. Each suite',
    'prints a table, writes `bench/results/<suite>.json` (an array of rows) and regenerates this page from every',
    'results file present, so re-running one suite keeps the other sections. A run of part of a suite (a filter',
    'such as `LOAD_CONFIGS=200x1000@60`) writes `bench/results/subset/<suite>.json` and changes nothing here: a',
    "section's ratios always come from one sitting. Timings depend on the machine: each section says when and on",
    'what it was measured (CPU cores as reported by `os.cpus().length`).',
  ];
  for (const { info, rows } of sections) {
    out.push('', `## ${info.name}: ${info.title}`, '', measuredLine(rows));
    for (const p of info.description) out.push('', p);
    out.push('', mdTable(...mainTable(info, rows)));
    if (info.chart) out.push('', `![${info.chart.alt}](${info.chart.file})`);
    const statuses = evaluateTargets(info, rows);
    if (statuses.length) {
      out.push('', '### Targets', '', '| target | measured | status |', '| --- | ---: | --- |');
      for (const s of statuses) out.push(`| ${s.target.label} | ${fmt(s.value)} | ${s.met ? 'met' : `**${statusText(s)}**`} |`);
      for (const s of statuses) {
        if (s.value === undefined || s.met) continue;
        const w = whereTimeGoes(info, rows, s);
        if (w) out.push('', `Not met: ${s.target.label}. Where the time goes: ${w}.`);
      }
    }
    for (const [title, key] of partTables(info)) {
      const t = partsTable(info, rows, key);
      if (t) out.push('', `### ${title}`, '', mdTable(...t));
    }
  }
  return out.join('\n') + '\n';
}
