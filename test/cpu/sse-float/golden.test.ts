/**
 * SSE floating-point golden vectors (issue 3, items 3-4): every vector recorded on the
 * host CPU by tools/sse-golden runs through the emulator's handlers and must end with the
 * same XMM registers, MXCSR, status flags, GPRs, memory and exception. No compiler
 * needed: the vectors are committed under data/. SSE_FORM=name limits the run to a form,
 * SSE_SHOW=n shows more failures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compare, describe as describeVector, SseMachine } from './emulate.js';
import { parseVector } from './vector-io.js';
import type { Vector } from './vector-io.js';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');
const onlyForm = process.env.SSE_FORM;
const show = Number(process.env.SSE_SHOW ?? 8);

function load(file: string): Vector[] {
  return gunzipSync(readFileSync(join(DATA, file))).toString('utf8').split('\n').filter((l) => l.length > 0).map(parseVector);
}

const files = readdirSync(DATA).filter((f) => f.endsWith('.txt.gz')).sort();

describe('SSE floating-point golden vectors from the host CPU', () => {
  const counts: string[] = [];
  let total = 0;
  let totalForms = 0;
  afterAll(() => {
    if (counts.length) console.log(`sse-float golden vectors: ${total} over ${totalForms} forms (${counts.join('; ')})`);
  });
  for (const file of files) {
    it(`agrees with the host on ${file}`, () => {
      const vectors = load(file);
      const machine = new SseMachine();
      const failures: string[] = [];
      const failed = new Map<string, number>();
      const forms = new Map<string, number>();
      let run = 0;
      for (const v of vectors) {
        forms.set(v.form, (forms.get(v.form) ?? 0) + 1);
        if (onlyForm && v.form !== onlyForm) continue;
        run++;
        const diff = compare(v, machine.run(v));
        if (diff.length === 0) continue;
        failed.set(v.form, (failed.get(v.form) ?? 0) + 1);
        if (failures.length < show) failures.push(`${describeVector(v)}\n  ${diff.join('\n  ')}`);
      }
      counts.push(`${file.replace('.txt.gz', '')} ${vectors.length}`);
      total += vectors.length;
      totalForms += forms.size;
      console.log(`sse-float golden ${file}: ${run} vectors over ${forms.size} forms`);
      if (failed.size) {
        const total = [...failed.values()].reduce((a, b) => a + b, 0);
        throw new Error(`${total} of ${run} vectors disagree; ${[...failed].map(([f, n]) => `${f} (${n})`).join(', ')}\n\n${failures.join('\n\n')}`);
      }
      expect(run).toBeGreaterThan(0);
    });
  }
});
