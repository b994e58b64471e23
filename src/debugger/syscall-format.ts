/**
 * System calls as strace prints them: the one formatter behind `x64emu run --strace`
 * and the debugger's system-call stops and `syscalls` view.
 *
 * API (every function is pure apart from reading guest memory, which never changes
 * the guest: no demand paging, no Accessed/Dirty bits, no TLB fill):
 *
 *   decodeSyscallEntry(mem, path, nr, name, args) → DecodedEntry
 *       At entry, before the kernel acts: reads the inputs (paths, write's data, iovecs,
 *       timespecs, sigsets, ...). `.text` is the whole call, `write(1, "hi\n", 3)`, with
 *       the arguments the kernel will fill in (read's buffer, fstat's struct) shown as
 *       their pointers. Keep it and hand it to formatSyscallExit.
 *   formatSyscallEntry(mem, path, nr, name, args) → string
 *       Just that text.
 *   formatSyscallExit(mem, path, nr, name, args, result, entry?) → string
 *       After the kernel acted: the call with its outputs decoded, `read(3, "abc", 1024)`.
 *       Inputs come from `entry` when given (as strace reads them: before the call),
 *       else they are read now.
 *   formatSyscallResult(path, name, args, result) → string
 *       `3`, `0x4c9000` (brk, mmap, mremap), `-1 ENOENT (No such file or directory)`,
 *       `1700000000 (2023-11-14T22:13:20+0000)` (time), `0x1 (flags FD_CLOEXEC)` (fcntl).
 *   formatSyscallLine(path, call, result, column = 40) → string
 *       strace's line: `[int80] ` before a call that did not enter through `syscall`,
 *       `= result` aligned at `column` (0: no alignment); `result` undefined gives
 *       `= ?`, for exit and exit_group, which never return.
 *   entryMark(path) → '' | '[int80] ' | '[sysenter] ' | '[syscall] ' | '[syscall64] '
 *   tracePath(kernel, path) → the entry as a trace names it (below), at entry
 *   syscallArity(name, path) → how many arguments the call shows (6 when unknown)
 *   errnoText(errno) → ['ENOENT', 'No such file or directory']
 *   formatVdsoCall(symbol, cpu) → `[vdso] __vdso_clock_gettime(CLOCK_MONOTONIC, 0x7ffd...)`
 *       A call into the vDSO at its first instruction, arguments from RDI, RSI, RDX
 *       (`--trace-vdso`; strace never sees these, they make no system call).
 *
 * `mem` is the Kernel (its process's user memory is peeked, as a CPL 3 read would see
 * it) or any GuestMemory. Arguments are the kernel's: x86-64 ones as signed numbers,
 * ia32 ones as unsigned 32-bit; structures are read in the layout of the entry's ABI
 * (compat layouts for `int80`, `sysenter` and `syscall32`). The argument kinds of each
 * call are in syscall-signatures.ts.
 *
 * `path` is a TracePath: the kernel's entry path, with its `syscall` told apart by the
 * ABI it served, so a 32-bit task's every call is marked: `syscall32` is the `syscall`
 * instruction in compatibility mode (AMD's __kernel_vsyscall, IA32_CSTAR: the ia32
 * table), shown `[syscall]`; `syscall64` a 64-bit call a 32-bit task made from 64-bit
 * code (CS __USER_CS), shown `[syscall64]`. A 64-bit task's `syscall` stays unmarked.
 *
 * strace's conventions kept here: strings in C escapes (octal for other bytes, `\x..`
 * for getrandom), 32 bytes of data then `...`, paths in full, NULL, pointers in hex,
 * flags symbolic in strace's order with unknown bits in hex (`0x80 /* PROT_??? *\/`),
 * abbreviated structures (`{st_mode=S_IFREG|0644, st_size=3, ...}`), an output argument
 * shown as its pointer when the call failed, and the `open` mode only with O_CREAT.
 */
import { ERRNO_NAMES } from '../kernel/errno.js';
import { ERESTART_RESTARTBLOCK, ERESTARTSYS } from '../kernel/signals/constants.js';
import type { Kernel } from '../kernel/kernel.js';
import { isCompat, sigreturnMaskAddresses } from '../kernel/compat/index.js';
import { USER32_CS } from '../kernel/layout.js';
import type { EntryPath } from '../kernel/syscalls/types.js';
import { ACCESS_READ, walk, WalkResult, WalkStep } from '../mmu/page-walker.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import { hexAddr, toU64 } from './format.js';
import { ArgKind, signatureOf } from './syscall-signatures.js';

/** Reads guest virtual memory; null when any byte is unreadable. */
export interface GuestMemory {
  read(addr: number, length: number): Uint8Array | null;
  /** The user's stack pointer at the call (pt_regs), where a sigreturn finds its frame. */
  userSp?(): number;
}

/** Where the formatter reads guest memory: a kernel (its process, peeked) or any reader. */
export type MemorySource = Kernel | GuestMemory;

/** An entry path as traces name it (see the header). */
export type TracePath = EntryPath | 'syscall32' | 'syscall64';

/**
 * The TracePath of the call being entered: the kernel's `syscall` from compatibility
 * mode (the frame's CS is __USER32_CS, as do_fast_syscall_32 leaves it) is `syscall32`,
 * from 64-bit code in a 32-bit task `syscall64`.
 */
export function tracePath(k: Kernel, path: TracePath): TracePath {
  if (path !== 'syscall') return path;
  const f = k.frame;
  if ((f.lo[f.slot('cs')] & 0xffff) === USER32_CS) return 'syscall32';
  return isCompat(k.process) ? 'syscall64' : 'syscall';
}

/** The call went through the ia32 table and its structure layouts. */
function ia32Path(path: TracePath): boolean {
  return path !== 'syscall' && path !== 'syscall64';
}

/** What decodeSyscallEntry learned before the kernel acted. */
export interface DecodedEntry {
  readonly path: TracePath;
  readonly nr: number;
  readonly name: string;
  readonly args: readonly number[];
  /** `write(1, "hi\n", 3)`; outputs not yet written show as pointers. */
  readonly text: string;
  /** Per argument: its text, OMIT, or PENDING (decoded at exit). */
  readonly parts: readonly Part[];
}

const PENDING = 1;
const OMIT = 0;
type Part = string | typeof PENDING | typeof OMIT;

/** strace's -s default: bytes of data shown before `...`. */
const MAX_STRLEN = 32;
/** Paths are shown whole, up to PATH_MAX. */
const PATH_MAX = 4096;
/** strace's alignment column for ` = result`. */
export const STRACE_COLUMN = 40;

// ---------------------------------------------------------------- public API

export function decodeSyscallEntry(mem: MemorySource, path: TracePath, nr: number, name: string, args: readonly number[]): DecodedEntry {
  const c = new Ctx(memoryOf(mem), ia32Path(path), name, args);
  const kinds = shapeOf(c);
  const parts: Part[] = kinds.map((kind, i) => (kind === null ? OMIT : c.entryArg(kind, i)));
  const text = `${name}(${parts
    .map((p, i) => (p === PENDING ? c.pointer(c.arg(i)) : p))
    .filter((p): p is string => p !== OMIT)
    .join(', ')})`;
  return { path, nr, name, args, text, parts };
}

export function formatSyscallEntry(mem: MemorySource, path: TracePath, nr: number, name: string, args: readonly number[]): string {
  return decodeSyscallEntry(mem, path, nr, name, args).text;
}

