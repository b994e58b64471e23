/**
 * Dummy vDSO code for the writer's tests: real, tiny x86 functions (hand-assembled,
 * checked against GNU as) that return recognizable values, so a consumer that calls
 * them can tell it reached the right one.
 */
import type { VdsoImageSpec } from '../../../src/vdso/elf/index.js';

/** Sentinel values the 64-bit dummy functions return. */
export const SENTINEL = {
  clockGettimeSec: 0x12345, clockGettimeNsec: 42,
  gettimeofdaySec: 0x23456, gettimeofdayUsec: 7,
  time: 0x34567,
  getcpu: 5,
} as const;

function code(parts: Array<[offset: number, bytes: number[]]>, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xcc); // int3 between functions
  for (const [offset, bytes] of parts) out.set(bytes, offset);
  return out;
}

/** x86-64 code; offsets are those of `STANDARD_64_SYMBOLS`. */
export const TEXT_64 = code([
  // __vdso_clock_gettime(clk, ts): ts->tv_sec = 0x12345; ts->tv_nsec = 42; return 0
  [0x00, [0x48, 0xc7, 0x06, 0x45, 0x23, 0x01, 0x00, 0x48, 0xc7, 0x46, 0x08, 0x2a, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xc3]],
  // __vdso_gettimeofday(tv, tz): tv->tv_sec = 0x23456; tv->tv_usec = 7; return 0
  [0x20, [0x48, 0xc7, 0x07, 0x56, 0x34, 0x02, 0x00, 0x48, 0xc7, 0x47, 0x08, 0x07, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xc3]],
  // __vdso_time(t): if (t) *t = 0x34567; return 0x34567
  [0x40, [0xb8, 0x67, 0x45, 0x03, 0x00, 0x48, 0x85, 0xff, 0x74, 0x03, 0x48, 0x89, 0x07, 0xc3]],
  // __vdso_getcpu(cpu, node, cache): if (cpu) *cpu = 5; if (node) *node = 0; return 0
  [0x50, [0x48, 0x85, 0xff, 0x74, 0x06, 0xc7, 0x07, 0x05, 0x00, 0x00, 0x00,
    0x48, 0x85, 0xf6, 0x74, 0x06, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xc3]],
  // __vdso_clock_getres(clk, res): if (res) { res->tv_sec = 0; res->tv_nsec = 1; } return 0
  [0x70, [0x48, 0x85, 0xf6, 0x74, 0x0f, 0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x00,
    0x48, 0xc7, 0x46, 0x08, 0x01, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xc3]],
], 0x87);

export const STANDARD_64_SYMBOLS = [
  { name: '__vdso_clock_gettime', offset: 0x00, size: 18 },
  { name: '__vdso_gettimeofday', offset: 0x20, size: 18 },
  { name: '__vdso_time', offset: 0x40, size: 14 },
  { name: '__vdso_getcpu', offset: 0x50, size: 25 },
  { name: '__vdso_clock_getres', offset: 0x70, size: 23 },
];

/** The x86-64 vDSO as Linux builds it: five functions at LINUX_2.6 with weak aliases. */
export function standard64Spec(overrides: Partial<VdsoImageSpec> = {}): VdsoImageSpec {
  return {
    elfClass: 64,
    soname: 'linux-vdso.so.1',
    text: TEXT_64,
    versions: [{ name: 'LINUX_2.6', symbols: STANDARD_64_SYMBOLS, weakAliases: true }],
    linuxVersionCode: (6 << 16) | (18 << 8) | 44,
    ...overrides,
  };
}

/** i386 code: __kernel_vsyscall, the sigreturn trampolines, and stub clock functions. */
export const TEXT_32 = code([
  [0x00, [0xcd, 0x80, 0xc3]],                                      // __kernel_vsyscall: int $0x80; ret
  [0x10, [0x58, 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcd, 0x80]],        // __kernel_sigreturn: pop %eax; mov $119,%eax; int $0x80
  [0x20, [0xb8, 0xad, 0x00, 0x00, 0x00, 0xcd, 0x80]],              // __kernel_rt_sigreturn: mov $173,%eax; int $0x80
  ...[0x30, 0x34, 0x38, 0x3c, 0x40, 0x44].map((o): [number, number[]] => [o, [0x31, 0xc0, 0xc3]]), // xor %eax,%eax; ret
], 0x48);

/** The i386 vDSO (vdso32.lds.S): LINUX_2.6 clock functions, LINUX_2.5 entry points, e_entry. */
export function standard32Spec(overrides: Partial<VdsoImageSpec> = {}): VdsoImageSpec {
  return {
    elfClass: 32,
    soname: 'linux-gate.so.1',
    text: TEXT_32,
    versions: [
      {
        name: 'LINUX_2.6',
        symbols: ['__vdso_clock_gettime', '__vdso_gettimeofday', '__vdso_time', '__vdso_clock_getres',
          '__vdso_clock_gettime64', '__vdso_getcpu'].map((name, i) => ({ name, offset: 0x30 + 4 * i, size: 3 })),
      },
      {
        name: 'LINUX_2.5',
        symbols: [
          { name: '__kernel_vsyscall', offset: 0x00, size: 3 },
          { name: '__kernel_sigreturn', offset: 0x10, size: 8 },
          { name: '__kernel_rt_sigreturn', offset: 0x20, size: 7 },
        ],
      },
    ],
    linuxVersionCode: (6 << 16) | (18 << 8) | 44,
    entry: '__kernel_vsyscall',
    ...overrides,
  };
}
