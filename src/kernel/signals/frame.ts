import type { Kernel } from '../kernel.js';
import { USER32_CS, USER_CS, USER_DS } from '../layout.js';
import type { PtRegName } from '../pt-regs.js';
import { EINVAL, ENOMEM, EPERM } from '../errno.js';
import { MINSIGSTKSZ, SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, UNBLOCKABLE } from './constants.js';
import { FXSAVE_SIZE, resetFpstate, restoreFpstate, saveFpstate } from './fpstate.js';
import type { SigAction, SigInfo, SignalState } from './state.js';

/**
 * The x86-64 signal frame, as arch/x86/kernel/signal_64.c builds it on the user stack:
 *
 *   struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
 *
 * below it (higher addresses) the 64-byte aligned FXSAVE image that
 * uc.uc_mcontext.fpstate points to, and above the interrupted stack pointer's 128-byte
 * red zone. The handler is entered with RSP at pretcode (so RSP + 8 is 16-byte aligned,
 * as at any function entry) and `ret` takes it to the restorer, which calls rt_sigreturn.
 */
export const RT_SIGFRAME_SIZE = 440;
const UC = 8; // struct ucontext
const INFO = 312; // struct siginfo (128 bytes)
const SIGINFO_SIZE = 128;
/** Within struct ucontext. */
const UC_FLAGS = 0;
const UC_LINK = 8;
const UC_STACK = 16; // stack_t: ss_sp, ss_flags (int), ss_size
const UC_MCONTEXT = 40; // struct sigcontext, 256 bytes
const UC_SIGMASK = 296;
const UCONTEXT_SIZE = 304;
/** Where rt_sigreturn reads the mask it restores, from the RSP of the call (the frame is at RSP - 8). */
export const RT_SIGRETURN_MASK_FROM_SP = UC + UC_SIGMASK - 8;
/** uc_flags Linux sets without XSAVE: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS (frame_uc_flags). */
const UC_SIGCONTEXT_SS = 2;
const UC_STRICT_RESTORE_SS = 4;

/** struct sigcontext (uapi/asm/sigcontext.h): general registers in this order, then the rest. */
const SC_GPRS: PtRegName[] = ['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rax', 'rcx', 'rsp', 'rip'];
const SC_EFLAGS = 136;
const SC_CS = 144;
const SC_GS = 146;
const SC_FS = 148;
const SC_SS = 150;
const SC_ERR = 152;
const SC_TRAPNO = 160;
const SC_OLDMASK = 168;
const SC_CR2 = 176;
const SC_FPSTATE = 184;

/** RFLAGS bits sigreturn takes from the frame (FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF RF). */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
const RED_ZONE = 128;
const USER_TOP = 2 ** 47;
const TASK_SIZE_MAX = USER_TOP - 4096;
const TWO_POW_32 = 4294967296;

function putU64(v: DataView, at: number, value: number): void {
  v.setUint32(at, value >>> 0, true);
  v.setInt32(at + 4, Math.floor(value / TWO_POW_32), true);
}

function putBig(v: DataView, at: number, value: bigint): void {
  v.setBigUint64(at, BigInt.asUintN(64, value), true);
}

/**
 * The 128-byte siginfo (copy_siginfo_to_user: the kernel_siginfo, the rest zero). Its
 * union starts at 16 (x86-64) or at 12 in the compat_siginfo_t of ia32 frames, whose
 * si_addr is 32 bits.
 */
export function siginfoBytes(info: SigInfo, compat = false): Uint8Array {
  const out = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(out.buffer);
  const u = compat ? 12 : 16;
  v.setInt32(0, info.signo, true);
  v.setInt32(4, 0, true); // si_errno
  v.setInt32(8, info.code, true);
  if (info.kind === 'kill') {
    v.setInt32(u, info.pid ?? 0, true);
    v.setInt32(u + 4, info.uid ?? 0, true);
  } else if (info.kind === 'fault') {
    if (compat) v.setUint32(u, (info.addr ?? 0) >>> 0, true);
    else putU64(v, u, info.addr ?? 0);
  }
  return out;
}

/** Why a frame cannot be written (the caller forces SIGSEGV). */
export function noRoomBelow(sp: number): string {
  return `no room for the frame below the stack pointer 0x${sp.toString(16)}`;
}

/** The frame's place: its address and that of the FPU image (both already checked and the image written). */
export interface SigframePlace {
  frame: number;
  fpstate: number;
}

/**
 * get_sigframe (arch/x86/kernel/signal.c) for both ABIs: below the interrupted stack
 * pointer (past the 128-byte red zone for x86-64 only) or at the top of the alternate
 * stack, the FPU image (its FXSAVE part 64-byte aligned; an ia32 frame has the 112-byte
 * fsave header in front of it, fpu__alloc_mathframe), then the frame, aligned so the
 * handler sees a function entry: RSP + 8 16-byte aligned (x86-64), ESP + 4 (ia32).
 * Writes `fpImage` (FXSAVE_SIZE bytes, or the header and FXSAVE) and returns where the
 * frame goes, or why it cannot be built.
 */
