/**
 * Crashes the fuzzers found, kept as plain tests: each call here once threw a JavaScript
 * exception out of the kernel (or succeeded where Linux says -EFAULT).
 */
import { describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { buildMiniElf, Code, PF_R, PF_W, PF_X, REG } from '../../src/fuzz/mini-elf.js';

const CODE = 0x40_0000;
const DATA = 0x60_0000;

/** Runs the calls ([nr, ...args]) from a minimal program and returns what each returned. */
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

describe('fuzz-found crashes', () => {
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
    expect(performance.now() - started).toBeLessThan(5000);
  });

});
