import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const hello = readFileSync(join(ROOT, 'fixtures/bin/hello-musl'));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withFile(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-'));
  const path = join(dir, 'guest');
  writeFileSync(path, bytes);
  return path;
}

/** Patched copies of a real static binary; field offsets from the ELF64 header layout (gABI). */
function patched(edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = Uint8Array.from(hello);
  edit(b, new DataView(b.buffer));
  return b;
}

/** One line on stderr, a non-zero status, and nothing that looks like a JavaScript stack. */
function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('the CLI refuses bad programs with one line', () => {
  it('a missing file', () => {
    const r = run(['run', '/nonexistent/program']);
    expectOneLineError(r, /No such file or directory/);
    expect(r.status).toBe(127);
  });

  it('bad magic', () => {
    expectOneLineError(run(['run', withFile(patched((b) => (b[0] = 0x7e)))]), /not an ELF file/);
  });

  it('a truncated header', () => {
    expectOneLineError(run(['run', withFile(hello.subarray(0, 30))]), /truncated/);
  });

  it('a segment past the end of the file', () => {
    // Cut the file inside its first PT_LOAD's file range.
    expectOneLineError(run(['run', withFile(hello.subarray(0, 0x1800))]), /past end of file|extends past/);
  });

  it('the wrong machine', () => {
    const r = run(['run', withFile(patched((_b, v) => v.setUint16(18, 183, true)))]); // e_machine = EM_AARCH64
    expectOneLineError(r, /machine/);
  });

  it('a 32-bit ELF says it is not supported yet', () => {
    expectOneLineError(run(['run', withFile(patched((b) => (b[4] = 1)))]), /32-bit/);
  });

  it('a dynamically linked program says so', () => {
    const dyn = '/bin/true';
    expectOneLineError(run(['run', dyn]), /dynamically linked/);
  });
});

describe('the CLI runs a guest', () => {
  it('passes the exit status through', () => {
    expect(run(['run', join(ROOT, 'fixtures/bin/exit42-glibc')]).status).toBe(42);
  });

  it('prints the guest output', () => {
    const r = run(['run', join(ROOT, 'fixtures/bin/hello-glibc')]);
    expect(r.stdout).toBe('Hello, world!\n');
    expect(r.status).toBe(0);
  });
});
