// `npm run fuzz:isa -- --seconds N --seed S [--translate]`: builds the golden harness
// (tools/golden/golden.c) with the host compiler, bundles tools/fuzz-isa/fuzz-isa.ts (it
// imports the emulator and test/golden) and runs it. Needs x86-64 Linux and cc/gcc.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
if (platform() !== 'linux' || arch() !== 'x64') {
  console.error(`fuzz:isa: the host CPU is the oracle, so this needs x86-64 Linux (this is ${platform()}/${arch()})`);
  process.exit(2);
}
const cc = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) {
  console.error('fuzz:isa: no C compiler (cc or gcc) to build the native harness tools/golden/golden.c');
  process.exit(2);
}
execFileSync('make', ['-s', '-C', join(root, 'tools', 'golden'), `CC=${cc}`], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'fuzz-isa-'));
const out = join(dir, 'fuzz-isa.mjs');
try {
  await build({
    entryPoints: [join(root, 'tools', 'fuzz-isa', 'fuzz-isa.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
  });
  const args = process.argv.slice(2);
  args.push('--harness', join(root, 'tools', 'golden', 'golden'));
  if (!args.includes('--findings')) args.push('--findings', join(root, 'test', 'golden', 'data', 'fuzz-findings.jsonl.gz'));
  const res = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit' });
  process.exitCode = res.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
