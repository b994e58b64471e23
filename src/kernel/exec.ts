import { parseElf, ElfImage } from '../loader/elf.js';
import { PF_W, PF_X, PT_PHDR } from '../loader/elf-constants.js';
import * as AT from '../loader/auxv.js';
import { buildInitialStack, InitialStack } from '../loader/initial-stack.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import { AddressSpace, pageCeil, pageFloor, PROT_EXEC, PROT_READ, PROT_WRITE } from './address-space.js';
import { ELF_ET_DYN_BASE, Layout } from './aslr.js';

/** Initial stack area size beyond what the arguments use (setup_arg_pages' stack_expand). */
const STACK_EXPAND = 128 * 1024;

export interface ExecRequest {
  image: Uint8Array;
  /** The program's absolute path (names its mappings in /proc/self/maps). */
  path: string;
  /** The path execve got, which becomes AT_EXECFN (fs/binfmt_elf.c). */
  execPath: string;
  argv: string[];
  envp: string[];
  random16: Uint8Array;
  /** Auxv entries that come after AT_SYSINFO_EHDR and before AT_PAGESZ in Linux's order (AT_MINSIGSTKSZ, AT_HWCAP). */
  archAuxv: Array<[number, number]>;
  hwcap2: number;
  layout: Layout;
  /**
   * Maps the vDSO after the program (arch_setup_additional_pages) and returns its base
   * for AT_SYSINFO_EHDR, or 0 when the process gets none (vdso=0).
   */
  mapVdso: (space: AddressSpace) => number;
}

export interface ExecResult {
  elf: ElfImage;
  entry: number;
  stack: InitialStack;
  loadBias: number;
}

function protOf(flags: number): number {
  return PROT_READ | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/**
 * binfmt_elf's load_elf_binary for static programs: map each PT_LOAD page range with
 * its permissions (file bytes up to p_filesz, zeros after: padzero + anonymous bss),
 * set the brk start after the highest segment, build the stack (LINUX-ABI.md §5) and
 * return the entry point. The ELF is validated first (ElfError on bad input).
 */
export function execProgram(space: AddressSpace, req: ExecRequest): ExecResult {
  const elf = parseElf(req.image);
  space.mmapBase = req.layout.mmapBase;
  const { bias, highest } = mapSegments(space, elf, req.image, req.path);
  // Linux moves a static-pie's brk out of the mmap area to ELF_ET_DYN_BASE (binfmt_elf.c).
  const brkBase = elf.kind === 'dyn' ? pageCeil(ELF_ET_DYN_BASE) : highest;
  space.brkStart = space.brk = brkBase + req.layout.brkOffset;
  const entry = elf.entry + bias;
  const vdsoBase = req.mapVdso(space);
  const auxv: Array<[number, number]> = [
    ...(vdsoBase ? ([[AT.AT_SYSINFO_EHDR, vdsoBase]] as Array<[number, number]>) : []),
    ...req.archAuxv,
    ...genericAuxv(elf, bias, entry, req.hwcap2),
  ];
  const stack = buildInitialStack({
    stackTop: req.layout.stackTop,
    argv: req.argv,
    envp: req.envp,
    execfn: req.execPath,
    platform: 'x86_64',
    random: req.random16,
    alignJitter: req.layout.stackJitter,
    auxv,
  });
  mapInitialStack(space, stack, req.layout.stackTop);
  return { elf, entry, stack, loadBias: bias };
}

/**
 * Maps each PT_LOAD page range with its permissions: file bytes up to p_filesz, then
 * anonymous pages for the rest of the bss (padzero + the bss mapping), as maps shows
 * them. A static-pie (ET_DYN without an interpreter) is placed like any mapping,
 * top-down in the mmap area; an ET_EXEC at its link addresses. Returns the load bias
 * and the end of the highest segment.
 */
export function mapSegments(space: AddressSpace, elf: ElfImage, image: Uint8Array, path: string): { bias: number; highest: number } {
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
    if (fileEnd > start) space.map({ start, end: fileEnd, prot, name: path, offset: seg.offset - (seg.vaddr + bias - start) });
    if (end > fileEnd) space.map({ start: fileEnd, end, prot, name: '', offset: 0 });
    space.load(seg.vaddr + bias, image.subarray(seg.offset, seg.offset + seg.filesz));
    highest = Math.max(highest, end);
  }
  return { bias, highest };
}

/** The aux vector after the architecture's entries, in create_elf_tables' order (LINUX-ABI.md §5). */
export function genericAuxv(elf: ElfImage, bias: number, entry: number, hwcap2: number): Array<[number, number]> {
  const phdrSeg = elf.segments.find((s) => s.type === PT_PHDR);
  const holder = elf.loadSegments.find((s) => elf.phoff >= s.offset && elf.phoff < s.offset + s.filesz);
  const phdrAddr = phdrSeg ? phdrSeg.vaddr + bias : holder ? holder.vaddr + bias + (elf.phoff - holder.offset) : 0;
  return [
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
    [AT.AT_HWCAP2, hwcap2],
    [AT.AT_EXECFN, 0],
    [AT.AT_PLATFORM, 0],
    [AT.AT_RSEQ_FEATURE_SIZE, 28],
    [AT.AT_RSEQ_ALIGN, 32],
  ];
}

/** The [stack] area: what the initial stack needs plus setup_arg_pages' 128 KiB, growing down. */
export function mapInitialStack(space: AddressSpace, stack: { rsp: number; base: number; bytes: Uint8Array }, stackTop: number): void {
  const stackStart = pageFloor(stack.rsp) - STACK_EXPAND;
  space.map({ start: stackStart, end: stackTop, prot: PROT_READ | PROT_WRITE, name: '[stack]', offset: 0, growsDown: true });
  space.load(stack.base, stack.bytes);
}
