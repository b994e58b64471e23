/**
 * Crashes the fuzzers found, kept as plain tests: each call here once threw a JavaScript
 * exception out of the kernel (or succeeded where Linux says -EFAULT).
 */
import { describe, expect, it } from 'vitest';
import { EFAULT, EINVAL } from '../../src/kernel/errno.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { buildMiniElf, Code, PF_R, PF_W, PF_X, REG } from '../../src/fuzz/mini-elf.js';

const CODE = 0x40_0000;
const DATA = 0x60_0000;

/** Runs the calls ([nr, ...args]) from a minimal program and returns what each returned. */
/**
 * A hang guard, not a speed goal (those live in the benchmarks): the bugs below took
 * hours, the fixed code milliseconds, and a shared machine under load can stall a test
 * for seconds.
 */
const HANG = 30_000;

function syscalls(calls: Array<Array<number | bigint>>, data = new Uint8Array(0x2000)): number[] {
  const code = new Code();
  const regs = [REG.rdi, REG.rsi, REG.rdx, REG.r10, REG.r8, REG.r9];
  for (const [nr, ...args] of calls) {
    code.movImm(REG.rax, BigInt(nr!));
    args.forEach((a, i) => code.movImm(regs[i]!, BigInt(a)));
    code.syscall();
  }
  code.movImm(REG.rax, 231n).movImm(REG.rdi, 0n).syscall();
  const image = buildMiniElf(CODE, [
    { vaddr: CODE, flags: PF_R | PF_X, data: code.build() },
    { vaddr: DATA, flags: PF_R | PF_W, data },
  ]);
  const machine = new Machine({ host: new MemoryHost(), memoryMiB: 32, seed: 1 });
  machine.load({ image, path: '/t', argv: ['t'], envp: [] });
  const results: number[] = [];
  machine.kernel.observer = { onSyscallExit: (_path, _nr, _name, _args, result) => results.push(result) };
  expect(machine.run(1_000_000)).toEqual({ kind: 'exited', status: 0 });
  return results;
}

const HUGE = 0x67f8_0b7f_580c_4c00n; // above 2^53: address + length rounds back to address
const SIGN = 0x8000_0000_0000_0000n;

describe('fuzz-found crashes', () => {
  it('pointers above 2^53 are -EFAULT, not a write at physical -1 (RangeError: offset is out of bounds)', () => {
    expect(
      syscalls([
        [63, HUGE], // uname
        [201, 0x4287_fb15_2ea1_500n], // time
        [96, SIGN, 0], // gettimeofday
        [96, DATA, SIGN], // gettimeofday, bad timezone
        [309, SIGN, DATA, 0], // getcpu
        [229, 4, SIGN], // clock_getres
        [228, 0, 0x55_777d_f094_915000n], // clock_gettime
        [318, 0xbb1f_2f89_7bc3_c400n, 7, 0], // getrandom
      ]),
    ).toEqual(Array(8).fill(-EFAULT));
  });

  it('an iovec length near 2^64 is an error, not a 2^64-byte allocation (RangeError: Invalid typed array length)', () => {
    const data = new Uint8Array(0x2000);
    const iov = new DataView(data.buffer, 0x100);
    iov.setBigUint64(0, BigInt(DATA), true);
    iov.setBigUint64(8, 0xf540_0000_0000_0000n, true); // negative as ssize_t: Linux says EINVAL
    const [r] = syscalls([[20, 1, BigInt(DATA + 0x100), 1]], data); // writev(1, iov, 1)
    expect([-EINVAL, -EFAULT]).toContain(r);
  });

  it('prlimit64 reads the new limit: a pointer to nowhere is -EFAULT', () => {
    expect(syscalls([[302, 0, 15, 0x8000_0000_0000n, DATA]])).toEqual([-EFAULT]);
  });

  it('munmap, mprotect and mremap of a 16 TiB area cost its pages, not 2^32 page lookups (the host hung for hours)', () => {
    const A = 0x1000_0000_0000;
    const B = 0x3000_0000_0000;
    const SIZE = 0x1000_0000_0000;
    const started = performance.now();
    expect(
      syscalls([
        [9, A, SIZE, 0, 0x4032, -1, 0], // mmap(A, 16 TiB, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE)
        [10, A, SIZE, 3], // mprotect(A, 16 TiB, PROT_READ|PROT_WRITE)
        [228, 0, A + 0x12_3000], // clock_gettime into one page of it
        [25, A, SIZE, SIZE, 3, B], // mremap(A, 16 TiB, 16 TiB, MREMAP_MAYMOVE|MREMAP_FIXED, B)
        [11, B, SIZE], // munmap
      ]),
    ).toEqual([A, 0, 0, B, 0]);
    expect(performance.now() - started).toBeLessThan(HANG);
  });

  it('sysenter asked to return to a non-canonical address is SIGSEGV, not a kernel #GP on SYSEXIT (KernelPanic)', () => {
    const code = new Code().movImm(REG.rax, 20n).movImm(REG.r10, 0x8000_0000_0000n).movImm(REG.r11, 0n).bytes(0x0f, 0x34); // getpid via sysenter
    const image = buildMiniElf(CODE, [{ vaddr: CODE, flags: PF_R | PF_X, data: code.build() }]);
    const machine = new Machine({ host: new MemoryHost(), memoryMiB: 32, seed: 1, cpu: 'intel' });
    machine.load({ image, path: '/t', argv: ['t'], envp: [] });
    expect(machine.run(1_000_000)).toMatchObject({ kind: 'signaled', signal: 11, reason: 'sysenter return to non-canonical address 0x800000000000' });
  });

  it('getrandom into a bad buffer fails before generating 32 MiB of randomness', () => {
    const started = performance.now();
    expect(syscalls([[318, 0x1000, 0x1ff_ffff, 0]])).toEqual([-EFAULT]);
    expect(performance.now() - started).toBeLessThan(HANG);
  });
});
