// Bundles src/cli/main.ts into dist/cli.js for Node 20.
// With --if-stale (used by `npm start`) it rebuilds only when a source file is newer
// than the bundle, so `npm start -- run ...` is fast after the first build.
import { build } from 'esbuild';
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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
    return newestMtime('src') > statSync(out).mtimeMs;
  } catch {
    return true;
  }
}

if (!process.argv.includes('--if-stale') || isStale()) {
  await build({
    entryPoints: ['src/cli/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: out,
    // commander is CommonJS: give the ESM bundle a require() for its node: imports.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