export function formatSyscallExit(
  mem: MemorySource,
  path: TracePath,
  nr: number,
  name: string,
  args: readonly number[],
  result: number,
  entry?: DecodedEntry,
): string {
  const decoded = entry ?? decodeSyscallEntry(mem, path, nr, name, args);
  const c = new Ctx(memoryOf(mem), ia32Path(path), name, args);
  const kinds = shapeOf(c);
  const failed = isError(result);
  const shown: string[] = [];
  decoded.parts.forEach((p, i) => {
    if (p === OMIT) return;
    if (p !== PENDING) shown.push(p);
    else shown.push(failed ? c.pointer(c.arg(i)) : c.exitArg(kinds[i]!, i, result));
  });
  return `${name}(${shown.join(', ')})`;
}

export function formatSyscallResult(path: TracePath, name: string, args: readonly number[], result: number): string {
  if (isError(result)) {
    const [errno, text] = errnoText(-result);
    // A call to be restarted never returns this to the program: strace shows `? ERESTARTSYS (...)`.
    return `${-result >= ERESTARTSYS && -result <= ERESTART_RESTARTBLOCK ? '?' : '-1'} ${errno} (${text})`;
  }
  const ia32 = ia32Path(path);
  switch (name) {
    case 'brk':
    case 'mmap':
    case 'mmap2':
    case 'mremap':
    case 'shmat':
      return result === 0 ? '0' : hexAddr(ia32 ? result >>> 0 : result);
    case 'time':
      return `${result} (${isoTime(BigInt(result))})`;
    case 'signal': // the old handler
      return result === 0 ? '0 (SIG_DFL)' : result === 1 ? '1 (SIG_IGN)' : hexAddr(result >>> 0);
    case 'fcntl':
    case 'fcntl64': {
      const cmd = args[1] | 0;
      if (cmd === F_GETFD) return result === 0 ? '0' : `${hexU(result)} (flags ${flags(FD_FLAGS, result, 'FD_???')})`;
      if (cmd === F_GETFL) return `${hexU(result)} (flags ${openFlags(result, true)})`;
      return String(result);
    }
  }
  return String(result);
}

export function formatSyscallLine(path: TracePath, call: string, result: string | undefined, column = STRACE_COLUMN): string {
  const head = entryMark(path) + call;
  const pad = column > 0 && head.length < column - 1 ? ' '.repeat(column - 1 - head.length) : '';
  return `${head}${pad} = ${result ?? '?'}`;
}

export function entryMark(path: TracePath): string {
  if (path === 'syscall') return '';
  return path === 'syscall32' ? '[syscall] ' : `[${path}] `;
}

export function syscallArity(name: string, path: TracePath = 'syscall'): number {
  return signatureOf(name, ia32Path(path))?.length ?? 6;
}

/** The errno's name and message, as strace prints them. */
export function errnoText(errno: number): [string, string] {
  return ERRNO_NAMES[errno] ?? MORE_ERRNOS[errno] ?? [`ERRNO_${errno}`, `Unknown error ${errno}`];
}

/** Argument kinds of the vDSO's functions (the kernel's ones, by their name without `__vdso_`). */
const VDSO_SIGNATURES: Record<string, readonly ArgKind[]> = {
  clock_gettime: ['clock', 'ptr'],
  clock_getres: ['clock', 'ptr'],
  gettimeofday: ['ptr', 'ptr'],
  time: ['ptr'],
  getcpu: ['ptr', 'ptr', 'ptr'],
};

const RDI = 7;
const RSI = 6;
const RDX = 2;

export function formatVdsoCall(symbol: string, cpu: { readonly lo: ArrayLike<number>; readonly hi: ArrayLike<number> }): string {
  const args = [RDI, RSI, RDX].map((r) => (cpu.hi[r] | 0) * 4294967296 + (cpu.lo[r] >>> 0));
  const kinds = VDSO_SIGNATURES[symbol.replace(/^__vdso_/, '')] ?? ['hex', 'hex', 'hex'];
  const c = new Ctx({ read: () => null }, false, symbol, args);
  return `[vdso] ${symbol}(${kinds.map((kind, i) => c.entryArg(kind, i) as string).join(', ')})`;
}

/** Reads a kernel's current process memory without side effects. */
export function peekUser(kernel: Kernel): GuestMemory {
  return { read: (addr, length) => peek(kernel, addr, length), userSp: () => kernel.frame.get('rsp') };
}

// ---------------------------------------------------------------- memory

function memoryOf(mem: MemorySource): GuestMemory {
  return 'read' in mem ? mem : peekUser(mem);
}

const USER_LIMIT = 2 ** 47;

/**
 * A user read as the CPU at CPL 3 would make it, without the MMU's side effects; a page
 * not yet faulted in reads as zeros when an anonymous area covers it (what the first
 * touch would give), as strace would see it through process_vm_readv.
 */
function peek(kernel: Kernel, addr: number, length: number): Uint8Array | null {
  if (!(addr >= 0 && addr + length <= USER_LIMIT) || length < 0) return null;
  const mmu = kernel.mmu;
  const out = new Uint8Array(length);
  const result = new WalkResult();
  let done = 0;
  while (done < length) {
    const at = addr + done;
    const n = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE));
    const steps: WalkStep[] = []; // a walk that records steps changes nothing (page-walker.ts)
    const r = walk(mmu.view, mmu.cr3, at, ACCESS_READ, true, mmu.nxe, mmu.wp, result, steps);
    if (r.ok) {
      out.set(mmu.bytes.subarray(r.physical, r.physical + n), done);
    } else {
      const vma = kernel.process?.space.find(at);
      if (!vma || !(vma.prot & 1) || vma.frames) return null; // zeros only for anonymous, readable memory
    }
    done += n;
  }
  return out;
}

// ---------------------------------------------------------------- per-call shapes

/** The kinds a call shows, with null for arguments it leaves out (futex by operation). */
function shapeOf(c: Ctx): (ArgKind | null)[] {
  if (c.name === 'futex' || c.name === 'futex_time64') return futexShape(c);
  const sig = signatureOf(c.name, c.ia32);
  if (!sig) return new Array<ArgKind>(6).fill('hex');
  return [...sig];
}

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;

function futexShape(c: Ctx): (ArgKind | null)[] {
  const ts: ArgKind = c.name === 'futex_time64' ? 'timespec64' : 'timespec';
  switch (c.arg(1) & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
      return ['ptr', 'futex_op', 'int', ts];
    case FUTEX_WAKE:
      return ['ptr', 'futex_op', 'int'];
    case FUTEX_WAIT_BITSET:
      return ['ptr', 'futex_op', 'int', ts, null, 'futex_bitset'];
    case FUTEX_WAKE_BITSET:
      return ['ptr', 'futex_op', 'int', null, null, 'futex_bitset'];
    case FUTEX_REQUEUE:
      return ['ptr', 'futex_op', 'int', 'uint', 'ptr'];
    case FUTEX_CMP_REQUEUE:
      return ['ptr', 'futex_op', 'int', 'uint', 'ptr', 'int'];
    default:
      return ['ptr', 'futex_op', 'int', 'ptr', 'ptr', 'int'];
  }
}

const FUTEX_CMD_MASK = 0x7f;
const FUTEX_PRIVATE_FLAG = 0x80;
const FUTEX_CLOCK_REALTIME = 0x100;
const FUTEX_OPS = [
  'FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP', 'FUTEX_LOCK_PI', 'FUTEX_UNLOCK_PI',
  'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET', 'FUTEX_WAIT_REQUEUE_PI', 'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2',
];