export function getSigframe(k: Kernel, s: SignalState, ka: SigAction, frameSize: number, fpImage: Uint8Array, ia32: boolean): SigframePlace | string {
  const regsSp = k.frame.get('rsp');
  let sp = ia32 ? regsSp : regsSp - RED_ZONE;
  const nested = s.onSigStack(regsSp);
  let entering = false;
  if (ka.flags & SA_ONSTACK && s.sasFlags(sp) === 0) {
    sp = s.altSp + s.altSize;
    entering = true;
  }
  const bufFx = Math.floor((sp - FXSAVE_SIZE) / 64) * 64;
  const fpstate = bufFx - (fpImage.length - FXSAVE_SIZE);
  const frame = ia32 ? Math.floor((fpstate - frameSize + 4) / 16) * 16 - 4 : Math.floor((fpstate - frameSize) / 16) * 16 - 8;
  if ((nested || entering) && !s.onAltStackRange(frame)) return 'the alternate stack overflowed';
  const noRoom = noRoomBelow(regsSp);
  if (frame < 0 || bufFx + FXSAVE_SIZE > TASK_SIZE_MAX) return noRoom;
  if (!k.user.write(fpstate, fpImage)) return noRoom;
  return { frame, fpstate };
}

/**
 * setup_rt_frame for a handler: writes the FPU image, the ucontext (interrupted
 * registers from the pt_regs frame, the mask to restore, the alternate stack) and, for
 * SA_SIGINFO, the siginfo; then points the frame at the handler with RDI = signo,
 * RSI = &info, RDX = &uc, RAX = 0. Returns null, or why the frame cannot be built (no
 * restorer, no usable stack, an alternate stack overflowing): the caller then forces
 * SIGSEGV, as signal_setup_done does.
 */
