/**
 * Live spot check of the SSE integer instructions against the host CPU: fresh random
 * vectors (a new seed each run, printed so a failure can be replayed) and a sample of the
 * committed ones, run natively through tools/sse-int-golden and on the emulator. Skips,
 * saying why, when there is no C compiler or the host is not an x86-64 with SSE4.2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare, describeVector, expected, SseIntMachine } from './emulate.js';
import type { SseIntVector } from './layout.js';
import { buildAll, buildHarness, loadVectors, record, request, runHarness, sseIntForms, vecFromRecord } from './vectors.js';

function hostProblem(): string | null {
  if (arch() !== 'x64' || process.platform !== 'linux') return `host is ${process.platform}/${arch()}, not Linux x86-64`;
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  for (const flag of ['ssse3', 'sse4_1', 'sse4_2']) if (!new RegExp(`\\b${flag}\\b`).test(cpuinfo)) return `host CPU lacks ${flag}`;
  return null;
}

const dir = mkdtempSync(join(tmpdir(), 'sse-int-live-'));
const problem = hostProblem();
const harness = problem ? null : buildHarness(dir);
const reason = problem ?? (harness ? null : 'no C compiler (gcc or cc) to build tools/sse-int-golden/sse-int-golden.c');
if (reason) console.log(`sse-int live check skipped: ${reason}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(reason !== null)('SSE integer instructions, live against the host CPU', () => {
  it('agree on fresh random vectors', () => {
    const seed = `live-${Date.now()}`;
    const built = buildAll(sseIntForms(0.15), seed);
    const answers = runHarness(harness!, built.map((b) => request(b.v)));
    const machine = new SseIntMachine();
    const failures: string[] = [];
    for (let k = 0; k < built.length; k++) {
      const v = record(built[k].form, built[k].v, answers[k]);
      const diff = compare(expected(v), machine.run(v));
      if (diff.length && failures.length < 8) failures.push(`${describeVector(v)}\n  ${diff.join('\n  ')}`);
    }
    console.log(`sse-int live check: ${built.length} fresh vectors (seed "${seed}", sseIntForms(0.15))`);
    expect(failures).toEqual([]);
  });

  it('still agree with the committed vectors (a sample re-run natively)', () => {
    const sample: SseIntVector[] = [];
    for (const file of ['sse2', 'ssse3', 'sse41', 'sse42', 'pcmpstr']) {
      loadVectors(`${file}.jsonl.gz`).forEach((v, k) => {
        if (k % 20 === 0) sample.push(v);
      });
    }
    const answers = runHarness(harness!, sample.map((v) => request(vecFromRecord(v))));
    const stale: string[] = [];
    sample.forEach((v, k) => {
      const form = { id: v.f, group: '', mnemonic: '', size: 0, count: 0, build: (): void => {} };
      const now = JSON.stringify(record(form, vecFromRecord(v), answers[k]));
      if (now !== JSON.stringify(v) && stale.length < 5) stale.push(`committed ${JSON.stringify(v)}\n  host now  ${now}`);
    });
    console.log(`sse-int live check: ${sample.length} committed vectors re-run natively`);
    expect(stale).toEqual([]);
  });
});