/** `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`. */
function futexOp(v: number): string {
  const name = FUTEX_OPS[v & FUTEX_CMD_MASK];
  const rest = v & ~(FUTEX_CMD_MASK | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if (!name || rest) return `0x${(v >>> 0).toString(16)} /* FUTEX_??? */`;
  return name + (v & FUTEX_PRIVATE_FLAG ? '_PRIVATE' : '') + (v & FUTEX_CLOCK_REALTIME ? '|FUTEX_CLOCK_REALTIME' : '');
}

// ---------------------------------------------------------------- argument decoding

class Ctx {
  constructor(
    readonly mem: GuestMemory,
    readonly ia32: boolean,
    readonly name: string,
    readonly args: readonly number[],
  ) {}

  /** Argument i as the ABI passed it (ia32: unsigned 32-bit). */
  arg(i: number): number {
    const v = this.args[i] ?? 0;
    return this.ia32 ? v >>> 0 : v;
  }

  int(i: number): number {
    return this.arg(i) | 0;
  }

  pointer(v: number): string {
    return v === 0 ? 'NULL' : hexAddr(v);
  }

  long(i: number): string {
    return this.ia32 ? String(this.arg(i) | 0) : String(BigInt(this.arg(i)));
  }

  ulong(i: number): string {
    return this.ia32 ? String(this.arg(i) >>> 0) : toU64(this.arg(i)).toString();
  }

  hex(v: number): string {
    return v === 0 ? '0' : hexAddr(v);
  }

  get wordSize(): number {
    return this.ia32 ? 4 : 8;
  }

  read(addr: number, length: number): Uint8Array | null {
    if (length < 0 || length > 1 << 24) return null;
    return this.mem.read(addr, length);
  }

  /** An unsigned word of the ABI (4 or 8 bytes) at addr, as a BigInt. */
  word(b: Uint8Array, at: number): bigint {
    return this.ia32 ? BigInt(u32(b, at)) : u64(b, at);
  }

  entryArg(kind: ArgKind, i: number): Part {
    const v = this.arg(i);
    switch (kind) {
      case 'int':
      case 'fd':
        return String(v | 0);
      case 'uint':
        return String(v >>> 0);
      case 'long':
        return this.long(i);
      case 'ulong':
        return this.ulong(i);
      case 'hex':
      case 'offset_hex':
      case 'pgoffset':
        return this.hex(this.ia32 ? v >>> 0 : v);
      case 'ptr':
        return this.pointer(v);
      case 'dirfd':
        return (v | 0) === AT_FDCWD ? 'AT_FDCWD' : String(v | 0);
      case 'mode':
        return octal(v);
      case 'signal':
        return signalName(v | 0);
      case 'open_flags':
        return openFlags(v, true);
      case 'fd_flags':
        return openFlags(v, false);
      case 'open_mode': {
        const f = this.arg(i - 1);
        return f & O_CREAT || (f & O_TMPFILE) === O_TMPFILE ? octal(v) : OMIT;
      }
      case 'prot':
        return v === 0 ? 'PROT_NONE' : flags(PROT_FLAGS, v, 'PROT_???');
      case 'map_flags':
        return mapFlags(v);
      case 'mremap_flags':
        return flags(MREMAP_FLAGS, v, 'MREMAP_???');
      case 'mremap_addr':
        return (this.arg(i - 1) & 3) === 3 ? this.pointer(v) : OMIT;
      case 'at_flags':
        return flags(AT_FLAGS, v, 'AT_???');
      case 'statx_flags': {
        const sync = v & 0x6000;
        const rest = v & ~0x6000;
        const head = sync === 0 ? 'AT_STATX_SYNC_AS_STAT' : sync === 0x2000 ? 'AT_STATX_FORCE_SYNC' : sync === 0x4000 ? 'AT_STATX_DONT_SYNC' : hexU(sync);
        return rest ? `${head}|${flags(AT_FLAGS, rest, 'AT_???')}` : head;
      }
      case 'statx_mask':
        return flags(STATX_MASK, v, 'STATX_???');
      case 'access_mode':
        return v === 0 ? 'F_OK' : flags(ACCESS_FLAGS, v, '?_OK');
      case 'grnd_flags':
        return flags(GRND_FLAGS, v, 'GRND_???');
      case 'clock':
        return enumName(CLOCK_NAMES, v | 0, 'CLOCK_???');
      case 'timer_flags':
        return flags(TIMER_FLAGS, v, 'TIMER_???');
      case 'arch_code':
        return enumName(ARCH_CODES, v | 0, 'ARCH_???');
      case 'arch_addr': {
        const code = this.arg(i - 1) | 0;
        return code === ARCH_GET_FS || code === ARCH_GET_GS ? PENDING : this.hex(v);
      }
      case 'ioctl_req':
        return ioctlName(v >>> 0);
      case 'ioctl_arg': {
        const req = this.arg(i - 1) >>> 0;
        if (IOCTL_OUT.has(req)) return PENDING;
        if (IOCTL_NO_ARG.has(req)) return OMIT;
        return IOCTL_PTR.has(req) ? this.pointer(v) : this.hex(v);
      }
      case 'rlimit_res':
        return enumName(RLIMIT_NAMES, v | 0, 'RLIMIT_???');
      case 'whence':
        return enumName(WHENCE_NAMES, v | 0, 'SEEK_???');
      case 'sighow':
        return enumName(SIGHOW_NAMES, v | 0, 'SIG_???');
      case 'madv':
        return enumName(MADV_NAMES, v | 0, 'MADV_???');
      case 'fcntl_cmd':
        return enumName(FCNTL_CMDS, v | 0, 'F_???');
      case 'fcntl_arg': {
        const cmd = this.arg(i - 1) | 0;
        if (FCNTL_NO_ARG.has(cmd)) return OMIT;
        if (cmd === F_SETFD) return v === 0 ? '0' : flags(FD_FLAGS, v, 'FD_???');
        if (cmd === F_SETFL) return openFlags(v, true);
        if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC || cmd === F_SETOWN || cmd === F_SETSIG || cmd === F_SETPIPE_SZ) return String(v | 0);
        return this.pointer(v);
      }
      case 'rseq_flags':
        return flags(RSEQ_FLAGS, v, 'RSEQ_FLAG_???');
      case 'wait_options':
        return flags(WAIT_OPTIONS, v, 'W???');
      case 'prctl_option':
        return enumName(PRCTL_OPTIONS, v | 0, 'PR_???');
      case 'futex_op':
        return futexOp(v);
      case 'futex_bitset':
        return v >>> 0 === 0xffffffff ? 'FUTEX_BITSET_MATCH_ANY' : String(v >>> 0);
      case 'mmap_struct':
        return this.oldMmap(v);
      case 'user_desc':
        return this.userDesc(v);
      case 'loff_hi': // _llseek's offset in two halves, shown as the one 64-bit value (strace)
        return String(BigInt.asIntN(64, (BigInt(v >>> 0) << 32n) | BigInt(this.arg(i + 1) >>> 0)));
      case 'loff_lo':
        return OMIT;
      case 'path':
        return this.path(v);
      case 'wbuf':
        return this.data(v, this.lengthArg(i + 1), false);
      case 'iovec':
        return this.iovec(v, this.arg(i + 1) | 0, -1);
      case 'timespec':
        return this.timespec(v, !this.ia32);
      case 'timespec64':
        return this.timespec(v, true);
      case 'rlimit64':
        return this.rlimit(v, true);
      case 'sigset':
        return this.sigset(v, this.sigsetSize(i));
      case 'old_sigset':
        return this.sigset(v, 4);
      case 'stack':
        return this.stack(v);
      case 'old_sigset_value': {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, v >>> 0, true);
        return sigsetText(b);
      }
      case 'sigaction':
        return this.sigaction(v);
      case 'old_sigaction':
        return this.sigaction(v, true);
      case 'sighandler':
        return handlerText(BigInt(v));
      case 'sigreturn_mask':
        return this.sigreturnMask();
      case 'argv':
        return this.stringArray(v);
      case 'envp':
        return this.envp(v);
      default:
        // An output: shown at exit.
        return v === 0 ? 'NULL' : PENDING;
    }
  }

  /** An output argument after a successful call. */
  exitArg(kind: ArgKind, i: number, result: number): string {
    const v = this.arg(i);
    if (v === 0) return 'NULL';
    const n = this.ia32 ? result >>> 0 : result;
    switch (kind) {
      case 'rbuf':
        return this.data(v, n, false);
      case 'rbuf_hex':
        return this.data(v, n, true);
      case 'rpath':
        return this.path(v, n);
      case 'riovec':
        return this.iovec(v, this.arg(i + 1) | 0, n);
      case 'timespec_out':
        return this.timespec(v, !this.ia32);
      case 'timespec64_out':
        return this.timespec(v, true);
      case 'timeval_out':
        return this.struct(v, this.ia32 ? 8 : 16, (b) => `{tv_sec=${this.signedWord(b, 0)}, tv_usec=${this.signedWord(b, this.wordSize)}}`);
      case 'timezone_out':
        return this.struct(v, 8, (b) => `{tz_minuteswest=${i32(b, 0)}, tz_dsttime=${i32(b, 4)}}`);
      case 'stat_out':
        return this.ia32 ? this.struct(v, 64, (b) => statText(u16(b, 8), BigInt(u32(b, 16)), BigInt(u32(b, 20)))) : this.struct(v, 144, (b) => statText(u32(b, 24), u64(b, 40), i64(b, 48)));
      case 'stat64_out':
        return this.struct(v, 96, (b) => statText(u32(b, 16), u64(b, 32), i64(b, 44)));
      case 'statx_out':
        return this.struct(v, 48, (b) => {
          const attrs = u64(b, 8);
          return `{stx_mask=${flags(STATX_MASK, u32(b, 0), 'STATX_???')}, stx_attributes=${attrs === 0n ? '0' : '0x' + attrs.toString(16)}, stx_mode=${modeText(u16(b, 28))}, stx_size=${u64(b, 40)}, ...}`;
        });
      case 'rlimit64_out':
        return this.rlimit(v, true);
      case 'rlimit_out':
        return this.rlimit(v, !this.ia32);
      case 'utsname_out':
        return this.struct(v, 130, (b) => `{sysname=${quote(cstr(b.subarray(0, 65)))}, nodename=${quote(cstr(b.subarray(65, 130)))}, ...}`);
      case 'uint_out':
        return this.struct(v, 4, (b) => `[${u32(b, 0)}]`);
      case 'int_out':
        return this.struct(v, 4, (b) => `[${i32(b, 0)}]`);
      case 'time_out':
        return this.struct(v, this.wordSize, (b) => {
          const t = this.signedWord(b, 0);
          return `[${t} /* ${isoTime(t)} */]`;
        });
      case 'fds_out':
        return this.struct(v, 8, (b) => `[${i32(b, 0)}, ${i32(b, 4)}]`);
      case 'sigset_out':
        return this.sigset(v, this.sigsetSize(i));
      case 'sigaction_out':
        return this.sigaction(v);
      case 'old_sigaction_out':
        return this.sigaction(v, true);
      case 'old_sigset_out':
        return this.sigset(v, 4);
      case 'sigpending_out':
        return this.sigset(v, this.arg(i + 1));
      case 'stack_out':
        return this.stack(v);
      case 'cpuset_out':
        return this.struct(v, Math.min(n, 1024), (b) => {
          const cpus: number[] = [];
          for (let bit = 0; bit < b.length * 8; bit++) if (b[bit >> 3] & (1 << (bit & 7))) cpus.push(bit);
          return `[${cpus.join(' ')}]`;
        });
      case 'loff_out':
        return this.struct(v, 8, (b) => `[${i64(b, 0)}]`);
      case 'arch_addr':
        return this.struct(v, 8, (b) => `[0x${u64(b, 0).toString(16)}]`);
      case 'ioctl_arg':
        return this.ioctlOut(this.arg(i - 1) >>> 0, v);
      default:
        return this.pointer(v);
    }
  }

  /** A length argument, clamped to what can be shown. */
  lengthArg(i: number): number {
    const v = this.arg(i);
    return v < 0 ? Number.MAX_SAFE_INTEGER : v;
  }

  /** The size of the sigset at argument i: rt_sigprocmask's is its last argument, the others' the next one. */
  sigsetSize(i: number): number {
    return this.lengthArg(this.name === 'rt_sigprocmask' ? 3 : i + 1);
  }

  signedWord(b: Uint8Array, at: number): bigint {
    return this.ia32 ? BigInt(i32(b, at)) : i64(b, at);
  }

  /** Decodes a structure of `size` bytes at addr, or shows the pointer when it is unreadable. */
  struct(addr: number, size: number, show: (b: Uint8Array) => string): string {
    const b = this.read(addr, size);
    return b ? show(b) : this.pointer(addr);
  }

  /** `"data"...`: up to 32 of `length` bytes. */
  data(addr: number, length: number, hex: boolean): string {
    if (addr === 0) return 'NULL';
    const b = this.read(addr, Math.min(length, MAX_STRLEN));
    if (!b) return this.pointer(addr);
    return quote(b, hex) + (length > MAX_STRLEN ? '...' : '');
  }

  /** A NUL-terminated string, shown whole (up to `max` bytes). */
  path(addr: number, max = PATH_MAX): string {
    if (addr === 0) return 'NULL';
    const s = this.cstring(addr, max);
    if (!s) return this.pointer(addr);
    return quote(s.bytes) + (s.terminated ? '' : '...');
  }

  /** A C string of at most `max` bytes, read page by page. */
  cstring(addr: number, max: number): { bytes: Uint8Array; terminated: boolean } | null {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < max) {
      const at = addr + total;
      const chunk = this.read(at, Math.min(max - total, PAGE_SIZE - (at % PAGE_SIZE)));
      if (!chunk) return null;
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return { bytes: concat(parts), terminated: true };
      }
      parts.push(chunk);
      total += chunk.length;
    }
    return { bytes: concat(parts), terminated: false };
  }

  /** `[{iov_base="...", iov_len=N}, ...]`, data limited to `budget` bytes in all (-1: none). */
  iovec(addr: number, count: number, budget: number): string {
    if (count <= 0) return count === 0 ? '[]' : this.pointer(addr);
    const size = this.ia32 ? 8 : 16;
    const shown = Math.min(count, MAX_STRLEN);
    const table = this.read(addr, shown * size);
    if (!table) return this.pointer(addr);
    let left = budget < 0 ? Number.MAX_SAFE_INTEGER : budget;
    const items: string[] = [];
    for (let k = 0; k < shown; k++) {
      const base = Number(this.word(table, k * size));
      const len = Number(this.word(table, k * size + size / 2));
      const n = Math.min(len, left);
      left -= n;
      items.push(`{iov_base=${base === 0 ? 'NULL' : this.data(base, n, false)}, iov_len=${len}}`);
    }
    return `[${items.join(', ')}${count > shown ? ', ...' : ''}]`;
  }

  /** `{tv_sec=1, tv_nsec=0}`; `wide`: two 64-bit fields, else two 32-bit ones. */
  timespec(addr: number, wide: boolean): string {
    if (addr === 0) return 'NULL';
    return this.struct(addr, wide ? 16 : 8, (b) => (wide ? `{tv_sec=${i64(b, 0)}, tv_nsec=${i64(b, 8)}}` : `{tv_sec=${i32(b, 0)}, tv_nsec=${i32(b, 4)}}`));
  }

  /** `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`. */
  rlimit(addr: number, wide: boolean): string {
    if (addr === 0) return 'NULL';
    return this.struct(addr, wide ? 16 : 8, (b) => {
      const cur = wide ? u64(b, 0) : BigInt(u32(b, 0));
      const max = wide ? u64(b, 8) : BigInt(u32(b, 4));
      return `{rlim_cur=${rlimValue(cur, wide)}, rlim_max=${rlimValue(max, wide)}}`;
    });
  }

  /** `[INT TERM]`, or `~[KILL]` when most signals are in the set. */
  sigset(addr: number, size: number): string {
    if (addr === 0) return 'NULL';
    if (size <= 0 || size > 128) return this.pointer(addr);
    const b = this.read(addr, size);
    return b ? sigsetText(b) : this.pointer(addr);
  }

  /**
   * `{sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x4087e0}`:
   * struct sigaction (handler, flags, restorer, 8-byte mask) or, `old`, ia32's
   * struct old_sigaction (handler, a 4-byte mask, flags, restorer).
   */
  sigaction(addr: number, old = false): string {
    if (addr === 0) return 'NULL';
    const w = this.wordSize;
    return this.struct(addr, old ? 16 : 3 * w + 8, (b) => {
      const handler = this.word(b, 0);
      const fl = old ? u32(b, 8) : Number(this.word(b, w) & 0xffffffffn);
      const restorer = old ? BigInt(u32(b, 12)) : this.word(b, 2 * w);
      const mask = old ? b.subarray(4, 8) : b.subarray(3 * w, 3 * w + 8);
      const f = fl === 0 ? '0' : flags(SA_FLAGS, fl, 'SA_???');
      const r = fl & SA_RESTORER ? `, sa_restorer=${restorer === 0n ? 'NULL' : '0x' + restorer.toString(16)}` : '';
      return `{sa_handler=${handlerText(handler)}, sa_mask=${sigsetText(mask)}, sa_flags=${f}${r}}`;
    });
  }

  /**
   * The mask a sigreturn will restore, `{mask=[USR1]}`, read where the kernel reads it:
   * from the frame below the stack pointer of the call (signals/frame.ts, compat/signal32.ts).
   */
  sigreturnMask(): string {
    const sp = this.mem.userSp?.();
    if (sp === undefined) return '{mask=?}';
    const at = sigreturnMaskAddresses(this.name === 'sigreturn' ? 'sigreturn32' : this.ia32 ? 'rt_sigreturn32' : 'rt_sigreturn', sp);
    const words = at.map((a) => this.read(a, 4));
    if (words.some((b) => !b)) return '{mask=?}';
    const mask = new Uint8Array(8);
    words.forEach((b, n) => mask.set(b!, 4 * n));
    return `{mask=${sigsetText(mask)}}`;
  }

  /** `["prog", "arg"]` (execve's argv). */
  stringArray(addr: number): string {
    if (addr === 0) return 'NULL';
    const items: string[] = [];
    for (let k = 0; ; k++) {
      const b = this.read(addr + k * this.wordSize, this.wordSize);
      if (!b) return this.pointer(addr);
      const p = Number(this.word(b, 0));
      if (p === 0) break;
      if (k === MAX_STRLEN) {
        items.push('...');
        break;
      }
      const s = this.cstring(p, MAX_STRLEN + 1);
      items.push(s ? quote(s.bytes.subarray(0, MAX_STRLEN)) + (s.bytes.length > MAX_STRLEN || !s.terminated ? '...' : '') : this.pointer(p));
    }
    return `[${items.join(', ')}]`;
  }

  /** `0x7ffd... /* 4 vars *\/` (execve's envp). */
  envp(addr: number): string {
    if (addr === 0) return 'NULL';
    let n = 0;
    for (; n < 4096; n++) {
      const b = this.read(addr + n * this.wordSize, this.wordSize);
      if (!b) return this.pointer(addr);
      if (this.word(b, 0) === 0n) break;
    }
    return `${this.pointer(addr)} /* ${n} var${n === 1 ? '' : 's'} */`;
  }

  /** ia32 old_mmap: struct mmap_arg_struct { addr, len, prot, flags, fd, offset } (u32 each). */
  oldMmap(addr: number): string {
    return this.struct(addr, 24, (b) => {
      const inner = new Ctx(this.mem, true, 'mmap', [0, 1, 2, 3, 4, 5].map((k) => u32(b, k * 4)));
      const kinds: ArgKind[] = ['ptr', 'ulong', 'prot', 'map_flags', 'fd', 'offset_hex'];
      return kinds.map((kind, k) => inner.entryArg(kind, k) as string).join(', ');
    });
  }

  /** stack_t (sigaltstack): `{ss_sp=0x..., ss_flags=SS_ONSTACK, ss_size=65536}`, in the entry's ABI. */
  stack(addr: number): string {
    if (addr === 0) return 'NULL';
    const w = this.wordSize;
    return this.struct(addr, 3 * w, (b) => {
      const sp = this.word(b, 0);
      return `{ss_sp=${sp === 0n ? 'NULL' : '0x' + sp.toString(16)}, ss_flags=${flags(SS_FLAGS, u32(b, w), 'SS_???')}, ss_size=${this.word(b, 2 * w)}}`;
    });
  }

  /** struct user_desc (set_thread_area), as strace prints it at entry. */
  userDesc(addr: number): string {
    return this.struct(addr, 16, (b) => {
      const bits = u32(b, 12);
      const bit = (n: number, width = 1): number => (bits >> n) & ((1 << width) - 1);
      return `{entry_number=${i32(b, 0)}, base_addr=${hexU(u32(b, 4))}, limit=0x${u32(b, 8).toString(16).padStart(6, '0')}, seg_32bit=${bit(0)}, contents=${bit(1, 2)}, read_exec_only=${bit(3)}, limit_in_pages=${bit(4)}, seg_not_present=${bit(5)}, useable=${bit(6)}}`;
    });
  }

  ioctlOut(req: number, addr: number): string {
    switch (req) {
      case TCGETS:
        return this.struct(addr, 36, (b) => {
          const iflag = u32(b, 0);
          const oflag = u32(b, 4);
          const cflag = u32(b, 8);
          const lflag = u32(b, 12);
          return `{c_iflag=${flags(TERM_IFLAGS, iflag, '???')}, c_oflag=${termOflags(oflag)}, c_cflag=${termCflags(cflag)}, c_lflag=${flags(TERM_LFLAGS, lflag, '???')}, ...}`;
        });
      case TIOCGWINSZ:
        return this.struct(addr, 8, (b) => `{ws_row=${u16(b, 0)}, ws_col=${u16(b, 2)}, ws_xpixel=${u16(b, 4)}, ws_ypixel=${u16(b, 6)}}`);
      case TIOCGPGRP:
      case FIONREAD:
      case TIOCGPTN:
        return this.struct(addr, 4, (b) => `[${i32(b, 0)}]`);
      default:
        return this.pointer(addr);
    }
  }
}

