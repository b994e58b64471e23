/**
 * Building a generator's vectors form by form (test/golden/make-vectors.ts,
 * test/cpu/sse-int/vectors.ts): each form draws from its own PRNG seeded by its id, so
 * adding a form changes no other form's vectors.
 */
import { EncodeError } from './encode.js';
import { Rng } from './rng.js';

/** What buildAll needs of a form: its id (the PRNG seed), how many vectors, and how to build one. */
export interface BuildableForm<V> {
  id: string;
  count: number;
  build: (v: V, n: number) => void;
}

/**
 * Builds `count` vectors of every form; `seed` is mixed into each form's PRNG. A build that
 * throws `retry` (or an EncodeError: operands the encoder cannot express) is tried again
 * with fresh draws, up to 50 times.
 */
export function buildForms<F extends BuildableForm<V>, V>(
  forms: F[], newVec: (rng: Rng) => V, retry: abstract new (...args: never[]) => Error, seed = '',
): Array<{ form: F; v: V }> {
  const out: Array<{ form: F; v: V }> = [];
  for (const f of forms) {
    const rng = new Rng(f.id + seed);
    for (let n = 0; n < f.count; n++) {
      for (let attempt = 0; ; attempt++) {
        const v = newVec(rng);
        try {
          f.build(v, n);
        } catch (e) {
          if ((e instanceof retry || e instanceof EncodeError) && attempt < 50) continue;
          throw new Error(`form ${f.id} vector ${n}: ${(e as Error).message}`);
        }
        out.push({ form: f, v });
        break;
      }
    }
  }
  return out;
}
