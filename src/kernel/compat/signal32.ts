import { SEG_DS, SEG_ES, SEG_FS, SEG_GS } from '../../cpu/registers.js';
import type { Kernel } from '../kernel.js';
import { USER32_CS, USER_DS } from '../layout.js';
import type { PtRegName } from '../pt-regs.js';
import { SA_RESTORER, SA_SIGINFO, UNBLOCKABLE } from '../signals/constants.js';
import {
  doSigaltstack, getSigframe, noRoomBelow, restoreControl, restoreFpImage, returnContext, RT_SIGRETURN_MASK_FROM_SP,
  siginfoBytes, type SigreturnResult,
} from '../signals/frame.js';
import type { SigAction, SigInfo, SignalState } from '../signals/state.js';
import { VdsoPages } from '../vdso-mapping.js';
import { FPSTATE32_SIZE, restoreFpstate32, saveFpstate32 } from './fpstate32.js';
import { vdso32Image } from './vdso32-pages.js';

/**
 * The ia32 signal frames (arch/x86/kernel/signal_32.c, asm/sigframe.h), for handlers
 * installed by ia32 calls (SA_IA32_ABI):
 *
 *   struct sigframe_ia32    { u32 pretcode; int sig; struct sigcontext_32 sc;
 *                             struct _fpstate_32 fpstate_unused; u32 extramask[1]; char retcode[8]; }
 *   struct rt_sigframe_ia32 { u32 pretcode; int sig; u32 pinfo; u32 puc;
 *                             compat_siginfo_t info; struct ucontext_ia32 uc; char retcode[8]; }
 *
 * with the FPU image (fsave header + FXSAVE, fpstate32.ts) above them. A plain handler
 * gets the first (sigreturn, ia32 119, pops the frame), an SA_SIGINFO one the second
 * (rt_sigreturn, 173). pretcode is the restorer, or without SA_RESTORER the vdso32's
 * __kernel_sigreturn / __kernel_rt_sigreturn.
 */
const SIGCONTEXT32 = {
  gs: 0, fs: 4, es: 8, ds: 12, trapno: 48, err: 52, ip: 56, cs: 60, flags: 64, spAtSignal: 68, ss: 72, fpstate: 76,
  oldmask: 80, cr2: 84,
};
/** struct sigcontext_32's general registers (di si bp sp bx dx cx ax, from 16). */
const SC32_GPRS: PtRegName[] = ['rdi', 'rsi', 'rbp', 'rsp', 'rbx', 'rdx', 'rcx', 'rax'];
const SC32_GPR0 = 16;

const SF_SC = 8;
const SF_EXTRAMASK = SF_SC + 88 + FPSTATE32_SIZE; // after the unused struct _fpstate_32
const SF_RETCODE = SF_EXTRAMASK + 4;
const SIGFRAME_IA32_SIZE = SF_RETCODE + 8;

const RT_PINFO = 8;
const RT_PUC = 12;
const RT_INFO = 16;
const RT_UC = RT_INFO + 128;
/** struct ucontext_ia32: uc_flags, uc_link, uc_stack (compat_stack_t), uc_mcontext, uc_sigmask. */
const UC_STACK = 8;
const UC_MCONTEXT = 20;
const UC_SIGMASK = 108;
const UCONTEXT_IA32_SIZE = 116;
const RT_RETCODE = RT_UC + UCONTEXT_IA32_SIZE;
const RT_SIGFRAME_IA32_SIZE = RT_RETCODE + 8;

/** retcode (kept "because some gdb versions need it"): popl %eax; movl $119,%eax; int $0x80 — and movl $173,%eax; int $0x80. */
const SIGRETURN_CODE = [0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80];
const RT_SIGRETURN_CODE = [0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0];

