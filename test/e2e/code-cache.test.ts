/**
 * dist/cli.js starts the bundle with the V8 code cache the build made
 * (scripts/cli-loader.mjs): a start-up cost of issue 6. With X64EMU_DEBUG set the loader
 * says whether V8 took the cache; the emulator must work the same either way.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const HELLO = join(ROOT, 'fixtures/bin/hello-musl');

function hello(cli: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'run', HELLO], { encoding: 'utf8', env: { ...process.env, X64EMU_DEBUG: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the code cache', () => {
  it('is accepted by this Node for the bundle the build made', () => {
    const r = hello(join(ROOT, 'dist/cli.js'));
    expect(r.stderr).toContain('x64emu: code cache accepted');
    expect(r).toMatchObject({ status: 0, stdout: 'Hello, world!\n' });
  });

  it('a cache that does not match is rejected and the bundle compiles as usual', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x64emu-cache-'));
    for (const file of ['cli.js', 'x64emu.cjs']) copyFileSync(join(ROOT, 'dist', file), join(dir, file));
    writeFileSync(join(dir, 'x64emu.cache'), Buffer.alloc(4096, 0x5a));
    const r = hello(join(dir, 'cli.js'));
    expect(r.stderr).toContain('x64emu: code cache rejected');
    expect(r).toMatchObject({ status: 0, stdout: 'Hello, world!\n' });
  });
});
