/**
 * Where the host has no WebAssembly (Node with --jitless), guest memory is a plain
 * SharedArrayBuffer with the same layout and every hot block stays JavaScript
 * (src/mmu/physical-memory.ts): programs still run.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

describe('a host without WebAssembly', () => {
  it('runs a static glibc program (node --jitless)', () => {
    const probe = spawnSync(process.execPath, ['--jitless', '-e', 'process.stdout.write(typeof WebAssembly)'], { encoding: 'utf8' });
    // (The premise: --jitless turns WebAssembly off in this Node.)
    expect(probe.stdout).toBe('undefined');
    const r = spawnSync(process.execPath, ['--jitless', join(ROOT, 'dist/cli.js'), 'run', join(ROOT, 'fixtures/bin/hello-glibc')], { encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: 'Hello, world!\n' });
  }, 60_000);
});
