/**
 * Numbers of Linux's x86-64 signal ABI: sigaction flags, sigaltstack flags, si_code
 * values, default actions (include/uapi/asm-generic/signal-defs.h, asm/signal.h,
 * uapi/asm-generic/siginfo.h, kernel/signal.c). Signal numbers themselves are in
 * ../signals.ts, which the CLI shares.
 */

/** Highest signal number (_NSIG); 32 and up are real-time signals, queued. */
export const NSIG = 64;
export const SIGRTMIN = 32;

export const SIGUSR1 = 10;
export const SIGUSR2 = 12;
export const SIGALRM = 14;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGWINCH = 28;
export const SIGSYS = 31;

/** sa_handler values. */
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;

/** sa_flags. */
export const SA_NOCLDSTOP = 0x00000001;
export const SA_NOCLDWAIT = 0x00000002;
export const SA_SIGINFO = 0x00000004;
export const SA_EXPOSE_TAGBITS = 0x00000800;
export const SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
/** Not a uapi flag: the action was installed by an ia32 call (sigaction_compat_abi), so its frames are ia32 ones. */
export const SA_IA32_ABI = 0x02000000;
/**
 * The flags the kernel keeps (UAPI_SA_FLAGS): since 5.11 do_sigaction clears the rest,
 * so a program can detect unsupported ones (SA_UNSUPPORTED, 0x400, reads back as 0).
 */
export const UAPI_SA_FLAGS =
  (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER) >>> 0;

/** rt_sigprocmask how. */
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

/** sigaltstack ss_flags. */
export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 0x80000000 | 0; // bit 31, as an int32
/** MINSIGSTKSZ (x86 uapi): the smallest stack sigaltstack accepts. */
export const MINSIGSTKSZ = 2048;

/** si_code values. */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_QUEUE = -1;
export const SI_TKILL = -6;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const ILL_ILLOPN = 2;
export const TRAP_BRKPT = 1;
export const TRAP_TRACE = 2;
export const FPE_INTDIV = 1;
export const FPE_FLTDIV = 3;
export const FPE_FLTOVF = 4;
export const FPE_FLTUND = 5;
export const FPE_FLTRES = 6;
export const FPE_FLTINV = 7;

/** System-call restart codes (include/linux/errno.h): never seen by user space. */
export const ERESTARTSYS = 512;
export const ERESTARTNOINTR = 513;
export const ERESTARTNOHAND = 514;
export const ERESTART_RESTARTBLOCK = 516;
/** __NR_restart_syscall (x86-64). */
export const NR_RESTART_SYSCALL = 219;

/** Default action of a signal whose handler is SIG_DFL (signal(7), kernel/signal.c sig_kernel_*). */
export type DefaultAction = 'term' | 'core' | 'ignore' | 'stop' | 'continue';

export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
      return 'ignore';
    case SIGCONT:
      return 'continue';
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return 'stop';
    case 3: // SIGQUIT
    case 4: // SIGILL
    case 5: // SIGTRAP
    case 6: // SIGABRT
    case 7: // SIGBUS
    case 8: // SIGFPE
    case 11: // SIGSEGV
    case 24: // SIGXCPU
    case 25: // SIGXFSZ
    case SIGSYS:
      return 'core';
    default:
      return 'term'; // including the real-time signals
  }
}

/** Signals dequeued before any other (SYNCHRONOUS_MASK): the faults. */
export const SYNCHRONOUS_MASK = sigmask(11) | sigmask(7) | sigmask(4) | sigmask(5) | sigmask(8) | sigmask(SIGSYS);

/** Bit of a signal in a 64-bit sigset (signal n is bit n-1). */
export function sigmask(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** SIGKILL and SIGSTOP can be neither blocked nor caught. */
export const UNBLOCKABLE = sigmask(9) | sigmask(SIGSTOP);
export const ALL_SIGNALS = (1n << 64n) - 1n;
