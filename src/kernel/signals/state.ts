import { NSIG, SIG_DFL, SIGRTMIN, SS_AUTODISARM, SS_DISABLE, sigmask } from './constants.js';

/** One installed disposition (struct k_sigaction): handler, flags, restorer, sa_mask. */
export interface SigAction {
  /** A user address, or SIG_DFL / SIG_IGN; kept as the u64 the program gave. */
  handler: bigint;
  flags: number;
  restorer: bigint;
  mask: bigint;
}

/**
 * What a queued signal carries (struct kernel_siginfo, reduced to the union members
 * x86-64 Linux fills): `kill` for signals a process sent (si_pid, si_uid), `fault` for
 * the CPU's (si_addr), `none` for SI_KERNEL signals with nothing else.
 */
export interface SigInfo {
  signo: number;
  code: number;
  kind: 'kill' | 'fault' | 'none';
  pid?: number;
  uid?: number;
  addr?: number;
  /** For people: why the signal was sent (the CLI prints it when the signal kills). */
  reason: string;
}

/**
 * The signal state of the (single-threaded) process: dispositions, the blocked mask,
 * the pending queue, the alternate stack, and the per-thread fault record Linux keeps
 * in thread_struct (trap_nr, error_code, cr2: what the sigcontext reports).
 */
export class SignalState {
  /** actions[sig], 1..64. */
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: SIG_DFL, flags: 0, restorer: 0n, mask: 0n }));
  blocked = 0n;
  /** Signals pending, in arrival order; a standard signal at most once. */
  readonly queue: SigInfo[] = [];
  pending = 0n;
  /** rt_sigsuspend's mask to put back once a handler's frame has saved it (TIF_RESTORE_SIGMASK). */
  savedMask: bigint | null = null;
  /** sigaltstack: ss_sp, ss_size, ss_flags. */
  altSp = 0;
  altSize = 0;
  altFlags = SS_DISABLE;
  /** thread_struct trap_nr, error_code and cr2, set by the last exception. */
  trapNr = 0;
  errorCode = 0;
  cr2 = 0;
  /** The current system call must not be restarted (rt_sigreturn set the frame's RAX). */
  noRestart = false;
  /** RAX as rt_sigreturn restored it (all 64 bits: the handler's result path carries a double). */
  sigreturnRax: { lo: number; hi: number } | null = null;

  /** Queues a signal (the caller decided it is not ignored). */
  enqueue(info: SigInfo): void {
    const bit = sigmask(info.signo);
    if (info.signo < SIGRTMIN && (this.pending & bit) !== 0n) return; // legacy_queue: one at a time
    this.queue.push(info);
    this.pending |= bit;
  }

  /** Removes and returns the first queued instance of `sig`. */
  dequeue(sig: number): SigInfo | null {
    const at = this.queue.findIndex((q) => q.signo === sig);
    if (at < 0) return null;
    const [info] = this.queue.splice(at, 1);
    if (!this.queue.some((q) => q.signo === sig)) this.pending &= ~sigmask(sig);
    return info;
  }

  /** Forgets every pending instance of the signals in `set`. */
  flush(set: bigint): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if ((set & sigmask(this.queue[i].signo)) !== 0n) this.queue.splice(i, 1);
    }
    this.pending &= ~set;
  }

  /** on_sig_stack: `sp` lies on the alternate stack (never, with SS_AUTODISARM). */
  onSigStack(sp: number): boolean {
    if ((this.altFlags & SS_AUTODISARM) !== 0) return false;
    return this.onAltStackRange(sp);
  }

  /** __on_sig_stack. */
  onAltStackRange(sp: number): boolean {
    return sp > this.altSp && sp - this.altSp <= this.altSize;
  }

  /** sas_ss_flags: SS_DISABLE without a stack, SS_ONSTACK when running on it, else 0. */
  sasFlags(sp: number): number {
    if (!this.altSize) return SS_DISABLE;
    return this.onSigStack(sp) ? 1 : 0;
  }

  /** sas_ss_reset. */
  resetAltStack(): void {
    this.altSp = 0;
    this.altSize = 0;
    this.altFlags = SS_DISABLE;
  }
}
