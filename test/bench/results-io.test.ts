// A run of part of a suite says which part (envSubset), so the runner keeps it apart from the
// suite's whole table (bench/run.ts: bench/results/subset/).

import { afterEach, describe, expect, it } from 'vitest';
import { envSubset } from '../../bench/results-io.js';

const NAMES = ['LP_TEST_FILTER_A', 'LP_TEST_FILTER_B'];
afterEach(() => {
  for (const n of NAMES) delete process.env[n];
});

describe('envSubset', () => {
  it('is undefined when no filter is set, or only set empty', () => {
    expect(envSubset(NAMES)).toBeUndefined();
    process.env.LP_TEST_FILTER_A = '  ';
    expect(envSubset(NAMES)).toBeUndefined();
  });

  it('names every filter that is set, with its value', () => {
    process.env.LP_TEST_FILTER_B = '200x1000@60 ';
    expect(envSubset(NAMES)).toBe('LP_TEST_FILTER_B=200x1000@60');
    process.env.LP_TEST_FILTER_A = 'lanparty';
    expect(envSubset(NAMES)).toBe('LP_TEST_FILTER_A=lanparty LP_TEST_FILTER_B=200x1000@60');
  });
});
