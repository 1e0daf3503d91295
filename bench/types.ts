// What a benchmark suite is, for the runner (run.ts) and the report (report.ts).
//
// A suite module exports `info` (static: title, columns, targets; also used to render the
// results of suites that were not run this time) and `run()`, which measures and returns rows.
// The runner stamps each row with the date and machine and writes them, as a JSON array,
// to bench/results/<suite>.json.

export type Cell = number | string;

/** One result row: scalar cells, plus optional breakdowns (part name -> milliseconds). */
export type Row = Record<string, Cell | Record<string, number>>;

export interface Column {
  key: string;
  label: string;
}

/**
 * "The row whose `where.key` is `where.value` must have `metric` <= `max`" (and/or
 * `>= min`: rates that must not fall below a floor). With `where.match`, the row whose cells
 * equal every entry of the match (suites whose rows are told apart by several columns: mode,
 * kind, op, size...).
 */
export interface Target {
  label: string;
  where: { key: string; value: Cell } | { match: Record<string, Cell> };
  metric: string;
  max?: number;
  min?: number;
}

/** A chart of a suite's rows, written next to docs/benchmarks.md and shown as an image there. */
export interface SuiteChart {
  /** File name under docs/ (an .svg). */
  file: string;
  alt: string;
  render(rows: readonly Row[]): string;
}

export interface SuiteInfo {
  name: string;
  title: string;
  /** Markdown paragraphs shown under the suite's heading. */
  description: string[];
  columns: Column[];
  targets: Target[];
  /** Row field holding a per-part breakdown (rendered as its own table). */
  breakdownKey?: string;
  /** Heading of that table (default "Where the time goes (ms)"). */
  breakdownTitle?: string;
  /** More per-part tables, each from its own row field, rendered like the breakdown. */
  tables?: Array<{ key: string; title: string }>;
  /**
   * What to say under a target that is not met (default: the largest parts of the matching
   * row's breakdown): the suite knows which rows and figures explain it.
   */
  explain?(rows: readonly Row[], target: Target): string | undefined;
  /**
   * Cells a row lacks, as they were before the column existed: targets that name the column
   * still match the rows of an older results file (the load suite's `transport`: tcp).
   */
  legacyCells?: Record<string, Cell>;
  /** Columns whose values, joined, label a row of the breakdown table (default: the first column). */
  labelKeys?: string[];
  chart?: SuiteChart;
}

export interface SuiteResult {
  rows: Row[];
  /**
   * Set when the run measured part of the suite (a filter from the environment), saying which:
   * its rows go to bench/results/subset/ and leave the suite's whole table, and
   * docs/benchmarks.md, as they were (a partial run would otherwise replace a table whose
   * ratios were measured in one sitting).
   */
  subset?: string;
}

export interface SuiteModule {
  info: SuiteInfo;
  run(): Promise<SuiteResult>;
}

/** Fields the runner adds to every row. */
export interface RunStamp {
  date: string;
  node: string;
  cpus: number;
  cpu_model: string;
  os: string;
}
