// Bundles test/golden/make-vectors.ts (it imports the emulator's opcode table) and runs it.
// Usage: node tools/golden/make-vectors.mjs [group...]   (builds the harness first)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
execFileSync('make', ['-s', '-C', join(root, 'tools', 'golden')], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'golden-'));
const out = join(dir, 'make-vectors.mjs');
await build({
  entryPoints: [join(root, 'test', 'golden', 'make-vectors.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  keepNames: true,
  outfile: out,
  // import.meta.url must keep pointing at test/golden for the output paths.
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'test', 'golden', 'make-vectors.ts')).href) },
  logLevel: 'warning',
});
try {
  await import(pathToFileURL(out).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
