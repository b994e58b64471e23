import type { Cpu } from '../../cpu/cpu.js';
import { SEG_CS, SEG_DS, SEG_ES, SEG_SS } from '../../cpu/registers.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { USER32_CS, USER_DS } from '../layout.js';
import { VdsoPages } from '../vdso-mapping.js';
import { vdso32Image } from './vdso32-pages.js';

/** Processes running a 32-bit program (exec'd through the compat path). */
const compatProcesses = new WeakSet<Process>();

export function markCompat(p: Process): void {
  compatProcesses.add(p);
}

export function isCompat(p: Process): boolean {
  return compatProcesses.has(p);
}

/** compat_start_thread: CS = __USER32_CS, SS = DS = ES = __USER_DS, compatibility mode. */
export function enterCompatMode(cpu: Cpu): void {
  cpu.selectors[SEG_CS] = USER32_CS;
  cpu.selectors[SEG_SS] = USER_DS;
  cpu.selectors[SEG_DS] = USER_DS;
  cpu.selectors[SEG_ES] = USER_DS;
  cpu.compat = true;
}

/**
 * do_fast_syscall_32 (arch/x86/entry/common.c): the fast entries of __kernel_vsyscall
 * leave the frame in the shape the entry stubs build for 64-bit callers, so fix it up to
 * what the ia32 ABI means (LINUX-ABI.md §6):
 *  - sysenter (`mov ebp, esp; sysenter`): the user's ESP is in EBP; the stub saved
 *    R10/R11 (meaningless in 32-bit code) as RIP/RSP;
 *  - syscall (`mov ebp, ecx; syscall`, AMD, through CSTAR): argument 2 is in EBP;
 * then arg6 (EBP) is read from the user's stack, where __kernel_vsyscall pushed it, and the
 * return address becomes the vdso's int80_landing_pad, which pops ebp, edx, ecx and
 * returns to libc. The kernel leaves through IRET (to CS 0x23). Returns false (and kills
 * nothing) if the process has no vdso32 or the stack word is unreadable: the caller
 * returns -EFAULT then, as Linux does.
 */
export function fixupFastSyscall32(k: Kernel, how: 'sysenter' | 'syscall'): boolean {
  const f = k.frame;
  const ebp = f.lo[f.slot('rbp')] >>> 0;
  if (how === 'sysenter') f.set('rsp', ebp);
  else f.set('rcx', ebp);
  f.set('cs', USER32_CS);
  f.set('ss', USER_DS);
  const base = VdsoPages.baseIn(k.process.space);
  if (base) f.set('rip', base + vdso32Image().int80LandingPad);
  const sp = f.lo[f.slot('rsp')] >>> 0;
  const word = k.user.read(sp, 4);
  if (!word || !base) return false;
  f.set('rbp', new DataView(word.buffer, word.byteOffset, 4).getUint32(0, true));
  return true;
}
