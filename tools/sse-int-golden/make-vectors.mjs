// Regenerates the SSE integer golden vectors (test/cpu/sse-int/data/*.jsonl.gz) with the
// host CPU as the oracle. Usage: node tools/sse-int-golden/make-vectors.mjs [group...]
// Groups: sse2 ssse3 sse41 sse42 pcmpstr. Needs gcc or cc on an x86-64 Linux host with
// SSE4.2; the native executor is the generic tools/golden/golden.c, compiled to a
// temporary directory.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sse-int-golden-'));
const entry = join(root, 'test', 'cpu', 'sse-int', 'vectors.ts');
const out = join(dir, 'vectors.mjs');
try {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    keepNames: true, // the generator dispatches on handler names
    outfile: out,
    // import.meta.url must keep pointing at test/cpu/sse-int for the output paths.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) },
    logLevel: 'warning',
  });
  const lib = await import(pathToFileURL(out).href);
  const harness = lib.buildHarness(dir);
  if (!harness) throw new Error('no C compiler (gcc or cc) to build tools/golden/golden.c');
  for (const line of await lib.generate(process.argv.slice(2), harness)) console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
