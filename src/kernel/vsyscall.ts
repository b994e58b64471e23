import { FAULT_FIXED } from './address-space.js';
import { PROT_EXEC, PROT_READ } from './address-space.js';
import type { Vma } from './address-space.js';
import type { Kernel } from './kernel.js';
import { sysGetcpu, sysGettimeofday, sysTime } from './syscalls/time.js';
import { PF_I } from '../mmu/page-table-entry.js';

/** The legacy vsyscall page (LINUX-ABI.md §2): fixed at 0xffffffffff600000. */
export const VSYSCALL_ADDR = -0xa00000; // 0xffffffffff600000
export type VsyscallMode = 'xonly' | 'emulate' | 'none';

/** gettimeofday (96), time (201), getcpu (309): 1 KiB apart. */
const ENTRIES = [
  { nr: 96, call: sysGettimeofday },
  { nr: 201, call: sysTime },
  { nr: 309, call: sysGetcpu },
];

/** The page's historical contents: "mov rax, nr; syscall; ret" at each entry, 0xcc elsewhere. */
export function vsyscallPageBytes(): Uint8Array {
  const page = new Uint8Array(4096).fill(0xcc);
  ENTRIES.forEach(({ nr }, i) => page.set([0x48, 0xc7, 0xc0, nr & 0xff, nr >> 8, 0, 0, 0x0f, 0x05, 0xc3], i * 0x400));
  return page;
}

/** The maps line: `--xp` without a PTE (xonly), `r-xp` when readable (emulate). */
export function vsyscallArea(mode: VsyscallMode): Vma[] {
  if (mode === 'none') return [];
  return [{ start: VSYSCALL_ADDR, end: VSYSCALL_ADDR + 4096, prot: PROT_EXEC | (mode === 'emulate' ? PROT_READ : 0), name: '[vsyscall]', offset: 0 }];
}

/**
 * emulate_vsyscall (arch/x86/entry/vsyscall/vsyscall_64.c): a user instruction fetch
 * from the page faults (there is no executable mapping in any mode); when it is one of
 * the three entry points, run that system call, put the result in RAX and return as
 * `ret` would. Returns FAULT_FIXED when handled, or a reason string for SIGSEGV, or null
 * when the fault is not a vsyscall at all.
 */
export function emulateVsyscall(k: Kernel, address: number, errorCode: number): number | string | null {
  if (address < VSYSCALL_ADDR || address >= VSYSCALL_ADDR + 4096) return null;
  const f = k.frame;
  if (k.options.vsyscall === 'none' || !(errorCode & PF_I) || f.get('rip') !== address) return null;
  const offset = address - VSYSCALL_ADDR;
  if (offset % 0x400 !== 0 || offset / 0x400 >= ENTRIES.length) return 'misaligned vsyscall';
  const rsp = f.get('rsp');
  const ret = k.user.readU64(rsp);
  if (ret === null) return 'vsyscall with a bad stack';
  const entry = ENTRIES[offset / 0x400];
  const args = [f.get('rdi'), f.get('rsi'), 0, 0, 0, 0];
  k.stats.countSyscall('syscall', entry.call.name.replace(/^sys/, '').toLowerCase());
  f.set('rax', entry.call(k, args));
  f.set('rip', ret);
  f.set('rsp', rsp + 8);
  return FAULT_FIXED;
}
