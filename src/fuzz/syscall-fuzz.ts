/**
 * Fuzzer (c): system calls with random numbers and hostile arguments. Each case builds a
 * minimal static ELF whose code makes a run of system calls — `syscall`, and `int 0x80`
 * for the ia32 table — with numbers drawn mostly from the calls the kernel implements
 * and arguments drawn by their kind (the strace signatures): pointers into a valid data
 * area, across its end, into read-only pages, unmapped memory, the kernel half and
 * non-canonical addresses; descriptors; sizes and edge values. The kernel's observer
 * sees every call; each must return a value or -errno with a known errno, and a call
 * that succeeds must not have been given a pointer it would have to read through (or
 * write through) that points nowhere: that must be -EFAULT (or another -errno).
 */
import type { AddressSpace } from '../kernel/address-space.js';
import { PROT_NONE, PROT_WRITE, STACK_LIMIT } from '../kernel/address-space.js';
import { ERRNO_NAMES } from '../kernel/errno.js';
import { SYSCALL_NAMES_32, SYSCALL_NAMES_64 } from '../kernel/syscalls/syscall-names.js';
import { IA32_TABLE, X86_64_TABLE } from '../kernel/syscalls/tables.js';
import type { EntryPath } from '../kernel/syscalls/types.js';
import { signatureOf } from '../debugger/syscall-signatures.js';
import type { ArgKind } from '../debugger/syscall-signatures.js';
import { CaseContext, FuzzOptions, FuzzReport, fuzzLoop, fuzzMachine, judgeOutcome, kernelFingerprint } from './harness.js';
import { buildMiniElf, Code, PF_R, PF_W, PF_X, REG } from './mini-elf.js';
import type { Rng } from './rng.js';

export interface SyscallFuzzOptions extends FuzzOptions {
  /** System calls per case (default 24). */
  callsPerCase?: number;
}

const CODE = 0x40_0000;
const RODATA = 0x50_0000;
const DATA = 0x60_0000;
const DATA_SIZE = 0x4000;

/** Strings and structures at fixed places in the data area, for arguments that point at them. */
const STRINGS: ReadonlyArray<readonly [number, string]> = [
  [0x000, '/proc/self/maps'], [0x040, '/proc/self/exe'], [0x080, '/proc/self/auxv'], [0x0c0, '/dev/null'], [0x100, '/'],
  [0x140, ''], [0x180, '.'], [0x1c0, '/proc/self/cmdline'], [0x200, '/etc/passwd'], [0x240, '../../../../etc/passwd'],
  [0x280, '/proc/self/fd/1'], [0x2c0, '/proc/self/status'], [0x300, '/tmp'], [0x340, '/tmp/f'], [0x380, '/tmp/d'],
  [0x3c0, '/tmp/d/../f'], [0x400, '/dev/zero'], [0x440, '/dev/urandom'], [0x480, 'f'], [0x4c0, '/tmp/f/x'],
];
const IOVECS = 0x800; // 8 iovecs: mostly good, some bad
const TIMESPECS = 0xa00;

function dataImage(rng: Rng): Uint8Array {
  const d = rng.bytes(DATA_SIZE);
  const v = new DataView(d.buffer);
  const enc = new TextEncoder();
  for (const [at, s] of STRINGS) {
    d.set(enc.encode(s), at);
    d[at + s.length] = 0;
  }
  for (let i = 0; i < 8; i++) {
    const base = i < 6 ? BigInt(DATA + rng.int(DATA_SIZE - 64)) : pointerValue(rng);
    v.setBigUint64(IOVECS + i * 16, base, true);
    v.setBigUint64(IOVECS + i * 16 + 8, BigInt(rng.pick([0, 1, 16, 64, 4096, 0x7fffffff])), true);
  }
  const ts: Array<[bigint, bigint]> = [[0n, 0n], [0n, 1000n], [0n, 999_999_999n], [0n, 1_000_000_000n], [-1n, 0n], [0n, -1n], [1n, 0n]];
  ts.forEach(([s, ns], i) => {
    v.setBigInt64(TIMESPECS + i * 16, s, true);
    v.setBigInt64(TIMESPECS + i * 16 + 8, ns, true);
  });
  return d;
}

