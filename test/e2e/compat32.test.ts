/**
 * 32-bit guests (issue 8): i386 static glibc programs (fixtures/bin/*-glibc32, built with
 * gcc -m32 -static) run in compatibility mode and match their native output
 * (fixtures/expected/*32.stdout, recorded natively); __kernel_vsyscall enters the kernel
 * through sysenter (--cpu intel), syscall (amd) or int 0x80 (legacy); clock reads go
 * through the vdso32 without a kernel entry, and fall back with --no-vdso.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/host/node-fs.js';
import { vdso32Image } from '../../src/kernel/compat/index.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { FIXTURES, runFixture } from './run-fixture.js';

const expected = (name: string): string => readFileSync(join(FIXTURES, 'expected', `${name}.stdout`), 'utf8');
const ENV = { LANG: 'C' };

describe('32-bit static glibc programs', () => {
  it('hello world matches its native run; AT_SYSINFO and AT_SYSINFO_EHDR are announced', () => {
    const r = runFixture('bin/hello-glibc32', [], ENV);
    expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
    expect(r.stdout).toBe(expected('hello-glibc32'));
    const auxv = new Map(r.machine.kernel.process.auxv);
    const ehdr = auxv.get(33)!;
    expect(ehdr).toBeGreaterThan(0);
    expect(ehdr).toBeLessThan(2 ** 32);
    expect(auxv.get(32)! - ehdr).toBe(vdso32Image().kernelVsyscall); // AT_SYSINFO = __kernel_vsyscall
    expect(r.machine.exec!.stack.rsp).toBeLessThan(2 ** 32);
  });

  it('large allocations go through mmap2 (offset in pages) below 4 GiB and match the native run', () => {
    const r = runFixture('bin/bigalloc-glibc32', [], ENV);
    expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
    expect(r.stdout).toBe(expected('bigalloc-glibc32'));
    expect(r.machine.kernel.stats.byName.mmap2).toBeGreaterThanOrEqual(4);
  });

  for (const [cpu, path] of [['intel', 'sysenter'], ['amd', 'syscall'], ['legacy', 'int80']] as const) {
    it(`getpid/write x1000 enter through ${path} under --cpu ${cpu}, output identical`, () => {
      const r = runFixture('bin/syscall-loop-glibc32', [], ENV, { cpu });
      expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
      expect(r.stdout).toBe(expected('syscall-loop-glibc32'));
      const s = r.machine.kernel.stats;
      expect(s.byName.getpid).toBe(1001);
      expect(s.byName.write).toBe(1001);
      // start-up calls before TLS is set up use int 0x80 directly (glibc's _dl_sysinfo_int80)
      expect(s.byPath[path]).toBeGreaterThanOrEqual(2002);
      for (const other of ['syscall', 'int80', 'sysenter'] as const) if (other !== path && other !== 'int80') expect(s.byPath[other]).toBe(0);
      expect(s.byPath.int80).toBeLessThan(path === 'int80' ? Infinity : 10);
    });
  }

  for (const cpu of ['intel', 'amd', 'legacy'] as const) {
    it(`signal handling matches the native run (ia32 frames, sigreturn and rt_sigreturn) under --cpu ${cpu}`, () => {
      const r = runFixture('bin/signals-glibc32', [], ENV, { cpu });
      expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
      expect(r.stdout).toBe(expected('signals-glibc32'));
      const s = r.machine.kernel.stats;
      // Plain handlers return through sigreturn (119), SA_SIGINFO ones through rt_sigreturn (173);
      // the old calls reach their compat handlers, none falls to -ENOSYS.
      expect(s.byName.sigreturn).toBeGreaterThanOrEqual(4);
      expect(s.byName.rt_sigreturn).toBeGreaterThanOrEqual(20);
      for (const call of ['signal', 'sigaction', 'sigprocmask', 'sigpending', 'sigaltstack']) expect(s.byName[call]).toBeGreaterThan(0);
    });
  }

  it('ia32-only calls (old_mmap with its argument struct, the 16-bit id calls, compat sysinfo) match the native run', () => {
    // Host files for the mapping of /proc/self/exe (the binary itself).
    const host = new MemoryHost();
    host.fs = new NodeFileSystem();
    const r = runFixture('bin/calls-glibc32', [], ENV, { host });
    expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
    expect(r.stdout).toBe(expected('calls-glibc32'));
    const s = r.machine.kernel.stats;
    expect(s.byName.mmap).toBe(7); // the seven old_mmap calls (ia32 90; glibc's own mmap is mmap2)
    for (const call of ['getuid', 'getgid', 'geteuid', 'getegid']) expect(s.byName[call]).toBe(1);
    expect(s.byName.sysinfo).toBe(2);
  });

  it('clock_gettime and gettimeofday x1000: no kernel entry for them (vdso32), and the same output with --no-vdso through int 0x80', () => {
    const r = runFixture('bin/clock-loop-glibc32', ['1000'], ENV);
    expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
    expect(r.stdout).toBe(expected('clock-loop-glibc32'));
    const s = r.machine.kernel.stats;
    expect(Object.keys(s.byName).filter((n) => /clock|time/.test(n))).toEqual([]);
    expect(s.vdsoCalls.__vdso_clock_gettime64).toBe(2000);
    const n = runFixture('bin/clock-loop-glibc32', ['1000'], ENV, { vdso: false });
    expect(n.stdout).toBe(expected('clock-loop-glibc32'));
    expect(n.machine.kernel.stats.byName.clock_gettime64).toBe(2000);
    expect(n.machine.kernel.stats.byPath.int80).toBe(n.machine.kernel.stats.syscallsTotal);
  });

  it('100,000 reads of each clock (the acceptance count): still no kernel entry for them', () => {
    const r = runFixture('bin/clock-loop-glibc32', [], ENV);
    expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
    expect(r.stdout).toBe('100000 reads of each clock: monotonic yes, fields in range\n');
    const s = r.machine.kernel.stats;
    expect(Object.keys(s.byName).filter((n) => /clock|time/.test(n))).toEqual([]);
    expect(s.syscallsTotal).toBeLessThan(30);
    expect(s.vdsoCalls.__vdso_clock_gettime64).toBe(200_000);
  });
});

/**
 * The corpus (fixtures/src/corpus) built with gcc -m32 at -O0 and -O2: libm, printf/scanf,
 * strings, qsort, setjmp, malloc, bit builtins and SSE4.2 in 32-bit code, each section
 * against its native recording (the same environment as the 64-bit manifest entries).
 */
