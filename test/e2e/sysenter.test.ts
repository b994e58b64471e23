import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runFixture } from './run-fixture.js';

/**
 * SYSENTER from 64-bit code: valid on Intel (the kernel dispatches on the ia32 table
 * and returns with SYSEXITQ by x64emu's documented convention), #UD on AMD. The
 * fixture cannot be recorded natively on every host, so the expectations are: the
 * message it writes, its exit status, and for AMD whatever an AMD host does natively.
 */
describe('sysenter', () => {
  it('enters the kernel on an Intel CPU model and returns with sysexit', () => {
    const run = runFixture('bin/write-sysenter', [], {}, { cpu: 'intel' });
    expect(run.stdout).toBe('Hello from sysenter!\n');
    expect(run.outcome).toEqual({ kind: 'exited', status: 9 });
    expect(run.machine.kernel.stats.byPath).toEqual({ syscall: 0, int80: 0, sysenter: 2 });
  });

  it('is #UD (SIGILL) on an AMD CPU model', () => {
    const run = runFixture('bin/write-sysenter', [], {}, { cpu: 'amd' });
    expect(run.stdout).toBe('');
    expect(run.outcome).toMatchObject({ kind: 'signaled', signal: 4 });
  });

  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const hostIsAmd = /vendor_id\s*:\s*AuthenticAMD/.test(cpuinfo);
  it.skipIf(!hostIsAmd)('matches this AMD host natively (SIGILL)', () => {
    const native = spawnSync(join(FIXTURES, 'bin/write-sysenter'), { encoding: 'utf8' });
    expect(native.signal).toBe('SIGILL');
    expect(native.stdout).toBe('');
  });
  if (!hostIsAmd) console.log('sysenter: native comparison skipped: the host CPU is not an AMD one');
});