type PointerClass = 'null' | 'good' | 'readonly' | 'bad' | 'maybe';

function pointerValue(rng: Rng): bigint {
  return rng.weighted<() => bigint>([
    [6, () => BigInt(DATA + (rng.chance(0.5) ? rng.pick(STRINGS)[0] : rng.int(DATA_SIZE)))],
    [1, () => BigInt(DATA + DATA_SIZE - rng.range(1, 24))], // runs off the end of the area
    [1, () => BigInt(rng.pick([IOVECS, TIMESPECS + 16 * rng.int(7)]) + DATA)],
    [2, () => BigInt(rng.pick([RODATA, CODE]) + rng.int(4096))], // read-only
    [2, () => rng.pick([0x1000n, 0x10000n, BigInt(DATA + DATA_SIZE + 0x1000), BigInt(RODATA + 0x8000), 0x7fff_0000_0000n, BigInt(rng.int(2 ** 47))])], // unmapped
    [2, () => rng.pick([0xffff_ffff_8100_0000n, 0xffff_ffff_8200_1000n, 0xffff_ffff_8300_0000n - 8n, 0xffff_8000_0000_0000n, 0xffff_ffff_ff60_0000n, -1n, -4096n])], // kernel half
    [1, () => rng.pick([0x8000_0000_0000n, 0x8000_0000_1000n, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x7fff_ffff_f000n])], // non-canonical, top
    [1, () => 0n],
  ])();
}

function intValue(rng: Rng): bigint {
  return rng.weighted<() => bigint>([
    [4, () => BigInt(rng.range(0, 16))],
    [2, () => rng.pick([-1n, -2n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n])],
    [2, () => BigInt(rng.pick([0x1000, 0x2000, 0x10000, 0x100000, 0x1000000, 0x40000000, 4095, 4097, 64, 128]))],
    [1, () => rng.pick([1n << 36n, 1n << 40n, 1n << 44n, 0x7fff_ffff_0000n])], // address-space sized
    [1, () => BigInt(rng.u32())],
    [1, () => rng.u64()],
  ])();
}

function fdValue(rng: Rng): bigint {
  return rng.weighted<() => bigint>([
    [6, () => BigInt(rng.range(0, 4))],
    [1, () => rng.pick([-1n, -100n, 1024n, 0x7fff_ffffn, 0x1_0000_0001n])],
  ])();
}

const POINTER_KINDS = new Set<ArgKind>([
  'ptr', 'path', 'wbuf', 'rbuf', 'rbuf_hex', 'rpath', 'iovec', 'riovec', 'timespec', 'timespec64', 'rlimit64', 'sigset', 'sigaction',
  'argv', 'envp', 'mmap_struct', 'timespec_out', 'timespec64_out', 'timeval_out', 'timezone_out', 'stat_out', 'stat64_out', 'statx_out',
  'rlimit64_out', 'rlimit_out', 'utsname_out', 'uint_out', 'time_out', 'fds_out', 'sigset_out', 'sigaction_out', 'cpuset_out', 'loff_out',
  'int_out', 'arch_addr', 'ioctl_arg',
]);

function argValue(rng: Rng, kind: ArgKind | undefined): bigint {
  if (kind === 'iovec' || kind === 'riovec') return rng.chance(0.6) ? BigInt(DATA + IOVECS + 16 * rng.int(8)) : pointerValue(rng);
  if (kind === 'timespec' || kind === 'timespec64') return rng.chance(0.6) ? BigInt(DATA + TIMESPECS + 16 * rng.int(7)) : pointerValue(rng);
  if (kind && POINTER_KINDS.has(kind)) return rng.chance(0.85) ? pointerValue(rng) : intValue(rng);
  if (kind === 'fd' || kind === 'dirfd') return rng.chance(0.1) ? -100n : fdValue(rng); // -100: AT_FDCWD
  if (kind === undefined) return rng.chance(0.5) ? pointerValue(rng) : intValue(rng);
  return intValue(rng);
}

