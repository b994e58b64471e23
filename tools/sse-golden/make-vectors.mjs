// Bundles test/cpu/sse-float/make-vectors.ts and runs it (builds the harness first).
// Usage: node tools/sse-golden/make-vectors.mjs [group...]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
execFileSync('make', ['-s', '-C', join(root, 'tools', 'sse-golden')], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'sse-golden-'));
const out = join(dir, 'make-vectors.mjs');
const entry = join(root, 'test', 'cpu', 'sse-float', 'make-vectors.ts');
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  // import.meta.url must keep pointing at test/cpu/sse-float for the output paths.
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) },
  logLevel: 'warning',
});
try {
  await import(pathToFileURL(out).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
