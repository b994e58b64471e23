import { EFAULT, EINVAL, ESRCH } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { SIGKILL, SIGNAL_NAMES, SIGSEGV } from '../signals.js';
import {
  defaultAction, ERESTARTNOHAND, NSIG, SI_KERNEL, SI_TKILL, SI_USER, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK,
  SA_IA32_ABI, SIG_UNBLOCK, sigmask, SIGSTOP, SS_AUTODISARM, UAPI_SA_FLAGS, UNBLOCKABLE,
} from './constants.js';
import { forceSignal, killNow, sendSignal, signalPending } from './deliver.js';
import { doSigaltstack, restoreRtFrame, type SigreturnResult } from './frame.js';
import type { SigAction } from './state.js';

/**
 * The signal system calls (kernel/signal.c, arch/x86/kernel/signal_64.c), x86-64 ABI.
 * One process, one thread: pid = tgid = tid = the process id, and its process group.
 */

const SIGSET_SIZE = 8;
const SIGACTION_SIZE = 32; // handler, flags, restorer, mask

function readSigset(k: Kernel, addr: number): bigint | null {
  const b = k.user.read(addr, SIGSET_SIZE);
  return b ? new DataView(b.buffer).getBigUint64(0, true) : null;
}

function writeSigset(k: Kernel, addr: number, set: bigint, size = SIGSET_SIZE): boolean {
  const b = new Uint8Array(SIGSET_SIZE);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, set), true);
  return k.user.write(addr, b.subarray(0, size));
}

/**
 * do_sigaction: validates `sig`, returns the old action and installs `act` (if any) with
 * the flags the kernel keeps; sigaction_compat_abi marks one installed by an ia32 call
 * with SA_IA32_ABI, so its handler gets ia32 frames.
 */
export function doSigaction(k: Kernel, sig: number, act: SigAction | null, ia32: boolean): SigAction | number {
  if (sig < 1 || sig > NSIG || (act && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
  const s = k.process.signals;
  const current = s.actions[sig];
  const old = { ...current, flags: current.flags & UAPI_SA_FLAGS };
  if (act) {
    current.handler = act.handler;
    current.flags = (act.flags & UAPI_SA_FLAGS) | (ia32 ? SA_IA32_ABI : 0);
    current.restorer = act.restorer;
    current.mask = act.mask & ~UNBLOCKABLE;
    // A disposition that ignores the signal discards what is pending, blocked or not.
    const d = defaultAction(sig);
    if (current.handler === SIG_IGN || (current.handler === SIG_DFL && (d === 'ignore' || d === 'continue'))) s.flush(sigmask(sig));
  }
  return old;
}

/** rt_sigaction(sig, act, oact, sigsetsize). */
export function sysRtSigaction(k: Kernel, a: number[]): number {
  if (a[3] !== SIGSET_SIZE) return -EINVAL;
  let act: SigAction | null = null;
  if (a[1] !== 0) {
    const b = k.user.read(a[1], SIGACTION_SIZE);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer);
    act = { handler: v.getBigUint64(0, true), flags: v.getUint32(8, true), restorer: v.getBigUint64(16, true), mask: v.getBigUint64(24, true) };
  }
  const old = doSigaction(k, a[0] | 0, act, false);
  if (typeof old === 'number') return old;
  if (a[2] !== 0) {
    const out = new Uint8Array(SIGACTION_SIZE);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, old.handler, true);
    v.setUint32(8, old.flags, true);
    v.setBigUint64(16, old.restorer, true);
    v.setBigUint64(24, old.mask, true);
    if (!k.user.write(a[2], out)) return -EFAULT;
  }
  return 0;
}

/** rt_sigprocmask(how, set, oset, sigsetsize). */
export function sysRtSigprocmask(k: Kernel, a: number[]): number {
  if (a[3] !== SIGSET_SIZE) return -EINVAL;
  const s = k.process.signals;
  const old = s.blocked;
  if (a[1] !== 0) {
    const set = readSigset(k, a[1]);
    if (set === null) return -EFAULT;
    const m = set & ~UNBLOCKABLE;
    switch (a[0] | 0) {
      case SIG_BLOCK: s.blocked = old | m; break;
      case SIG_UNBLOCK: s.blocked = old & ~m; break;
      case SIG_SETMASK: s.blocked = m; break;
      default: return -EINVAL;
    }
  }
  if (a[2] !== 0 && !writeSigset(k, a[2], old)) return -EFAULT;
  return 0;
}

/** rt_sigpending(set, sigsetsize): the pending signals that are blocked. */
export function sysRtSigpending(k: Kernel, a: number[]): number {
  const size = a[1];
  if (!(size >= 0 && size <= SIGSET_SIZE)) return -EINVAL;
  const s = k.process.signals;
  return writeSigset(k, a[0], s.pending & s.blocked, size) ? 0 : -EFAULT;
}

/** rt_sigreturn(): back from a handler through the frame at RSP - 8. */
export function sysRtSigreturn(k: Kernel): number {
  const frame = k.frame.get('rsp') - 8;
  return sigreturnDone(k, restoreRtFrame(k, k.process.signals), 'rt_sigreturn', frame);
}

/**
 * The end of every sigreturn: a frame that could not be read is signal_fault's SIGSEGV;
 * a context IRET cannot enter is SIGSEGV too (from the failing IRET). The result is the
 * restored RAX (its exact 64 bits are put back on the way out, exitToUser).
 */
