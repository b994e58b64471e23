import { EFAULT, EINVAL, ESRCH } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { SIGKILL, SIGNAL_NAMES, SIGSEGV } from '../signals.js';
import {
  defaultAction, ERESTARTNOHAND, NSIG, SI_KERNEL, SI_TKILL, SI_USER, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK,
  SIG_UNBLOCK, sigmask, SIGSTOP, SS_AUTODISARM, UAPI_SA_FLAGS, UNBLOCKABLE,
} from './constants.js';
import { forceSignal, killNow, sendSignal, signalPending } from './deliver.js';
import { doSigaltstack, restoreRtFrame } from './frame.js';

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

/** rt_sigaction(sig, act, oact, sigsetsize). */
export function sysRtSigaction(k: Kernel, a: number[]): number {
  const sig = a[0] | 0;
  if (a[3] !== SIGSET_SIZE) return -EINVAL;
  if (sig < 1 || sig > NSIG || (a[1] !== 0 && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
  const s = k.process.signals;
  let act: DataView | null = null;
  if (a[1] !== 0) {
    const b = k.user.read(a[1], SIGACTION_SIZE);
    if (!b) return -EFAULT;
    act = new DataView(b.buffer);
  }
  const current = s.actions[sig];
  const old = { ...current };
  if (act) {
    current.handler = act.getBigUint64(0, true);
    current.flags = act.getUint32(8, true) & UAPI_SA_FLAGS;
    current.restorer = act.getBigUint64(16, true);
    current.mask = act.getBigUint64(24, true) & ~UNBLOCKABLE;
    // A disposition that ignores the signal discards what is pending, blocked or not.
    const d = defaultAction(sig);
    if (current.handler === SIG_IGN || (current.handler === SIG_DFL && (d === 'ignore' || d === 'continue'))) s.flush(sigmask(sig));
  }
  if (a[2] !== 0) {
    const out = new Uint8Array(SIGACTION_SIZE);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, old.handler, true);
    v.setUint32(8, old.flags & UAPI_SA_FLAGS, true);
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
  const s = k.process.signals;
  const result = restoreRtFrame(k, s);
  if (result === 'badframe') {
    forceSignal(k, { signo: SIGSEGV, code: SI_KERNEL, kind: 'none', reason: `rt_sigreturn with a bad frame at 0x${(k.frame.get('rsp') - 8).toString(16)}` });
    return 0;
  }
  if (result === 'bad-context') {
    forceSignal(k, { signo: SIGSEGV, code: SI_KERNEL, kind: 'none', reason: 'rt_sigreturn to a context IRET cannot enter (non-canonical RIP or bad CS/SS)' });
  }
  const f = k.frame;
  return f.get('rax'); // the exact 64 bits are put back on the way out (exitToUser)
}

/** sigaltstack(uss, uoss). */
export function sysSigaltstack(k: Kernel, a: number[]): number {
  const s = k.process.signals;
  const sp = k.frame.get('rsp');
  let ss: { sp: bigint; flags: number; size: bigint } | null = null;
  if (a[0] !== 0) {
    const b = k.user.read(a[0], 24);
    if (!b) return -EFAULT;
    const v = new DataView(b.buffer);
    ss = { sp: v.getBigUint64(0, true), flags: v.getInt32(8, true), size: v.getBigUint64(16, true) };
  }
  const old = new Uint8Array(24);
  const ov = new DataView(old.buffer);
  ov.setBigUint64(0, BigInt(s.altSp), true);
  ov.setInt32(8, s.sasFlags(sp) | (s.altFlags & SS_AUTODISARM), true);
  ov.setBigUint64(16, BigInt(s.altSize), true);
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
  const s = k.process.signals;
  s.savedMask = s.blocked;
  s.blocked = set & ~UNBLOCKABLE;
  return waitForSignal(k, 'rt_sigsuspend');
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
