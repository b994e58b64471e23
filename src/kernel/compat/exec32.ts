import * as AT from '../../loader/auxv.js';
import { PF_W, PF_X, PT_PHDR } from '../../loader/elf-constants.js';
import { ElfError, type ElfImage } from '../../loader/elf.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { AddressSpace, pageCeil, pageFloor, PROT_EXEC, PROT_READ, PROT_WRITE } from '../address-space.js';
import type { ExecRequest, ExecResult } from '../exec.js';
import { buildInitialStack32 } from './stack32.js';

const STACK_EXPAND = 128 * 1024;

/** ExecRequest for a 32-bit program: the vDSO mapper also says where __kernel_vsyscall is. */
export interface Exec32Request extends Omit<ExecRequest, 'mapVdso'> {
  /** Maps the vdso32; returns { base: AT_SYSINFO_EHDR, entry: AT_SYSINFO } or null (vdso=0). */
  mapVdso32: (space: AddressSpace) => { base: number; entry: number } | null;
}

const protOf = (flags: number): number => PROT_READ | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);

/**
 * load_elf_binary through compat_binfmt_elf for a static i386 program (ET_EXEC or
 * static-pie): the segments below 4 GiB, brk after the highest one, the vdso32, and the
 * 32-bit initial stack with ARCH_DLINFO_IA32 first in the aux vector (AT_SYSINFO =
 * __kernel_vsyscall, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ), platform "i686".
 */
export function execProgram32(space: AddressSpace, elf: ElfImage, req: Exec32Request): ExecResult {
  if (elf.elfClass !== 32) throw new ElfError('internal: execProgram32 needs a 32-bit ELF');
  space.mmapBase = req.layout.mmapBase;
  let bias = 0;
  if (elf.kind === 'dyn') {
    const low = pageFloor(Math.min(...elf.loadSegments.map((s) => s.vaddr)));
    const high = pageCeil(Math.max(...elf.loadSegments.map((s) => s.vaddr + s.memsz)));
    bias = space.findFree(high - low) - low;
  }
  let highest = 0;
  for (const seg of elf.loadSegments) {
    const start = pageFloor(seg.vaddr + bias);
    const fileEnd = pageCeil(seg.vaddr + bias + seg.filesz);
    const end = pageCeil(seg.vaddr + bias + seg.memsz);
    const prot = protOf(seg.flags);
    if (fileEnd > start) space.map({ start, end: fileEnd, prot, name: req.path, offset: seg.offset - (seg.vaddr + bias - start) });
    if (end > fileEnd) space.map({ start: fileEnd, end, prot, name: '', offset: 0 });
    space.load(seg.vaddr + bias, req.image.subarray(seg.offset, seg.offset + seg.filesz));
    highest = Math.max(highest, end);
  }
  space.brkStart = space.brk = highest + req.layout.brkOffset;

  const phdrSeg = elf.segments.find((s) => s.type === PT_PHDR);
  const holder = elf.loadSegments.find((s) => elf.phoff >= s.offset && elf.phoff < s.offset + s.filesz);
  const phdrAddr = phdrSeg ? phdrSeg.vaddr + bias : holder ? holder.vaddr + bias + (elf.phoff - holder.offset) : 0;
  const entry = elf.entry + bias;

  const vdso = req.mapVdso32(space);
  const auxv: Array<[number, number]> = [
    ...(vdso ? ([[AT.AT_SYSINFO, vdso.entry], [AT.AT_SYSINFO_EHDR, vdso.base]] as Array<[number, number]>) : []),
    ...req.archAuxv,
    [AT.AT_PAGESZ, PAGE_SIZE],
    [AT.AT_CLKTCK, 100],
    [AT.AT_PHDR, phdrAddr],
    [AT.AT_PHENT, elf.phentsize],
    [AT.AT_PHNUM, elf.phnum],
    [AT.AT_BASE, 0],
    [AT.AT_FLAGS, 0],
    [AT.AT_ENTRY, entry],
    [AT.AT_UID, 1000],
    [AT.AT_EUID, 1000],
    [AT.AT_GID, 1000],
    [AT.AT_EGID, 1000],
    [AT.AT_SECURE, 0],
    [AT.AT_RANDOM, 0],
    [AT.AT_HWCAP2, req.hwcap2],
    [AT.AT_EXECFN, 0],
    [AT.AT_PLATFORM, 0],
    [AT.AT_RSEQ_FEATURE_SIZE, 28],
    [AT.AT_RSEQ_ALIGN, 32],
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
  const stackStart = pageFloor(stack.rsp) - STACK_EXPAND;
  space.map({ start: stackStart, end: req.layout.stackTop, prot: PROT_READ | PROT_WRITE, name: '[stack]', offset: 0, growsDown: true });
  space.load(stack.base, stack.bytes);
  return { elf, entry, stack, loadBias: bias };
}
