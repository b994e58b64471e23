/**
 * Live spot-check against the host: compiles tools/x87-golden/x87golden.c, has it record
 * fresh vectors with a new seed (X87_SEED to repeat one, X87_SCALE for more), and runs
 * them through the emulator under the same rules as the committed ones. Skipped, with
 * the reason printed, when there is no gcc or the host is not x86-64.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareOutcome, describe as describeMismatch, parseVectors, TRANSCENDENTAL_ULPS, X87Machine } from './golden.js';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/x87-golden/x87golden.c');

function whyNot(): string | null {
  if (arch() !== 'x64') return `the host is ${arch()}, not x86-64`;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed';
  }
  return null;
}

const reason = whyNot();
if (reason) console.log(`x87 live check against the host skipped: ${reason}`);

describe('x87 against the host CPU, live', () => {
  it.skipIf(reason !== null)('agrees on freshly recorded vectors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x64emu-x87-'));
    try {
      const binary = join(dir, 'x87golden');
      execFileSync('gcc', ['-O1', '-mno-red-zone', '-o', binary, SOURCE]);
      const seed = process.env.X87_SEED ?? String(Date.now() % 2147483647);
      const scale = process.env.X87_SCALE ?? '15';
      execFileSync(binary, [dir, seed, scale]);
      const m = new X87Machine();
      const failures: string[] = [];
      let total = 0;
      let nearly = 0;
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
        for (const v of parseVectors(readFileSync(join(dir, file), 'utf8'))) {
          total++;
          let mismatch;
          try {
            mismatch = compareOutcome(v, m.run(v), v.form.transcendental ? TRANSCENDENTAL_ULPS : 0);
          } catch (e) {
            failures.push(`${v.form.name}: ${(e as Error).message}\n    ${v.line}`);
            continue;
          }
          if (mismatch && mismatch.why.length === 0) nearly++;
          else if (mismatch) failures.push(describeMismatch(mismatch));
        }
      }
      console.log(
        `x87 live check (seed ${seed}, scale ${scale}%): ${total} vectors, ${failures.length} failing, ` +
          `${nearly} transcendental within ${TRANSCENDENTAL_ULPS} ulp` +
          (failures.length ? `; repeat with X87_SEED=${seed}\n${failures.slice(0, 20).join('\n')}` : ''),
      );
      expect(failures.length).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
