/**
 * The three fuzzers, briefly, with a fixed seed and a fixed number of cases (so a failure
 * here replays exactly: `npm run fuzz -- --seed 20240601 --replay FUZZER:CASE`). Longer
 * runs: `npm run fuzz -- --seconds N`.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzCode } from '../../src/fuzz/code-fuzz.js';
import { fixtureCorpus } from '../../src/fuzz/corpus.js';
import { fuzzElf } from '../../src/fuzz/elf-fuzz.js';
import type { FuzzReport } from '../../src/fuzz/harness.js';
import { formatReport } from '../../src/fuzz/harness.js';
import { fuzzSyscalls } from '../../src/fuzz/syscall-fuzz.js';

const SEED = 20240601;

function check(report: FuzzReport): void {
  console.log(formatReport(report));
  const findings = report.findings.map((f) => `case ${f.index}: ${f.problem}`);
  expect(findings).toEqual([]);
}

describe('fuzzers (fixed seed)', () => {
  it('mutated ELF files: refused with one line, or run to an exit, a signal or the limit', () => {
    const report = fuzzElf({ seed: SEED, cases: 100, corpus: fixtureCorpus(resolve(__dirname, '../../fixtures/bin')) });
    check(report);
    expect(report.outcomes.rejected).toBeGreaterThan(0);
    expect(report.counters.loaded).toBeGreaterThan(0);
  });

  it('random bytes as user code: an exit, a signal or the limit, kernel memory untouched', () => {
    const report = fuzzCode({ seed: SEED, cases: 80 });
    check(report);
    expect(report.counters.userInstructions).toBeGreaterThan(80);
  });

  it('random system calls with hostile arguments: a value or -errno, -EFAULT for bad pointers', () => {
    const report = fuzzSyscalls({ seed: SEED, cases: 60 });
    check(report);
    expect(report.counters.efault).toBeGreaterThan(0);
    expect(report.counters.success).toBeGreaterThan(0);
  });
});
