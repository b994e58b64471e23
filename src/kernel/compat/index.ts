/**
 * The kernel's compat (ia32) support: 32-bit programs in compatibility mode under the
 * 64-bit kernel (issue 8). See README.md in this folder.
 */
import type { CpuModel } from '../../cpu/cpu-model.js';
import { parseElf } from '../../loader/elf.js';
import type { Vsyscall32Entry } from '../../vdso/vdso32.js';
import type { AddressSpace } from '../address-space.js';
import { execProgram, type ExecRequest, type ExecResult } from '../exec.js';
import type { Kernel } from '../kernel.js';
import { markCompat } from './entry.js';
import { execProgram32 } from './exec32.js';
import { chooseLayout32 } from './layout32.js';
import { Vdso32Pages } from './vdso32-pages.js';

export { enterCompatMode, fixupFastSyscall32, isCompat, markCompat } from './entry.js';
export { sysSetRobustList32, sysSetThreadArea, sysUgetrlimit } from './syscalls32.js';
export { sigreturnMaskAddresses } from './signal32.js';
export { vdso32Image } from './vdso32-pages.js';

/**
 * The entry the kernel patches into __kernel_vsyscall at boot (ALTERNATIVE_2 on
 * X86_FEATURE_SYSENTER32 / SYSCALL32): sysenter on Intel, syscall on AMD, int 0x80 on a
 * CPU with neither (`--cpu legacy`).
 */
export function vsyscall32EntryForModel(model: CpuModel): Vsyscall32Entry {
  if (model.noFastSyscall32) return 'int80';
  return model.vendor === 'intel' ? 'sysenter' : 'syscall';
}

const vdso32ByKernel = new WeakMap<Kernel, Vdso32Pages>();

/** The kernel's vdso32 (built and patched on first use; vDSO calls counted like the 64-bit ones). */
export function vdso32Pages(k: Kernel): Vdso32Pages {
  let pages = vdso32ByKernel.get(k);
  if (!pages) {
    pages = new Vdso32Pages(k.phys, k.vdso.vvarFrames, vsyscall32EntryForModel(k.cpu.model));
    for (const fn of pages.image.functions) {
      if (!fn.name.startsWith('__vdso_')) continue;
      const frame = pages.imageFrames[Math.floor(fn.offset / 4096)]!;
      const name = fn.name;
      k.interp.entryHooks.set(frame + (fn.offset % 4096), () => {
        k.stats.vdsoCalls[name] = (k.stats.vdsoCalls[name] ?? 0) + 1;
        k.vdsoObserver?.(name);
      });
    }
    vdso32ByKernel.set(k, pages);
  }
  return pages;
}

/**
 * execve's binfmt choice: a 64-bit program through execProgram, an i386 one (ELFCLASS32,
 * EM_386) through the compat path (layout below 4 GiB, vdso32, 32-bit stack); the process
 * is marked compat so the fast 32-bit entries are understood.
 */
export function execAnyProgram(k: Kernel, space: AddressSpace, req: ExecRequest, randomize: boolean): ExecResult {
  const elf = parseElf(req.image, { allow32: true });
  if (elf.elfClass === 64) return execProgram(space, req);
  markCompat(k.process);
  return execProgram32(space, elf, {
    ...req,
    layout: chooseLayout32(k.random, randomize),
    mapVdso32: (s) => {
      if (!k.options.vdso) return null;
      const pages = vdso32Pages(k);
      return pages.mapInto(s, s.findFree(pages.mappingSize));
    },
  });
}