export function setupRtFrame(k: Kernel, s: SignalState, info: SigInfo, ka: SigAction, mask: bigint): string | null {
  const f = k.frame;
  if (!(ka.flags & SA_RESTORER)) return 'the handler has no SA_RESTORER'; // "x86-64 should always use SA_RESTORER"
  if (ka.handler >= BigInt(USER_TOP)) return 'the handler address is not a user address'; // IRET would fault
  const place = getSigframe(k, s, ka, RT_SIGFRAME_SIZE, saveFpstate(k.cpu), false);
  if (typeof place === 'string') return place;
  const { frame, fpstate } = place;
  const noRoom = noRoomBelow(f.get('rsp'));

  const head = new Uint8Array(INFO);
  const v = new DataView(head.buffer);
  putBig(v, 0, ka.restorer); // pretcode
  putU64(v, UC + UC_FLAGS, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
  putU64(v, UC + UC_LINK, 0);
  putU64(v, UC + UC_STACK, s.altSp);
  v.setInt32(UC + UC_STACK + 8, s.altFlags, true);
  putU64(v, UC + UC_STACK + 16, s.altSize);
  const sc = UC + UC_MCONTEXT;
  SC_GPRS.forEach((name, n) => {
    const slot = f.slot(name);
    v.setInt32(sc + 8 * n, f.lo[slot], true);
    v.setInt32(sc + 8 * n + 4, f.hi[slot], true);
  });
  v.setInt32(sc + SC_EFLAGS, f.lo[f.slot('eflags')], true);
  v.setInt32(sc + SC_EFLAGS + 4, f.hi[f.slot('eflags')], true);
  v.setUint16(sc + SC_CS, f.lo[f.slot('cs')] & 0xffff, true);
  v.setUint16(sc + SC_GS, 0, true);
  v.setUint16(sc + SC_FS, 0, true);
  v.setUint16(sc + SC_SS, f.lo[f.slot('ss')] & 0xffff, true);
  putU64(v, sc + SC_ERR, s.errorCode);
  putU64(v, sc + SC_TRAPNO, s.trapNr);
  putBig(v, sc + SC_OLDMASK, mask);
  putU64(v, sc + SC_CR2, s.cr2);
  putU64(v, sc + SC_FPSTATE, fpstate);
  putBig(v, UC + UC_SIGMASK, mask);
  if (!k.user.write(frame, head)) return noRoom;
  if (ka.flags & SA_SIGINFO && !k.user.write(frame + INFO, siginfoBytes(info))) return noRoom;

  f.set('rdi', info.signo);
  f.set('rax', 0);
  f.set('rsi', frame + INFO);
  f.set('rdx', frame + UC);
  f.set('rip', Number(ka.handler));
  f.set('rsp', frame);
  f.set('cs', USER_CS);
  if ((f.lo[f.slot('ss')] & 0xffff) !== USER_DS) f.set('ss', USER_DS); // force_valid_ss
  return null;
}

/** Result of rt_sigreturn: the frame was restored (perhaps into a state IRET cannot enter), or not. */
export type SigreturnResult = 'ok' | 'badframe' | 'bad-context';

/**
 * rt_sigreturn: the frame sits 8 bytes below RSP (the handler's `ret` popped pretcode).
 * Restores the signal mask, the alternate stack, every general register, RIP, the
 * arithmetic/trap/direction flags (FIX_EFLAGS), CS/SS and the FPU image. 'bad-context'
 * means the restored RIP, CS or SS cannot be returned to: the caller sends SIGSEGV, as the
 * failing IRET does on Linux. CS may be __USER_CS or __USER32_CS (a handler can send the
 * thread to 32-bit code this way, as on Linux).
 */
export function restoreRtFrame(k: Kernel, s: SignalState): SigreturnResult {
  const f = k.frame;
  const frame = f.get('rsp') - 8;
  if (frame < 0 || frame + RT_SIGFRAME_SIZE > TASK_SIZE_MAX) return 'badframe';
  const uc = k.user.read(frame + UC, UCONTEXT_SIZE);
  if (!uc) return 'badframe';
  const v = new DataView(uc.buffer);
  s.blocked = v.getBigUint64(UC_SIGMASK, true) & ~UNBLOCKABLE;
  const ucFlags = v.getUint32(UC_FLAGS, true);
  // restore_altstack comes first (as since Linux 6.x, before the registers), so the stack
  // pointer it checks is the one rt_sigreturn was called with; errors other than EFAULT
  // are ignored (a handler that re-registered the stack it runs on keeps it as it is).
  const altSp = v.getBigUint64(UC_STACK, true);
  const altFlags = v.getInt32(UC_STACK + 8, true);
  const altSize = v.getBigUint64(UC_STACK + 16, true);
  doSigaltstack(s, { sp: altSp, flags: altFlags, size: altSize }, f.get('rsp'));
  const sc = UC_MCONTEXT;
  SC_GPRS.forEach((name, n) => {
    const slot = f.slot(name);
    f.lo[slot] = v.getInt32(sc + 8 * n, true);
    f.hi[slot] = v.getInt32(sc + 8 * n + 4, true);
  });
  const cs = v.getUint16(sc + SC_CS, true) | 3;
  let ss = v.getUint16(sc + SC_SS, true) | 3;
  if (ss !== USER_DS && !(ucFlags & UC_STRICT_RESTORE_SS)) ss = USER_DS; // force_valid_ss
  restoreControl(k, s, v.getInt32(sc + SC_EFLAGS, true), cs, ss);

  const fpstate = v.getBigUint64(sc + SC_FPSTATE, true);
  if (!restoreFpImage(k, fpstate, FXSAVE_SIZE, (image) => restoreFpstate(k.cpu, image))) return 'badframe';
  return returnContext(k, cs, ss);
}

/**
 * fpu__restore_sig: a null fpstate pointer gives the initial FPU state; an image that
 * cannot be read or loaded (`load` says false) also resets it, and the frame is bad.
 */
export function restoreFpImage(k: Kernel, addr: bigint, size: number, load: (image: Uint8Array) => boolean): boolean {
  if (addr === 0n) {
    resetFpstate(k.cpu);
    return true;
  }
  const image = addr + BigInt(size) <= BigInt(TASK_SIZE_MAX) ? k.user.read(Number(addr), size) : null;
  const ok = image !== null && load(image);
  if (!ok) resetFpstate(k.cpu);
  return ok;
}

/**
 * What every sigreturn does once the general registers are back: RAX is kept for the
 * way out (the call's result must not overwrite it), the flags sigreturn may change
 * (FIX_EFLAGS), CS and SS, orig_ax = -1 so the call is not restarted.
 */
export function restoreControl(k: Kernel, s: SignalState, eflags: number, cs: number, ss: number): void {
  const f = k.frame;
  const raxSlot = f.slot('rax');
  s.sigreturnRax = { lo: f.lo[raxSlot], hi: f.hi[raxSlot] };
  const flagsSlot = f.slot('eflags');
  f.lo[flagsSlot] = (f.lo[flagsSlot] & ~FIX_EFLAGS) | (eflags & FIX_EFLAGS);
  f.set('cs', cs);
  f.set('ss', ss);
  f.set('orig_rax', -1);
  s.noRestart = true;
}

/** 'bad-context' when IRET could not enter the restored RIP, CS and SS (Linux: SIGSEGV from the failing IRET). */
export function returnContext(k: Kernel, cs: number, ss: number): SigreturnResult {
  const rip = k.frame.get('rip');
  const compat = cs === USER32_CS;
  if ((cs !== USER_CS && !compat) || ss !== USER_DS) return 'bad-context';
  if (compat ? rip < 0 || rip >= 2 ** 32 : rip < -USER_TOP || rip >= USER_TOP) return 'bad-context';
  return 'ok';
}

export interface StackT {
  sp: bigint;
  flags: number;
  size: bigint;
}

/** do_sigaltstack's change half: 0 or -errno (EPERM while on the stack, EINVAL, ENOMEM). */
export function doSigaltstack(s: SignalState, ss: StackT, sp: number): number {
  if (s.onSigStack(sp)) return -EPERM;
  const mode = ss.flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
  if (mode === SS_DISABLE) {
    s.altSp = 0;
    s.altSize = 0;
  } else {
    if (ss.size < BigInt(MINSIGSTKSZ)) return -ENOMEM;
    s.altSp = Number(ss.sp);
    s.altSize = Number(ss.size);
  }
  s.altFlags = ss.flags;
  return 0;
}
