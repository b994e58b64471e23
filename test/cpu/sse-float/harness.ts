/** Runs requests through the native harness (tools/sse-golden/sse-golden.c). */
import { execFileSync } from 'node:child_process';
import type { Request } from './generate.js';
import { cloneState, parseAnswer, requestLine } from './vector-io.js';
import type { Vector } from './vector-io.js';

export function runHarness(binary: string, requests: Request[]): Vector[] {
  const input = requests.map((r) => requestLine({ bytes: r.bytes }, r.state)).join('\n') + '\n';
  const output = execFileSync(binary, [], { input, maxBuffer: 1 << 30 }).toString('utf8').trim().split('\n');
  if (output.length !== requests.length) throw new Error(`harness answered ${output.length} of ${requests.length} requests`);
  return requests.map((r, i) => {
    const answer = parseAnswer(output[i]);
    return { form: r.form.name, bytes: r.bytes, input: cloneState(r.state), status: answer.status, output: answer.state };
  });
}