/** Kinds a successful call must have read (or written) through: a bad pointer there is -EFAULT. */
const READ_ALWAYS = new Set<ArgKind>(['path', 'timespec', 'timespec64', 'rlimit64', 'sigset', 'sigaction', 'mmap_struct']);
const WRITE_ALWAYS = new Set<ArgKind>([
  'timespec_out', 'timespec64_out', 'timeval_out', 'timezone_out', 'stat_out', 'stat64_out', 'statx_out', 'rlimit64_out', 'rlimit_out',
  'utsname_out', 'uint_out', 'time_out', 'fds_out', 'sigset_out', 'sigaction_out', 'loff_out', 'int_out',
]);
/** Written only when the call returns a positive count. */
const WRITE_IF_COUNT = new Set<ArgKind>(['rbuf', 'rbuf_hex', 'rpath', 'cpuset_out']);
/** Calls whose pointers are used only in some cases the signature cannot tell. */
const UNCHECKED_CALLS = new Set(['nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64', 'futex', 'futex_time64', 'execve', 'rt_sigreturn']);

const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;

function classify(space: AddressSpace, addr: number): PointerClass {
  if (addr === 0) return 'null';
  if (!(addr >= 0 && addr < 2 ** 47)) return 'bad';
  const v = space.find(addr);
  if (!v) {
    const stack = space.vmas.find((s) => s.growsDown);
    return stack && addr < stack.start && stack.end - addr <= STACK_LIMIT ? 'maybe' : 'bad';
  }
  if (v.prot === PROT_NONE) return 'bad';
  if (v.frames) return 'maybe'; // [vdso] and [vvar]: some pages have no backing at all
  return v.prot & PROT_WRITE ? 'good' : 'readonly';
}

interface Call {
  path: EntryPath;
  nr: number;
  name: string;
  args: number[];
  classes: PointerClass[];
}

const EXITS_64 = new Set([60, 231]);
const EXITS_32 = new Set([1, 252]);

function chooseNumber(rng: Rng, ia32: boolean): bigint {
  const table = ia32 ? IA32_TABLE : X86_64_TABLE;
  const exits = ia32 ? EXITS_32 : EXITS_64;
  const implemented = Object.keys(table).map(Number).filter((n) => !exits.has(n));
  const names = Object.keys(ia32 ? SYSCALL_NAMES_32 : SYSCALL_NAMES_64).map(Number).filter((n) => !exits.has(n));
  return rng.weighted<() => bigint>([
    [14, () => BigInt(rng.pick(implemented))],
    [4, () => BigInt(rng.pick(names))],
    [1, () => rng.pick([-1n, 0x8000_0000n, 0x1_0000_0000n, 0x1_0000_0001n, 0xffff_ffffn, BigInt(rng.range(336, 600)), 0x4000_0000n + BigInt(rng.int(400))])],
    [0.05, () => BigInt(rng.pick([...exits]))],
  ])();
}