/** __unsafe_setup_sigcontext32: the interrupted registers, the fault record, the fpstate pointer, the mask's low word. */
function putSigcontext32(k: Kernel, v: DataView, at: number, s: SignalState, mask: bigint, fpstate: number): void {
  const f = k.frame;
  const sel = k.cpu.selectors;
  const u32 = (off: number, value: number): void => v.setUint32(at + off, value >>> 0, true);
  const low = (name: PtRegName): number => f.lo[f.slot(name)] >>> 0;
  u32(SIGCONTEXT32.gs, sel[SEG_GS]);
  u32(SIGCONTEXT32.fs, sel[SEG_FS]);
  u32(SIGCONTEXT32.es, sel[SEG_ES]);
  u32(SIGCONTEXT32.ds, sel[SEG_DS]);
  SC32_GPRS.forEach((name, n) => u32(SC32_GPR0 + 4 * n, low(name)));
  u32(SIGCONTEXT32.trapno, s.trapNr);
  u32(SIGCONTEXT32.err, s.errorCode);
  u32(SIGCONTEXT32.ip, low('rip'));
  u32(SIGCONTEXT32.cs, low('cs') & 0xffff);
  u32(SIGCONTEXT32.flags, low('eflags'));
  u32(SIGCONTEXT32.spAtSignal, low('rsp'));
  u32(SIGCONTEXT32.ss, low('ss') & 0xffff);
  u32(SIGCONTEXT32.fpstate, fpstate);
  u32(SIGCONTEXT32.oldmask, Number(mask & 0xffffffffn));
  u32(SIGCONTEXT32.cr2, s.cr2);
}

/**
 * ia32_setup_frame / ia32_setup_rt_frame: builds the frame for `ka`'s handler and enters
 * it with ESP at pretcode, EAX = signo and (-mregparm=3) EDX = &info, ECX = &uc for an
 * rt frame, 0 for a plain one; CS __USER32_CS, SS/DS/ES __USER_DS. Returns null or why
 * the frame cannot be built.
 */
