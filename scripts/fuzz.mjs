// npm run fuzz -- --seconds N [--seed S] [--only elf,code,syscall] [--out DIR] [--replay FUZZER:CASE]
// Bundles src/fuzz/main.ts (the fuzzers and the emulator they drive) into dist/fuzz.mjs
// and runs it; see that file for the options and the report.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({
  entryPoints: ['src/fuzz/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: 'dist/fuzz.mjs',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', 'dist/fuzz.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = run.status ?? 1;