export function fuzzSyscalls(options: SyscallFuzzOptions): FuzzReport {
  const perCase = options.callsPerCase ?? 24;
  return fuzzLoop('syscall', 3, options, (ctx: CaseContext) => {
    const { rng, counters } = ctx;
    const code = new Code();
    for (let i = 0; i < perCase; i++) {
      const ia32 = rng.chance(0.2);
      const nr = chooseNumber(rng, ia32);
      const n32 = Number(BigInt.asIntN(32, nr));
      const name = (ia32 ? SYSCALL_NAMES_32 : SYSCALL_NAMES_64)[ia32 ? n32 >>> 0 : n32];
      const signature = name ? signatureOf(name, ia32) : undefined;
      const regs = ia32 ? [REG.rbx, REG.rcx, REG.rdx, REG.rsi, REG.rdi, REG.rbp] : [REG.rdi, REG.rsi, REG.rdx, REG.r10, REG.r8, REG.r9];
      code.movImm(REG.rax, nr);
      regs.forEach((r, k) => code.movImm(r, argValue(rng, signature?.[k])));
      if (ia32) code.int80();
      else code.syscall();
    }
    code.movImm(REG.rax, 231n).movImm(REG.rdi, 0n).syscall();
    const image = buildMiniElf(CODE, [
      { vaddr: CODE, flags: PF_R | PF_X, data: code.build() },
      { vaddr: RODATA, flags: PF_R, data: rng.bytes(4096) },
      { vaddr: DATA, flags: PF_R | PF_W, data: dataImage(rng) },
    ]);
    ctx.input = image;
    const machine = fuzzMachine(rng);
    const before = kernelFingerprint(machine);
    machine.load({ image, path: '/fuzz/syscalls', argv: ['syscalls'], envp: ['A=1'] });
    const problems: string[] = [];
    const pending: Call[] = [];
    machine.kernel.observer = {
      onSyscallEntry(path, nr, name, args) {
        const space = machine.kernel.process.space;
        pending.push({ path, nr, name, args: [...args], classes: args.map((a) => classify(space, a)) });
      },
      onSyscallExit(path, nr, name, args, result) {
        const call = pending.pop();
        counters.calls = (counters.calls ?? 0) + 1;
        if (!call) return;
        const problem = checkResult(call, result);
        if (result === -14) counters.efault = (counters.efault ?? 0) + 1;
        else if (result < 0) counters.errno = (counters.errno ?? 0) + 1;
        else counters.success = (counters.success ?? 0) + 1;
        if (problem) problems.push(`${path} ${name}(${args.map(show).join(', ')}) = ${result}: ${problem}`);
      },
    };
    let outcome;
    try {
      outcome = machine.run(2_000_000);
    } catch (e) {
      // Name the call that was running: the stack alone does not say with what.
      const call = pending[pending.length - 1];
      if (call && e instanceof Error) e.message += ` (in ${call.path} ${call.name}(${call.args.map(show).join(', ')}))`;
      throw e;
    }
    const { label, problem } = judgeOutcome(outcome);
    if (problem) problems.push(problem);
    if (kernelFingerprint(machine) !== before) problems.push('kernel text or IDT changed');
    return { outcome: label, problems, input: image };
  });
}

function show(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** What is wrong with a call's result, if anything. */
function checkResult(call: Call, result: number): string | undefined {
  if (!Number.isInteger(result)) return 'the result is not an integer';
  // An ia32 call returns EAX, sign-extended for a 64-bit caller: an address at or above
  // 2 GiB (mmap2, brk) reads negative, as on Linux; judge the 32-bit value then.
  if (call.path !== 'syscall' && result < -4095 && result >= -(2 ** 31)) result += 2 ** 32;
  if (result < -4095) return 'a negative result below -4095 (neither a value nor -errno)';
  if (result >= 2 ** 64) return 'the result does not fit in 64 bits';
  if (result < 0) return ERRNO_NAMES[-result] ? undefined : `-${-result} is not a Linux errno`;
  if (UNCHECKED_CALLS.has(call.name)) return undefined;
  const signature = signatureOf(call.name, call.path !== 'syscall');
  if (call.name === 'arch_prctl') {
    const code = call.args[0]! | 0;
    const cls = call.classes[1];
    if ((code === ARCH_GET_FS || code === ARCH_GET_GS) && (cls === 'bad' || cls === 'readonly' || cls === 'null')) return `succeeded writing through a ${cls} pointer (-EFAULT expected)`;
    return undefined;
  }
  if (!signature) return undefined;
  for (let k = 0; k < signature.length; k++) {
    const kind = signature[k]!;
    const cls = call.classes[k];
    if (cls !== 'bad' && cls !== 'readonly') continue;
    const writes = WRITE_ALWAYS.has(kind) || (WRITE_IF_COUNT.has(kind) && result > 0);
    const reads = READ_ALWAYS.has(kind) || (kind === 'wbuf' && result > 0) || (kind === 'iovec' && (call.args[k + 1]! | 0) > 0);
    if (cls === 'bad' && (reads || writes)) return `succeeded with argument ${k + 1} (${kind}) pointing nowhere (-EFAULT expected)`;
    if (cls === 'readonly' && writes) return `succeeded writing argument ${k + 1} (${kind}) into read-only memory (-EFAULT expected)`;
  }
  return undefined;
}