// ---------------------------------------------------------------- values

function isError(result: number): boolean {
  return result < 0 && result >= -4095;
}

function hexU(v: number): string {
  return v === 0 ? '0' : '0x' + (v >>> 0).toString(16);
}

function octal(v: number): string {
  const m = v >>> 0;
  return m === 0 ? '000' : '0' + m.toString(8).padStart(3, '0');
}

/** `A|B|0x40`, `0x80 /* PROT_??? *\/` when nothing is known, `0` for none. */
function flags(table: readonly (readonly [number, string])[], value: number, unknown: string): string {
  let v = value >>> 0;
  if (v === 0) return '0';
  const names: string[] = [];
  for (const [bits, name] of table) {
    if (bits !== 0 && (v & bits) >>> 0 === bits) {
      names.push(name);
      v = (v & ~bits) >>> 0;
    }
  }
  if (names.length === 0) return `0x${v.toString(16)} /* ${unknown} */`;
  if (v) names.push('0x' + v.toString(16));
  return names.join('|');
}

function enumName(table: Record<number, string>, v: number, unknown: string): string {
  return table[v] ?? `${v < 0 ? v : '0x' + v.toString(16)} /* ${unknown} */`;
}

function openFlags(v: number, withAccess: boolean): string {
  const acc = v & O_ACCMODE;
  const rest = (v & ~O_ACCMODE) >>> 0;
  const head = withAccess ? (['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][acc] as string) : acc ? `0x${acc.toString(16)}` : '';
  if (!rest) return head || '0';
  const tail = flags(OPEN_FLAGS, rest, 'O_???');
  return head ? `${head}|${tail.replace(/ \/\* O_\?\?\? \*\/$/, '')}` : tail;
}

function mapFlags(v: number): string {
  const type = v & 0xf;
  const hugeMask = 0x3f << 26;
  const huge = (v & hugeMask) >>> 26;
  const rest = (v & ~0xf & ~hugeMask) >>> 0;
  let s = MAP_TYPES[type] ?? `0x${type.toString(16)} /* MAP_??? */`;
  if (rest) s += '|' + flags(MAP_FLAGS, rest, 'MAP_???').replace(/ \/\* MAP_\?\?\? \*\/$/, '');
  if (huge) s += `|${huge}<<MAP_HUGE_SHIFT`;
  return s;
}

function ioctlName(req: number): string {
  const known = IOCTL_NAMES[req];
  if (known) return known;
  const dir = req >>> 30;
  const dirName = ['_IOC_NONE', '_IOC_WRITE', '_IOC_READ', '_IOC_READ|_IOC_WRITE'][dir];
  const h = (n: number) => (n === 0 ? '0' : '0x' + n.toString(16));
  return `_IOC(${dirName}, ${h((req >>> 8) & 0xff)}, ${h(req & 0xff)}, ${h((req >>> 16) & 0x3fff)})`;
}

const SIGNAL_NAMES = [
  '', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM',
  'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
];

/** `INT`, `RTMIN`, `RT_2` (as strace shows signals in sets). */
function signalShort(s: number): string {
  if (s >= 1 && s < 32) return SIGNAL_NAMES[s];
  if (s === 32) return 'RTMIN';
  if (s > 32 && s <= 64) return `RT_${s - 32}`;
  return String(s);
}

/** `SIGTERM`, `SIGRTMIN`, `SIGRT_2`; 0 stays 0. */
function signalName(s: number): string {
  if (s === 0) return '0';
  if (s >= 1 && s <= 64) return 'SIG' + signalShort(s);
  return String(s);
}

/** A signal disposition: SIG_DFL, SIG_IGN or the handler's address. */
function handlerText(h: bigint): string {
  return h === 0n ? 'SIG_DFL' : h === 1n ? 'SIG_IGN' : '0x' + h.toString(16);
}

function sigsetText(b: Uint8Array): string {
  const total = b.length * 8;
  const members: number[] = [];
  for (let bit = 0; bit < total; bit++) if (b[bit >> 3] & (1 << (bit & 7))) members.push(bit + 1);
  if (members.length * 2 > total) {
    const outside: string[] = [];
    for (let s = 1; s <= total; s++) if (!members.includes(s)) outside.push(signalShort(s));
    return `~[${outside.join(' ')}]`;
  }
  return `[${members.map(signalShort).join(' ')}]`;
}

function rlimValue(v: bigint, wide: boolean): string {
  if (wide ? v === 0xffffffffffffffffn : v === 0xffffffffn) return wide ? 'RLIM64_INFINITY' : 'RLIM_INFINITY';
  if (v > 1024n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}

const S_IFMT = 0o170000;
const FILE_TYPES: Record<number, string> = {
  0o140000: 'S_IFSOCK', 0o120000: 'S_IFLNK', 0o100000: 'S_IFREG', 0o060000: 'S_IFBLK', 0o040000: 'S_IFDIR', 0o020000: 'S_IFCHR', 0o010000: 'S_IFIFO',
};

/** `S_IFCHR|0620`, `S_IFREG|S_ISUID|0755`. */
function modeText(mode: number): string {
  const type = FILE_TYPES[mode & S_IFMT] ?? (mode & S_IFMT ? '0' + (mode & S_IFMT).toString(8) : '');
  const bits = [mode & 0o4000 ? 'S_ISUID' : '', mode & 0o2000 ? 'S_ISGID' : '', mode & 0o1000 ? 'S_ISVTX' : ''].filter(Boolean);
  return [type, ...bits, '0' + (mode & 0o777).toString(8).padStart(3, '0')].filter(Boolean).join('|');
}

/** strace's abbreviated struct stat: devices show st_rdev, other files st_size. */
function statText(mode: number, rdev: bigint, size: bigint): string {
  const type = mode & S_IFMT;
  if (type === 0o020000 || type === 0o060000) {
    const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
    const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
    const h = (n: bigint) => (n === 0n ? '0' : '0x' + n.toString(16));
    return `{st_mode=${modeText(mode)}, st_rdev=makedev(${h(major)}, ${h(minor)}), ...}`;
  }
  return `{st_mode=${modeText(mode)}, st_size=${size}, ...}`;
}

function termOflags(v: number): string {
  // The delay fields print their zero values first, as strace does.
  const delays = [
    [0x100, ['NL0', 'NL1']],
    [0x600, ['CR0', 'CR1', 'CR2', 'CR3']],
    [0x1800, ['TAB0', 'TAB1', 'TAB2', 'TAB3']],
    [0x2000, ['BS0', 'BS1']],
    [0x4000, ['VT0', 'VT1']],
    [0x8000, ['FF0', 'FF1']],
  ] as const;
  const names: string[] = [];
  let rest = v >>> 0;
  for (const [mask, values] of delays) {
    const shift = Math.log2(mask & -mask);
    names.push(values[(v & mask) >>> shift]);
    rest &= ~mask;
  }
  if (rest) names.push(flags(TERM_OFLAGS, rest, '???'));
  return names.join('|');
}

function termCflags(v: number): string {
  const baud = v & 0x100f;
  const size = (v & 0x30) >>> 4;
  const names = [BAUD_NAMES[baud] ?? `0x${baud.toString(16)}`, `CS${5 + size}`];
  const rest = v & ~0x100f & ~0x30;
  if (rest) names.push(flags(TERM_CFLAGS, rest, '???'));
  return names.join('|');
}

function quote(bytes: Uint8Array, hex = false): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (hex) {
      s += '\\x' + c.toString(16).padStart(2, '0');
      continue;
    }
    switch (c) {
      case 0x22:
        s += '\\"';
        break;
      case 0x5c:
        s += '\\\\';
        break;
      case 0x0c:
        s += '\\f';
        break;
      case 0x0a:
        s += '\\n';
        break;
      case 0x0d:
        s += '\\r';
        break;
      case 0x09:
        s += '\\t';
        break;
      case 0x0b:
        s += '\\v';
        break;
      default:
        if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
        else {
          // Octal, as short as it can be unless a digit follows.
          const next = bytes[i + 1];
          const full = next !== undefined && next >= 0x30 && next <= 0x39;
          s += '\\' + (full ? c.toString(8).padStart(3, '0') : c.toString(8));
        }
    }
  }
  return s + '"';
}

function cstr(b: Uint8Array): Uint8Array {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `2023-11-14T22:13:20+0000` (UTC: the guest has no time zone). */
function isoTime(sec: bigint): string {
  const ms = Number(sec) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(sec);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function i32(b: Uint8Array, at: number): number {
  return u32(b, at) | 0;
}

function u64(b: Uint8Array, at: number): bigint {
  return (BigInt(u32(b, at + 4)) << 32n) | BigInt(u32(b, at));
}

function i64(b: Uint8Array, at: number): bigint {
  return BigInt.asIntN(64, u64(b, at));
}

// ---------------------------------------------------------------- constants (x86 values, in strace's order)

const AT_FDCWD = -100;
const O_ACCMODE = 3;
const O_CREAT = 0x40;
const O_TMPFILE = 0x410000;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const SA_RESTORER = 0x04000000;
const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETOWN = 8;
const F_SETSIG = 10;
const F_DUPFD_CLOEXEC = 1030;
const F_SETPIPE_SZ = 1031;
const FCNTL_NO_ARG = new Set([F_GETFD, F_GETFL, 9, 11, 1025, 1032, 1034]);
const TCGETS = 0x5401;
const TIOCGPGRP = 0x540f;
const TIOCGWINSZ = 0x5413;
const FIONREAD = 0x541b;
const TIOCGPTN = 0x80045430;

const OPEN_FLAGS: readonly (readonly [number, string])[] = [
  [0x40, 'O_CREAT'], [0x80, 'O_EXCL'], [0x100, 'O_NOCTTY'], [0x200, 'O_TRUNC'], [0x400, 'O_APPEND'], [0x800, 'O_NONBLOCK'],
  [0x101000, 'O_SYNC'], [0x1000, 'O_DSYNC'], [0x2000, 'O_ASYNC'], [0x4000, 'O_DIRECT'], [0x8000, 'O_LARGEFILE'], [0x20000, 'O_NOFOLLOW'],
  [0x40000, 'O_NOATIME'], [0x80000, 'O_CLOEXEC'], [0x200000, 'O_PATH'], [O_TMPFILE, 'O_TMPFILE'], [0x10000, 'O_DIRECTORY'],
];
const FD_FLAGS = [[1, 'FD_CLOEXEC']] as const;
const PROT_FLAGS = [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC'], [8, 'PROT_SEM'], [0x1000000, 'PROT_GROWSDOWN'], [0x2000000, 'PROT_GROWSUP']] as const;
const MAP_TYPES: Record<number, string> = { 0: 'MAP_FILE', 1: 'MAP_SHARED', 2: 'MAP_PRIVATE', 3: 'MAP_SHARED_VALIDATE' };
const MAP_FLAGS = [
  [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x40, 'MAP_32BIT'], [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'], [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'], [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'], [0x100000, 'MAP_FIXED_NOREPLACE'],
] as const;
const MREMAP_FLAGS = [[1, 'MREMAP_MAYMOVE'], [2, 'MREMAP_FIXED'], [4, 'MREMAP_DONTUNMAP']] as const;
const AT_FLAGS = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'], [0x1000, 'AT_EMPTY_PATH'],
  [0x2000, 'AT_STATX_FORCE_SYNC'], [0x4000, 'AT_STATX_DONT_SYNC'], [0x8000, 'AT_RECURSIVE'],
] as const;
const STATX_MASK = [
  [0xfff, 'STATX_ALL'], [0x7ff, 'STATX_BASIC_STATS'], [1, 'STATX_TYPE'], [2, 'STATX_MODE'], [4, 'STATX_NLINK'], [8, 'STATX_UID'], [0x10, 'STATX_GID'],
  [0x20, 'STATX_ATIME'], [0x40, 'STATX_MTIME'], [0x80, 'STATX_CTIME'], [0x100, 'STATX_INO'], [0x200, 'STATX_SIZE'], [0x400, 'STATX_BLOCKS'],
  [0x800, 'STATX_BTIME'], [0x1000, 'STATX_MNT_ID'], [0x2000, 'STATX_DIOALIGN'],
] as const;
const ACCESS_FLAGS = [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']] as const;
const GRND_FLAGS = [[1, 'GRND_NONBLOCK'], [2, 'GRND_RANDOM'], [4, 'GRND_INSECURE']] as const;
const TIMER_FLAGS = [[1, 'TIMER_ABSTIME']] as const;
const RSEQ_FLAGS = [[1, 'RSEQ_FLAG_UNREGISTER']] as const;
const WAIT_OPTIONS = [[1, 'WNOHANG'], [2, 'WSTOPPED'], [4, 'WEXITED'], [8, 'WCONTINUED'], [0x1000000, 'WNOWAIT'], [0x20000000, '__WNOTHREAD'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE']] as const;
const SS_FLAGS = [[1, 'SS_ONSTACK'], [2, 'SS_DISABLE'], [0x80000000, 'SS_AUTODISARM']] as const;
const SA_FLAGS = [
  [SA_RESTORER, 'SA_RESTORER'], [0x08000000, 'SA_ONSTACK'], [0x10000000, 'SA_RESTART'], [0x40000000, 'SA_NODEFER'], [0x80000000, 'SA_RESETHAND'],
  [4, 'SA_SIGINFO'], [1, 'SA_NOCLDSTOP'], [2, 'SA_NOCLDWAIT'],
] as const;
const CLOCK_NAMES: Record<number, string> = {
  0: 'CLOCK_REALTIME', 1: 'CLOCK_MONOTONIC', 2: 'CLOCK_PROCESS_CPUTIME_ID', 3: 'CLOCK_THREAD_CPUTIME_ID', 4: 'CLOCK_MONOTONIC_RAW',
  5: 'CLOCK_REALTIME_COARSE', 6: 'CLOCK_MONOTONIC_COARSE', 7: 'CLOCK_BOOTTIME', 8: 'CLOCK_REALTIME_ALARM', 9: 'CLOCK_BOOTTIME_ALARM', 11: 'CLOCK_TAI',
};
const ARCH_CODES: Record<number, string> = {
  0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS', 0x1004: 'ARCH_GET_GS', 0x1011: 'ARCH_GET_CPUID', 0x1012: 'ARCH_SET_CPUID',
  0x1021: 'ARCH_GET_XCOMP_SUPP', 0x1022: 'ARCH_GET_XCOMP_PERM', 0x1023: 'ARCH_REQ_XCOMP_PERM', 0x2001: 'ARCH_MAP_VDSO_X32',
  0x2002: 'ARCH_MAP_VDSO_32', 0x2003: 'ARCH_MAP_VDSO_64',
};
const IOCTL_NAMES: Record<number, string> = {
  0x5401: 'TCGETS', 0x5402: 'TCSETS', 0x5403: 'TCSETSW', 0x5404: 'TCSETSF', 0x540f: 'TIOCGPGRP', 0x5410: 'TIOCSPGRP', 0x5413: 'TIOCGWINSZ',
  0x5414: 'TIOCSWINSZ', 0x541b: 'FIONREAD', 0x5421: 'FIONBIO', 0x5450: 'FIONCLEX', 0x5451: 'FIOCLEX', 0x80045430: 'TIOCGPTN', 0x802c542a: 'TCGETS2',
};
/** Requests whose argument the kernel writes (decoded at exit), takes none, or reads through a pointer. */
const IOCTL_OUT = new Set([TCGETS, TIOCGWINSZ, TIOCGPGRP, FIONREAD, TIOCGPTN]);
const IOCTL_NO_ARG = new Set([0x5450, 0x5451]);
const IOCTL_PTR = new Set([0x5402, 0x5403, 0x5404, 0x5410, 0x5414, 0x5421, 0x802c542a]);
const RLIMIT_NAMES: Record<number, string> = {
  0: 'RLIMIT_CPU', 1: 'RLIMIT_FSIZE', 2: 'RLIMIT_DATA', 3: 'RLIMIT_STACK', 4: 'RLIMIT_CORE', 5: 'RLIMIT_RSS', 6: 'RLIMIT_NPROC', 7: 'RLIMIT_NOFILE',
  8: 'RLIMIT_MEMLOCK', 9: 'RLIMIT_AS', 10: 'RLIMIT_LOCKS', 11: 'RLIMIT_SIGPENDING', 12: 'RLIMIT_MSGQUEUE', 13: 'RLIMIT_NICE', 14: 'RLIMIT_RTPRIO',
  15: 'RLIMIT_RTTIME',
};
const WHENCE_NAMES: Record<number, string> = { 0: 'SEEK_SET', 1: 'SEEK_CUR', 2: 'SEEK_END', 3: 'SEEK_DATA', 4: 'SEEK_HOLE' };
const SIGHOW_NAMES: Record<number, string> = { 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' };
const MADV_NAMES: Record<number, string> = {
  0: 'MADV_NORMAL', 1: 'MADV_RANDOM', 2: 'MADV_SEQUENTIAL', 3: 'MADV_WILLNEED', 4: 'MADV_DONTNEED', 8: 'MADV_FREE', 9: 'MADV_REMOVE',
  10: 'MADV_DONTFORK', 11: 'MADV_DOFORK', 12: 'MADV_MERGEABLE', 13: 'MADV_UNMERGEABLE', 14: 'MADV_HUGEPAGE', 15: 'MADV_NOHUGEPAGE',
  16: 'MADV_DONTDUMP', 17: 'MADV_DODUMP', 18: 'MADV_WIPEONFORK', 19: 'MADV_KEEPONFORK', 20: 'MADV_COLD', 21: 'MADV_PAGEOUT',
  22: 'MADV_POPULATE_READ', 23: 'MADV_POPULATE_WRITE', 100: 'MADV_HWPOISON',
};
const FCNTL_CMDS: Record<number, string> = {
  0: 'F_DUPFD', 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL', 5: 'F_GETLK', 6: 'F_SETLK', 7: 'F_SETLKW', 8: 'F_SETOWN', 9: 'F_GETOWN',
  10: 'F_SETSIG', 11: 'F_GETSIG', 1024: 'F_SETLEASE', 1025: 'F_GETLEASE', 1026: 'F_NOTIFY', 1030: 'F_DUPFD_CLOEXEC', 1031: 'F_SETPIPE_SZ',
  1032: 'F_GETPIPE_SZ', 1033: 'F_ADD_SEALS', 1034: 'F_GET_SEALS',
};
const PRCTL_OPTIONS: Record<number, string> = {
  1: 'PR_SET_PDEATHSIG', 2: 'PR_GET_PDEATHSIG', 3: 'PR_GET_DUMPABLE', 4: 'PR_SET_DUMPABLE', 15: 'PR_SET_NAME', 16: 'PR_GET_NAME',
  22: 'PR_SET_SECCOMP', 38: 'PR_SET_NO_NEW_PRIVS', 39: 'PR_GET_NO_NEW_PRIVS', 41: 'PR_SET_THP_DISABLE', 0x53564d41: 'PR_SET_VMA',
};
const TERM_IFLAGS = [
  [1, 'IGNBRK'], [2, 'BRKINT'], [4, 'IGNPAR'], [8, 'PARMRK'], [0x10, 'INPCK'], [0x20, 'ISTRIP'], [0x40, 'INLCR'], [0x80, 'IGNCR'], [0x100, 'ICRNL'],
  [0x200, 'IUCLC'], [0x400, 'IXON'], [0x800, 'IXANY'], [0x1000, 'IXOFF'], [0x2000, 'IMAXBEL'], [0x4000, 'IUTF8'],
] as const;
const TERM_OFLAGS = [[1, 'OPOST'], [2, 'OLCUC'], [4, 'ONLCR'], [8, 'OCRNL'], [0x10, 'ONOCR'], [0x20, 'ONLRET'], [0x40, 'OFILL'], [0x80, 'OFDEL']] as const;
const TERM_CFLAGS = [[0x40, 'CSTOPB'], [0x80, 'CREAD'], [0x100, 'PARENB'], [0x200, 'PARODD'], [0x400, 'HUPCL'], [0x800, 'CLOCAL'], [0x40000000, 'CMSPAR'], [0x80000000, 'CRTSCTS']] as const;
const TERM_LFLAGS = [
  [1, 'ISIG'], [2, 'ICANON'], [4, 'XCASE'], [8, 'ECHO'], [0x10, 'ECHOE'], [0x20, 'ECHOK'], [0x40, 'ECHONL'], [0x80, 'NOFLSH'], [0x8000, 'IEXTEN'],
  [0x200, 'ECHOCTL'], [0x400, 'ECHOPRT'], [0x800, 'ECHOKE'], [0x1000, 'FLUSHO'], [0x4000, 'PENDIN'], [0x100, 'TOSTOP'], [0x10000, 'EXTPROC'],
] as const;
const BAUD_NAMES: Record<number, string> = {
  0: 'B0', 1: 'B50', 2: 'B75', 3: 'B110', 4: 'B134', 5: 'B150', 6: 'B200', 7: 'B300', 8: 'B600', 9: 'B1200', 10: 'B1800', 11: 'B2400', 12: 'B4800',
  13: 'B9600', 14: 'B19200', 15: 'B38400', 0x1001: 'B57600', 0x1002: 'B115200', 0x1003: 'B230400', 0x1004: 'B460800',
};

/** errnos the kernel's table (errno.ts) does not list, with glibc's messages. */
const MORE_ERRNOS: Record<number, [string, string]> = {
  6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'],
  8: ['ENOEXEC', 'Exec format error'],
  15: ['ENOTBLK', 'Block device required'],
  18: ['EXDEV', 'Invalid cross-device link'],
  23: ['ENFILE', 'Too many open files in system'],
  26: ['ETXTBSY', 'Text file busy'],
  31: ['EMLINK', 'Too many links'],
  33: ['EDOM', 'Numerical argument out of domain'],
  35: ['EDEADLK', 'Resource deadlock avoided'],
  37: ['ENOLCK', 'No locks available'],
  42: ['ENOMSG', 'No message of desired type'],
  43: ['EIDRM', 'Identifier removed'],
  61: ['ENODATA', 'No data available'],
  62: ['ETIME', 'Timer expired'],
  71: ['EPROTO', 'Protocol error'],
  74: ['EBADMSG', 'Bad message'],
  84: ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  88: ['ENOTSOCK', 'Socket operation on non-socket'],
  97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  107: ['ENOTCONN', 'Transport endpoint is not connected'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'],
  114: ['EALREADY', 'Operation already in progress'],
  115: ['EINPROGRESS', 'Operation now in progress'],
  125: ['ECANCELED', 'Operation canceled'],
  130: ['EOWNERDEAD', 'Owner died'],
  131: ['ENOTRECOVERABLE', 'State not recoverable'],
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  515: ['ENOIOCTLCMD', 'Inappropriate ioctl for device'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};
