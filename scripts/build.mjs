// Bundles src/cli/main.ts into dist/x64emu.cjs for Node 20, with dist/cli.js (from
// scripts/cli-loader.mjs) to start it and dist/x64emu.cache, V8's code cache of a hello
// world's run, made last. With --if-stale (used by `npm start` and the tests) it rebuilds
// only when a source file is newer than that cache.
//
// Like Linux's vdso2c, the kernel's entry stubs and the vDSO image are assembled here,
// once, and carried in the bundle (src/kernel/boot-images.ts), so `x64emu run` does not
// start by running the assembler.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cache = 'dist/x64emu.cache';

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
    const newest = Math.max(newestMtime('src'), statSync('scripts/build.mjs').mtimeMs, statSync('scripts/cli-loader.mjs').mtimeMs);
    return newest > statSync(cache).mtimeMs;
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
    format: 'cjs',
    outfile: 'dist/x64emu.cjs',
    define: { __X64EMU_PREBUILT_IMAGES__: JSON.stringify(images) },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  copyFileSync('scripts/cli-loader.mjs', 'dist/cli.js');
  rmSync(cache, { force: true });
  execFileSync(process.execPath, ['dist/cli.js', 'run', 'fixtures/bin/hello-glibc'], {
    env: { ...process.env, X64EMU_WRITE_CODE_CACHE: cache },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
