/**
 * Records the SSE floating-point golden vectors on the host CPU: generates requests for
 * every form (generate.ts), runs them through tools/sse-golden/sse-golden, and writes
 * data/<group>.txt.gz. Run with `node tools/sse-golden/make-vectors.mjs [group...]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FORMS } from './forms.js';
import { generate, makeRng } from './generate.js';
import { runHarness } from './harness.js';
import { formatVector } from './vector-io.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const harness = join(root, 'tools', 'sse-golden', 'sse-golden');

/** A stable seed per form, so regenerating one group leaves the others' inputs alone. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

const wanted = process.argv.slice(2);
const groups = [...new Set(FORMS.map((f) => f.group))].filter((g) => wanted.length === 0 || wanted.includes(g));
mkdirSync(join(here, 'data'), { recursive: true });
for (const group of groups) {
  const lines: string[] = [];
  const counts: string[] = [];
  for (const form of FORMS.filter((f) => f.group === group)) {
    const requests = generate(form, makeRng(seedOf(form.name)));
    const vectors = runHarness(harness, requests);
    for (const v of vectors) lines.push(formatVector(v));
    counts.push(`${form.name} ${vectors.length}`);
  }
  const gz = gzipSync(lines.join('\n') + '\n', { level: 9 });
  writeFileSync(join(here, 'data', `${group}.txt.gz`), gz);
  console.log(`${group}: ${lines.length} vectors, ${(gz.length / 1024).toFixed(0)} KiB (${counts.join(', ')})`);
}
