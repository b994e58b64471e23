/**
 * Live spot check against the host CPU: builds tools/sse-golden/sse-golden.c with the
 * system C compiler, runs freshly generated vectors for every form natively and in the
 * emulator, and compares. Skipped (with the reason printed) when there is no compiler or
 * the host is not x86-64. SSE_LIVE_SEED picks the inputs ("random" for a new seed each
 * run, printed), SSE_LIVE_SCALE their number (default 0.05 of the committed set).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compare, describe as describeVector, SseMachine } from './emulate.js';
import { FORMS } from './forms.js';
import { generate, makeRng } from './generate.js';
import { runHarness } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function compiler(): string | null {
  if (arch() !== 'x64') return null;
  for (const cc of [process.env.CC ?? 'cc', 'gcc', 'clang']) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // try the next one
    }
  }
  return null;
}

const cc = compiler();
const seedText = process.env.SSE_LIVE_SEED ?? '20250101';
const seed = seedText === 'random' ? (Math.random() * 2 ** 32) >>> 0 : Number(seedText) >>> 0;
const scale = Number(process.env.SSE_LIVE_SCALE ?? 0.05);

describe('SSE floating point against the live host CPU', () => {
  if (!cc) {
    it.skip('needs a C compiler on an x86-64 host', () => {});
    console.log(`sse-float live check skipped: ${arch() !== 'x64' ? `host is ${arch()}, not x86-64` : 'no C compiler (cc, gcc or clang) found'}`);
    return;
  }
  it(`agrees on fresh vectors (seed ${seed})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sse-golden-'));
    try {
      const binary = join(dir, 'sse-golden');
      execFileSync(cc, ['-O1', '-o', binary, join(root, 'tools', 'sse-golden', 'sse-golden.c')], { stdio: 'inherit' });
      const machine = new SseMachine();
      const failures: string[] = [];
      let count = 0;
      FORMS.forEach((form, index) => {
        const requests = generate(form, makeRng(seed + index * 0x9e3779b9), scale);
        for (const v of runHarness(binary, requests)) {
          count++;
          const diff = compare(v, machine.run(v));
          if (diff.length && failures.length < 10) failures.push(`${describeVector(v)}\n  ${diff.join('\n  ')}`);
        }
      });
      console.log(`sse-float live check: ${count} vectors over ${FORMS.length} forms, seed ${seed}`);
      if (failures.length) throw new Error(`disagreements with the host (seed ${seed}):\n\n${failures.join('\n\n')}`);
      expect(count).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