describe('the instruction-mix corpus at -m32', () => {
  const CORPUS_ENV = { LANG: 'C', GLIBC_TUNABLES: 'glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-FMA4' };
  // i386 libm's log, log10 and atan2 are x87 FYL2X and FPATAN, whose last bits follow
  // the AMD host's own evaluation (src/cpu/x87/zen-log2.ts, functions.ts).
  const sections = (opt: string): string[] =>
    readdirSync(join(FIXTURES, 'expected'))
      .filter((f) => f.startsWith(`corpus-${opt}-glibc32-`))
      .map((f) => f.slice(`corpus-${opt}-glibc32-`.length, -'.stdout'.length));
  for (const opt of ['O0', 'O2']) {
    it(`-${opt}: the 16 sections less int128 (i386 has no __int128) are recorded`, () => {
      expect(sections(opt).length).toBe(15);
    });
    for (const name of sections(opt)) {
      it(`-${opt} ${name} matches its native run`, () => {
        const r = runFixture(`bin/corpus-${opt}-glibc32`, [name], CORPUS_ENV);
        expect(r.outcome).toEqual({ kind: 'exited', status: 0 });
        const want = expected(`corpus-${opt}-glibc32-${name}`).split('\n');
        const got = r.stdout.split('\n');
        expect(got.length).toBe(want.length);
        const differing = want.filter((line, n) => line !== got[n]);
        expect(differing).toEqual([]);
      }, 120_000);
    }
  }
});