export function setupFrame32(k: Kernel, s: SignalState, info: SigInfo, ka: SigAction, mask: bigint): string | null {
  const f = k.frame;
  const rt = (ka.flags & SA_SIGINFO) !== 0;
  const fpImage = saveFpstate32(k.cpu, f.lo[f.slot('cs')] & 0xffff, k.cpu.selectors[SEG_DS]);
  const place = getSigframe(k, s, ka, rt ? RT_SIGFRAME_IA32_SIZE : SIGFRAME_IA32_SIZE, fpImage, true);
  if (typeof place === 'string') return place;
  const { frame, fpstate } = place;
  const vdso = VdsoPages.baseIn(k.process.space);
  let restorer: number;
  const out = new Uint8Array(rt ? RT_SIGFRAME_IA32_SIZE : SIGFRAME_IA32_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(4, info.signo, true);
  if (rt) {
    // Without a vdso Linux still adds the symbol's offset to a zero base.
    restorer = ka.flags & SA_RESTORER ? Number(ka.restorer) : vdso + vdso32Image().rtSigreturn;
    v.setUint32(RT_PINFO, frame + RT_INFO, true);
    v.setUint32(RT_PUC, frame + RT_UC, true);
    out.set(siginfoBytes(info, true), RT_INFO);
    // uc_flags 0 (UC_FP_XSTATE only with XSAVE), uc_link 0, uc_stack as it was (compat_save_altstack).
    v.setUint32(RT_UC + UC_STACK, s.altSp, true);
    v.setInt32(RT_UC + UC_STACK + 4, s.altFlags, true);
    v.setUint32(RT_UC + UC_STACK + 8, s.altSize, true);
    putSigcontext32(k, v, RT_UC + UC_MCONTEXT, s, mask, fpstate);
    v.setBigUint64(RT_UC + UC_SIGMASK, BigInt.asUintN(64, mask), true);
    out.set(RT_SIGRETURN_CODE, RT_RETCODE);
  } else {
    restorer = ka.flags & SA_RESTORER ? Number(ka.restorer) : vdso ? vdso + vdso32Image().sigreturn : frame + SF_RETCODE;
    putSigcontext32(k, v, SF_SC, s, mask, fpstate);
    v.setUint32(SF_EXTRAMASK, Number((mask >> 32n) & 0xffffffffn), true);
    out.set(SIGRETURN_CODE, SF_RETCODE);
  }
  v.setUint32(0, restorer >>> 0, true);
  if (!k.user.write(frame, out)) return noRoomBelow(f.get('rsp'));

  f.set('rsp', frame);
  f.set('rip', Number(ka.handler & 0xffffffffn));
  f.set('rax', info.signo);
  f.set('rdx', rt ? frame + RT_INFO : 0);
  f.set('rcx', rt ? frame + RT_UC : 0);
  f.set('cs', USER32_CS);
  f.set('ss', USER_DS);
  k.cpu.selectors[SEG_DS] = USER_DS;
  k.cpu.selectors[SEG_ES] = USER_DS;
  return null;
}

/**
 * ia32_restore_sigcontext: EDI..EAX and EIP zero-extended (R8-R15 stay as they are), CS
 * and SS with RPL 3, the sigreturn-visible flags, then the FPU from sc.fpstate.
 * Segment registers the handler changed in the sigcontext are not reloaded.
 */
function restoreSigcontext32(k: Kernel, s: SignalState, v: DataView, at: number): SigreturnResult {
  const f = k.frame;
  SC32_GPRS.forEach((name, n) => f.set(name, v.getUint32(at + SC32_GPR0 + 4 * n, true)));
  f.set('rip', v.getUint32(at + SIGCONTEXT32.ip, true));
  const cs = v.getUint16(at + SIGCONTEXT32.cs, true) | 3;
  const ss = v.getUint16(at + SIGCONTEXT32.ss, true) | 3;
  restoreControl(k, s, v.getInt32(at + SIGCONTEXT32.flags, true), cs, ss);
  const fp = BigInt(v.getUint32(at + SIGCONTEXT32.fpstate, true));
  if (!restoreFpImage(k, fp, FPSTATE32_SIZE, (image) => restoreFpstate32(k.cpu, image))) return 'badframe';
  return returnContext(k, cs, ss);
}

/** The frame a sigreturn names, or null if it cannot be read (signal_fault). */
function readFrame(k: Kernel, at: number, size: number): DataView | null {
  if (at < 0 || at + size > 2 ** 32) return null;
  const b = k.user.read(at, size);
  return b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null;
}

/** sigreturn (ia32 119): the restorer popped the signal number, so the frame is at ESP - 8. */
export function restoreSigframe32(k: Kernel, at: number): SigreturnResult {
  const s = k.process.signals;
  const v = readFrame(k, at, SIGFRAME_IA32_SIZE);
  if (!v) return 'badframe';
  const low = BigInt(v.getUint32(SF_SC + SIGCONTEXT32.oldmask, true));
  const high = BigInt(v.getUint32(SF_EXTRAMASK, true));
  s.blocked = (low | (high << 32n)) & ~UNBLOCKABLE;
  return restoreSigcontext32(k, s, v, SF_SC);
}

/** rt_sigreturn (ia32 173): the frame is at ESP - 4 (the handler's `ret` popped pretcode). */
export function restoreRtSigframe32(k: Kernel, at: number): SigreturnResult {
  const s = k.process.signals;
  const v = readFrame(k, at, RT_SIGFRAME_IA32_SIZE);
  if (!v) return 'badframe';
  s.blocked = v.getBigUint64(RT_UC + UC_SIGMASK, true) & ~UNBLOCKABLE;
  const result = restoreSigcontext32(k, s, v, RT_UC + UC_MCONTEXT);
  if (result === 'badframe') return result;
  // compat_restore_altstack comes after the registers (unlike x86-64's rt_sigreturn), so
  // the stack pointer it checks is the interrupted one; only EFAULT would fail the call.
  const stack = RT_UC + UC_STACK;
  const ss = { sp: BigInt(v.getUint32(stack, true)), flags: v.getInt32(stack + 4, true), size: BigInt(v.getUint32(stack + 8, true)) };
  doSigaltstack(s, ss, k.frame.get('rsp'));
  return result;
}

/**
 * Where a sigreturn reads the mask it restores (the low and the high 32 signals), from
 * the stack pointer of the call: for strace's `{mask=[...]}`, which shows it at entry.
 */
export function sigreturnMaskAddresses(call: 'rt_sigreturn' | 'rt_sigreturn32' | 'sigreturn32', sp: number): [number, number] {
  let low: number;
  if (call === 'sigreturn32') return [sp - 8 + SF_SC + SIGCONTEXT32.oldmask, sp - 8 + SF_EXTRAMASK];
  if (call === 'rt_sigreturn32') low = sp - 4 + RT_UC + UC_SIGMASK;
  else low = sp + RT_SIGRETURN_MASK_FROM_SP;
  return [low, low + 4];
}