export function sigreturnDone(k: Kernel, result: SigreturnResult, call: string, frame: number): number {
  if (result === 'badframe') {
    forceSignal(k, { signo: SIGSEGV, code: SI_KERNEL, kind: 'none', reason: `${call} with a bad frame at 0x${frame.toString(16)}` });
    return 0;
  }
  if (result === 'bad-context') {
    forceSignal(k, { signo: SIGSEGV, code: SI_KERNEL, kind: 'none', reason: `${call} to a context IRET cannot enter (non-canonical RIP or bad CS/SS)` });
  }
  return k.frame.get('rax');
}

/** stack_t as the x86-64 ABI lays it out (ss_sp, ss_flags, ss_size: 24 bytes) or the compat one (12). */
const STACK_T_64 = { size: 24, flags: 8, sizeAt: 16, word: 8 };
export const STACK_T_32 = { size: 12, flags: 4, sizeAt: 8, word: 4 };
type StackLayout = typeof STACK_T_64;

function getWord(v: DataView, at: number, word: number): bigint {
  return word === 8 ? v.getBigUint64(at, true) : BigInt(v.getUint32(at, true));
}

function putWord(v: DataView, at: number, word: number, value: number): void {
  if (word === 8) v.setBigUint64(at, BigInt(value), true);
  else v.setUint32(at, value, true);
}

/** sigaltstack(uss, uoss). */
export function sysSigaltstack(k: Kernel, a: number[], layout: StackLayout = STACK_T_64): number {
  const s = k.process.signals;
  const sp = k.frame.get('rsp');
  const { size, flags, sizeAt, word } = layout;
  let ss: { sp: bigint; flags: number; size: bigint } | null = null;
  if (a[0] !== 0) {
    const b = k.user.read(a[0], size);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer);
    ss = { sp: getWord(v, 0, word), flags: v.getInt32(flags, true), size: getWord(v, sizeAt, word) };
  }
  const old = new Uint8Array(size);
  const ov = new DataView(old.buffer);
  putWord(ov, 0, word, s.altSp);
  ov.setInt32(flags, s.sasFlags(sp) | (s.altFlags & SS_AUTODISARM), true);
  putWord(ov, sizeAt, word, s.altSize);
  if (ss) {
    const err = doSigaltstack(s, ss, sp);
    if (err) return err;
  }
  if (a[1] !== 0 && !k.user.write(a[1], old)) return -EFAULT;
  return 0;
}

/** The target of kill(pid): this process, its group (pgid = pid), or nobody. */
function killTarget(k: Kernel, pid: number): boolean {
  const me = k.process.pid;
  if (pid === -1) return false; // every process but init and the caller: none here
  return pid === 0 || pid === me || pid === -me;
}

function senderInfo(k: Kernel, sig: number, code: number, call: string): Parameters<typeof sendSignal>[1] {
  return { signo: sig, code, kind: 'kill', pid: k.process.pid, uid: 1000, reason: `sent by ${call} (${SIGNAL_NAMES[sig] ?? `signal ${sig}`})` };
}

/** kill(pid, sig). */
export function sysKill(k: Kernel, a: number[]): number {
  const pid = a[0] | 0;
  const sig = a[1] | 0;
  if (sig < 0 || sig > NSIG) return -EINVAL;
  if (!killTarget(k, pid)) return -ESRCH;
  if (sig !== 0) sendSignal(k, senderInfo(k, sig, SI_USER, 'kill'));
  return 0;
}

/** tgkill(tgid, tid, sig). */
export function sysTgkill(k: Kernel, a: number[]): number {
  const tgid = a[0] | 0;
  const tid = a[1] | 0;
  const sig = a[2] | 0;
  if (tid <= 0 || tgid <= 0) return -EINVAL;
  return sendToThread(k, tgid, tid, sig, 'tgkill');
}

/** tkill(tid, sig). */
export function sysTkill(k: Kernel, a: number[]): number {
  const tid = a[0] | 0;
  const sig = a[1] | 0;
  if (tid <= 0) return -EINVAL;
  return sendToThread(k, 0, tid, sig, 'tkill');
}

/** do_send_specific. */
function sendToThread(k: Kernel, tgid: number, tid: number, sig: number, call: string): number {
  const me = k.process.pid;
  if (tid !== me || (tgid > 0 && tgid !== me)) return -ESRCH;
  if (sig < 0 || sig > NSIG) return -EINVAL;
  if (sig !== 0) sendSignal(k, senderInfo(k, sig, SI_TKILL, call));
  return 0;
}

/**
 * rt_sigsuspend(mask, sigsetsize): waits under `mask` for a signal, whose handler then
 * runs with the old mask saved in its frame. Nothing outside the process can send one
 * (no other processes, no timers yet), so if none is deliverable the wait would never
 * end: x64emu ends the run with SIGKILL rather than hang.
 */
export function sysRtSigsuspend(k: Kernel, a: number[]): number {
  if (a[1] !== SIGSET_SIZE) return -EINVAL;
  const set = readSigset(k, a[0]);
  if (set === null) return -EFAULT;
  return doSigsuspend(k, set, 'rt_sigsuspend');
}

/** sigsuspend(set): waits with `set` as the mask, which the handler's frame saves the old one from. */
export function doSigsuspend(k: Kernel, set: bigint, call: string): number {
  const s = k.process.signals;
  s.savedMask = s.blocked;
  s.blocked = set & ~UNBLOCKABLE;
  return waitForSignal(k, call);
}

/** pause(): rt_sigsuspend with the current mask. */
export function sysPause(k: Kernel): number {
  return waitForSignal(k, 'pause');
}

function waitForSignal(k: Kernel, call: string): number {
  if (!signalPending(k)) {
    killNow(k, `${call} would wait forever: no signal can arrive (x64emu runs no other process and no timer)`);
    return 0;
  }
  return -ERESTARTNOHAND;
}
