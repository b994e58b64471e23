import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, type ManifestEntry, manifest, runFixture } from './run-fixture.js';

/**
 * Every fixture runs in the emulator and must print exactly what the same binary
 * printed natively (fixtures/expected/, recorded by fixtures/record-expected.mjs) and
 * end with the same status.
 */
describe('fixtures match their native runs', () => {
  for (const entry of manifest() as Array<ManifestEntry & { knownFailing?: string }>) {
    // An entry marked "knownFailing" (fixtures/README.md) is reported as skipped, with its reason,
    // until the emulator runs it; remove the mark when it passes.
    if (entry.knownFailing) {
      it.skip(`${entry.name} [known failing: ${entry.knownFailing}]`, () => {});
      continue;
    }
    it(entry.name, () => {
      const run = runFixture(entry.binary, entry.args, entry.env);
      const expected = readFileSync(join(FIXTURES, entry.stdout), 'utf8');
      expect(run.stdout).toBe(expected);
      expect(run.outcome).toEqual({ kind: 'exited', status: entry.status });
    });
  }
});

describe('system call entry paths', () => {
  it('int 0x80 dispatches on the ia32 table: eax=4 writes, eax=1 exits', () => {
    const run = runFixture('bin/write-int80');
    const { byPath, byName } = run.machine.kernel.stats;
    expect(byPath.int80).toBe(2);
    expect(byPath.syscall).toBe(0);
    expect(byName).toEqual({ write: 1, exit: 1 });
    expect(run.outcome).toEqual({ kind: 'exited', status: 7 });
  });

  it('syscall dispatches on the x86-64 table: eax=1 writes, eax=60 exits', () => {
    const run = runFixture('bin/write-syscall');
    const { byPath, byName } = run.machine.kernel.stats;
    expect(byPath.syscall).toBe(2);
    expect(byPath.int80).toBe(0);
    expect(byName).toEqual({ write: 1, exit: 1 });
  });

  it('user code runs at CPL 3 and the kernel stub at CPL 0', () => {
    const run = runFixture('bin/hello-musl');
    expect(run.machine.interp.userRetired).toBeGreaterThan(1000);
    // Kernel instructions: the entry stub's pushes, pops and sysret for each call.
    expect(run.machine.cpu.retired).toBeGreaterThan(run.machine.interp.userRetired);
  });
});
