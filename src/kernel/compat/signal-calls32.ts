import { EFAULT, EINVAL } from '../errno.js';
import type { Kernel } from '../kernel.js';
import {
  SA_NODEFER, SA_RESETHAND, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, UNBLOCKABLE,
} from '../signals/constants.js';
import type { SigAction } from '../signals/state.js';
import { doSigaction, doSigsuspend, sigreturnDone, STACK_T_32, sysSigaltstack } from '../signals/syscalls.js';
import { restoreRtSigframe32, restoreSigframe32 } from './signal32.js';

/**
 * The ia32 signal calls whose structures differ from x86-64's (kernel/signal.c's
 * COMPAT_SYSCALL_DEFINEs, arch/x86/kernel/signal_32.c). Every action they install is
 * marked SA_IA32_ABI (doSigaction), so its handler gets an ia32 frame.
 */

const COMPAT_SIGSET_SIZE = 8;
const LOW_WORD = 0xffffffffn;

function readWords(k: Kernel, addr: number, count: number): number[] | null {
  const b = k.user.read(addr, 4 * count);
  if (!b) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: count }, (_, n) => v.getUint32(4 * n, true));
}

function writeWords(k: Kernel, addr: number, words: Array<number | bigint>): boolean {
  const out = new Uint8Array(4 * words.length);
  const v = new DataView(out.buffer);
  words.forEach((w, n) => v.setUint32(4 * n, Number(BigInt(w) & LOW_WORD), true));
  return k.user.write(addr, out);
}

const sigset = (lo: number, hi: number): bigint => BigInt(lo) | (BigInt(hi) << 32n);

/** rt_sigaction (174): struct sigaction32 { u32 handler, flags, restorer; compat_sigset_t mask; }. */
export function sysRtSigaction32(k: Kernel, a: number[]): number {
  if (a[3] !== COMPAT_SIGSET_SIZE) return -EINVAL;
  let act: SigAction | null = null;
  if (a[1] !== 0) {
    const w = readWords(k, a[1], 5);
    if (!w) return -EFAULT;
    act = { handler: BigInt(w[0]), flags: w[1], restorer: BigInt(w[2]), mask: sigset(w[3], w[4]) };
  }
  const old = doSigaction(k, a[0] | 0, act, true);
  if (typeof old === 'number') return old;
  if (a[2] !== 0 && !writeWords(k, a[2], [old.handler, old.flags >>> 0, old.restorer, old.mask, old.mask >> 32n])) return -EFAULT;
  return 0;
}

/** sigaction (67): struct compat_old_sigaction { u32 handler; old_sigset_t mask; u32 flags, restorer; }. */
export function sysSigaction32(k: Kernel, a: number[]): number {
  let act: SigAction | null = null;
  if (a[1] !== 0) {
    const w = readWords(k, a[1], 4);
    if (!w) return -EFAULT;
    act = { handler: BigInt(w[0]), mask: BigInt(w[1]), flags: w[2], restorer: BigInt(w[3]) };
  }
  const old = doSigaction(k, a[0] | 0, act, true);
  if (typeof old === 'number') return old;
  if (a[2] !== 0 && !writeWords(k, a[2], [old.handler, old.mask, old.flags >>> 0, old.restorer])) return -EFAULT;
  return 0;
}

/** signal (48): a one-shot handler that does not block its signal; returns the old handler. */
export function sysSignal32(k: Kernel, a: number[]): number {
  const act = { handler: BigInt(a[1]), flags: SA_RESETHAND | SA_NODEFER, restorer: 0n, mask: 0n };
  const old = doSigaction(k, a[0] | 0, act, true);
  return typeof old === 'number' ? old : Number(old.handler & LOW_WORD);
}

/** sigprocmask (126): the old_sigset_t is the low 32 signals; SIG_SETMASK replaces just those. */
export function sysSigprocmask32(k: Kernel, a: number[]): number {
  const s = k.process.signals;
  const old = s.blocked;
  if (a[1] !== 0) {
    const w = readWords(k, a[1], 1);
    if (!w) return -EFAULT;
    const set = BigInt(w[0]) & ~UNBLOCKABLE;
    switch (a[0] | 0) {
      case SIG_BLOCK: s.blocked = old | set; break;
      case SIG_UNBLOCK: s.blocked = old & ~set; break;
      case SIG_SETMASK: s.blocked = (old & ~LOW_WORD) | set; break;
      default: return -EINVAL;
    }
  }
  if (a[2] !== 0 && !writeWords(k, a[2], [old])) return -EFAULT;
  return 0;
}

/** sigpending (73): the blocked pending signals among the low 32. */
export function sysSigpending32(k: Kernel, a: number[]): number {
  const s = k.process.signals;
  return writeWords(k, a[0], [s.pending & s.blocked]) ? 0 : -EFAULT;
}

/** sigsuspend (72): the mask is the third argument (OLD_SIGSUSPEND3), an old_sigset_t. */
export function sysSigsuspend32(k: Kernel, a: number[]): number {
  return doSigsuspend(k, BigInt(a[2]), 'sigsuspend');
}

/** sigaltstack (186) with the 12-byte compat_stack_t. */
export function sysSigaltstack32(k: Kernel, a: number[]): number {
  return sysSigaltstack(k, a, STACK_T_32);
}

/** sigreturn (119), through __kernel_sigreturn: the plain frame at ESP - 8. */
export function sysSigreturn32(k: Kernel): number {
  const at = k.frame.get('rsp') - 8;
  return sigreturnDone(k, restoreSigframe32(k, at), 'sigreturn', at);
}

/** rt_sigreturn (173), through __kernel_rt_sigreturn: the rt frame at ESP - 4. */
export function sysRtSigreturn32(k: Kernel): number {
  const at = k.frame.get('rsp') - 4;
  return sigreturnDone(k, restoreRtSigframe32(k, at), 'rt_sigreturn', at);
}
