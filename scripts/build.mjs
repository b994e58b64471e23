// Bundles src/cli/main.ts into dist/cli.js for Node 20.
// With --if-stale (used by `npm start` and the tests) it rebuilds only when a source file
// is newer than the bundle.
//
// Like Linux's vdso2c, the kernel's entry stubs and the vDSO image are assembled here,
// once, and carried in the bundle (src/kernel/boot-images.ts), so `x64emu run` does not
// start by running the assembler.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = 'dist/cli.js';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function isStale() {
  try {
    return Math.max(newestMtime('src'), statSync('scripts/build.mjs').mtimeMs) > statSync(out).mtimeMs;
  } catch {
    return true;
  }
}

/** Runs the image builders from source and returns their serialized result. */
async function prebuiltImages() {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-build-'));
  const script = join(dir, 'images.mjs');
  try {
    await build({
      stdin: {
        contents: "import { bootImages, serializeImages } from './src/kernel/boot-images.ts'; export default serializeImages(bootImages());",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'warning',
    });
    return (await import(pathToFileURL(script).href)).default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!process.argv.includes('--if-stale') || isStale()) {
  const images = await prebuiltImages();
  await build({
    entryPoints: ['src/cli/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: out,
    define: { __X64EMU_PREBUILT_IMAGES__: JSON.stringify(images) },
    // commander is CommonJS: give the ESM bundle a require() for its node: imports.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
