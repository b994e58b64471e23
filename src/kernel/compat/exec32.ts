import * as AT from '../../loader/auxv.js';
import { ElfError, type ElfImage } from '../../loader/elf.js';
import type { AddressSpace } from '../address-space.js';
import { genericAuxv, mapInitialStack, mapSegments } from '../exec.js';
import type { ExecRequest, ExecResult } from '../exec.js';
import { buildInitialStack32 } from './stack32.js';

/** ExecRequest for a 32-bit program: the vDSO mapper also says where __kernel_vsyscall is. */
export interface Exec32Request extends Omit<ExecRequest, 'mapVdso'> {
  /** Maps the vdso32; returns { base: AT_SYSINFO_EHDR, entry: AT_SYSINFO } or null (vdso=0). */
  mapVdso32: (space: AddressSpace) => { base: number; entry: number } | null;
}

/**
 * load_elf_binary through compat_binfmt_elf for a static i386 program (ET_EXEC or
 * static-pie): the segments below 4 GiB, brk after the highest one, the vdso32, and the
 * 32-bit initial stack with ARCH_DLINFO_IA32 first in the aux vector (AT_SYSINFO =
 * __kernel_vsyscall, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ), platform "i686".
 */
export function execProgram32(space: AddressSpace, elf: ElfImage, req: Exec32Request): ExecResult {
  if (elf.elfClass !== 32) throw new ElfError('internal: execProgram32 needs a 32-bit ELF');
  space.mmapBase = req.layout.mmapBase;
  const { bias, highest } = mapSegments(space, elf, req.image, req.path);
  space.brkStart = space.brk = highest + req.layout.brkOffset;
  const entry = elf.entry + bias;
  const vdso = req.mapVdso32(space);
  const auxv: Array<[number, number]> = [
    ...(vdso ? ([[AT.AT_SYSINFO, vdso.entry], [AT.AT_SYSINFO_EHDR, vdso.base]] as Array<[number, number]>) : []),
    ...req.archAuxv,
    ...genericAuxv(elf, bias, entry, req.hwcap2),
  ];
  const stack = buildInitialStack32({
    stackTop: req.layout.stackTop,
    argv: req.argv,
    envp: req.envp,
    execfn: req.execPath,
    platform: 'i686',
    random: req.random16,
    alignJitter: req.layout.stackJitter,
    auxv,
  });
  mapInitialStack(space, stack, req.layout.stackTop);
  return { elf, entry, stack, loadBias: bias };
}
