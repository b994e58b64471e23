/**
 * Rebuilds the native harness (tools/golden/golden.c) with the host's C compiler and checks
 * that a fresh run on this CPU still produces what is committed, for a sample of the
 * vectors. Skips, saying why, on a host that cannot run it (no compiler, not x86-64 Linux).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { GoldenVector } from './layout.js';
import { inputOf, requestLine, runHarness, toRecord } from './native.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, '..', '..', 'tools', 'golden', 'golden.c');

const compiler = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
const skipReason =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? `the host is ${process.platform}/${process.arch}, not x86-64 Linux`
    : compiler === undefined
      ? 'no C compiler (cc or gcc) on this host'
      : null;
if (skipReason) console.log(`golden harness check skipped: ${skipReason}`);

/** Every 20th vector of each file, and every exception vector (they exercise the signal path). */
function sample(): GoldenVector[] {
  const out: GoldenVector[] = [];
  const data = join(HERE, 'data');
  for (const file of readdirSync(data).filter((f) => f.endsWith('.jsonl.gz')).sort()) {
    const lines = gunzipSync(readFileSync(join(data, file))).toString('utf8').split('\n').filter(Boolean);
    lines.forEach((line, n) => {
      const v = JSON.parse(line) as GoldenVector;
      if (n % 20 === 0 || v.exc) out.push(v);
    });
  }
  return out;
}

describe('native golden harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'golden-harness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(skipReason !== null)('rebuilds and agrees with the committed vectors on a sample', () => {
    const binary = join(dir, 'golden');
    const build = spawnSync(compiler!, ['-O1', '-o', binary, SOURCE], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const vectors = sample();
    const inputs = vectors.map(inputOf);
    const answers = runHarness(binary, inputs.map(requestLine));
    const differ: string[] = [];
    vectors.forEach((v, i) => {
      const fresh = toRecord({ id: v.f, mnemonic: v.m, size: v.sz }, inputs[i], answers[i]);
      const a = JSON.stringify({ out: v.out, ofl: v.ofl, omem: v.omem, exc: v.exc });
      const b = JSON.stringify({ out: fresh.out, ofl: fresh.ofl, omem: fresh.omem, exc: fresh.exc });
      if (a !== b && differ.length < 10) differ.push(`${v.f} (${v.b}):\n  committed ${a}\n  this host ${b}`);
    });
    console.log(`golden harness: ${vectors.length} committed vectors re-run natively`);
    expect(differ, differ.join('\n')).toEqual([]);
  });
});
