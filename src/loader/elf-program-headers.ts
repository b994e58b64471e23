// The program header table (Elf64_Phdr array, gABI ch. 5 "Program Header") and the
// checks each entry must pass before anything is mapped. Limits follow Linux's
// fs/binfmt_elf.c so that the emulator refuses what the kernel refuses.

import { ELF64_PHDR_SIZE, PT_LOAD, PT_TLS } from './elf-constants.js';
import { ElfError } from './elf-error.js';
import type { ElfFields } from './elf-fields.js';
import type { ElfHeader } from './elf-header.js';
import { hex } from './hex.js';

export interface ElfSegment {
  index: number;   // position in the program header table
  type: number;    // p_type, PT_*
  flags: number;   // p_flags, PF_*
  offset: number;  // p_offset: file offset of the first byte
  vaddr: number;   // p_vaddr (relative to the load bias for ET_DYN)
  filesz: number;  // p_filesz: bytes taken from the file
  memsz: number;   // p_memsz: bytes in memory; the rest past filesz is zero
  align: number;   // p_align
}

// load_elf_phdrs: the whole table must fit in ELF_MIN_ALIGN (one 4 KiB page on x86).
const MAX_PROGRAM_HEADER_TABLE_SIZE = 4096;
// elf_load maps a PT_LOAD with file contents by mmap at file offset
// p_offset - (p_vaddr % PAGE_SIZE), which vm_mmap rejects (EINVAL) unless page aligned.
const PAGE_SIZE = 4096;
// TASK_SIZE_MAX for 4-level paging: (1 << 47) - PAGE_SIZE
// (arch/x86/include/asm/page_64_types.h); load_elf_binary rejects PT_LOADs beyond it.
const TASK_SIZE_MAX = 0x7fff_ffff_f000;

// Byte offsets of the Elf64_Phdr fields.
const P_TYPE = 0;
const P_FLAGS = 4;
const P_OFFSET = 8;
const P_VADDR = 16;
const P_FILESZ = 32;
const P_MEMSZ = 40;
const P_ALIGN = 48;

// Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align (u32 each).
const ELF32_PHDR_SIZE = 32;
// The compat task size (IA32_PAGE_OFFSET, TASK_SIZE for a 32-bit task): 0xffffe000.
const TASK_SIZE_32 = 0xffff_e000;

export function parseProgramHeaders(fields: ElfFields, fileSize: number, header: ElfHeader): ElfSegment[] {
  if (header.elfClass === 32) return parseProgramHeaders32(fields, fileSize, header);
  if (header.phentsize !== ELF64_PHDR_SIZE) {
    throw new ElfError(`e_phentsize is ${header.phentsize}, expected ${ELF64_PHDR_SIZE} (sizeof(Elf64_Phdr))`);
  }
  if (header.phnum === 0) throw new ElfError('no program headers (e_phnum is 0)');
  const tableSize = header.phnum * ELF64_PHDR_SIZE;
  if (tableSize > MAX_PROGRAM_HEADER_TABLE_SIZE) {
    throw new ElfError(
      `program header table too large: ${header.phnum} entries, ${tableSize} bytes (Linux accepts at most ${MAX_PROGRAM_HEADER_TABLE_SIZE})`,
    );
  }
  if (header.phoff + tableSize > fileSize) {
    throw new ElfError(
      `program header table extends past end of file (offset ${hex(header.phoff)} + size ${hex(tableSize)} > file size ${hex(fileSize)})`,
    );
  }
  const segments: ElfSegment[] = [];
  for (let index = 0; index < header.phnum; index++) {
    const segment = readSegment(fields, header.phoff + index * ELF64_PHDR_SIZE, index);
    checkSegment(segment, fileSize);
    segments.push(segment);
  }
  return segments;
}

function parseProgramHeaders32(fields: ElfFields, fileSize: number, header: ElfHeader): ElfSegment[] {
  if (header.phentsize !== ELF32_PHDR_SIZE) throw new ElfError(`e_phentsize is ${header.phentsize}, expected ${ELF32_PHDR_SIZE} (sizeof(Elf32_Phdr))`);
  if (header.phnum === 0) throw new ElfError('no program headers (e_phnum is 0)');
  const tableSize = header.phnum * ELF32_PHDR_SIZE;
  if (tableSize > MAX_PROGRAM_HEADER_TABLE_SIZE) throw new ElfError(`program header table too large: ${header.phnum} entries`);
  if (header.phoff + tableSize > fileSize) throw new ElfError('program header table extends past end of file');
  const segments: ElfSegment[] = [];
  for (let index = 0; index < header.phnum; index++) {
    const at = header.phoff + index * ELF32_PHDR_SIZE;
    const segment: ElfSegment = {
      index,
      type: fields.u32(at),
      offset: fields.u32(at + 4),
      vaddr: fields.u32(at + 8),
      filesz: fields.u32(at + 16),
      memsz: fields.u32(at + 20),
      flags: fields.u32(at + 24),
      align: fields.u32(at + 28),
    };
    checkSegment(segment, fileSize);
    if (segment.type === PT_LOAD && segment.vaddr + segment.memsz > TASK_SIZE_32) {
      throw new ElfError(`segment ${index} ends beyond the 32-bit task size ${hex(TASK_SIZE_32)}`);
    }
    segments.push(segment);
  }
  return segments;
}

function readSegment(fields: ElfFields, at: number, index: number): ElfSegment {
  const name = (field: string) => `segment ${index} ${field}`;
  return {
    index,
    type: fields.u32(at + P_TYPE),
    flags: fields.u32(at + P_FLAGS),
    offset: fields.u64(at + P_OFFSET, name('p_offset')),
    vaddr: fields.u64(at + P_VADDR, name('p_vaddr')),
    filesz: fields.u64(at + P_FILESZ, name('p_filesz')),
    memsz: fields.u64(at + P_MEMSZ, name('p_memsz')),
    align: fields.u64(at + P_ALIGN, name('p_align')),
  };
}

function checkSegment(segment: ElfSegment, fileSize: number): void {
  const { index, offset, vaddr, filesz, memsz, align } = segment;
  if (offset + filesz > fileSize) {
    throw new ElfError(
      `segment ${index} extends past end of file (offset ${hex(offset)} + size ${hex(filesz)} > file size ${hex(fileSize)})`,
    );
  }
  // gABI: a loadable segment's file size may not exceed its memory size; for PT_TLS
  // the file part is .tdata and the rest .tbss, so the same holds.
  if ((segment.type === PT_LOAD || segment.type === PT_TLS) && filesz > memsz) {
    throw new ElfError(`segment ${index}: p_filesz ${hex(filesz)} is larger than p_memsz ${hex(memsz)}`);
  }
  if (segment.type !== PT_LOAD) return;
  // gABI: p_align 0 and 1 mean no alignment; otherwise a power of two with
  // p_vaddr congruent to p_offset modulo p_align.
  if (align > 1) {
    if (!isPowerOfTwo(align)) throw new ElfError(`segment ${index}: alignment ${hex(align)} is not a power of two`);
    if (vaddr % align !== offset % align) {
      throw new ElfError(
        `segment ${index} is misaligned: p_vaddr ${hex(vaddr)} and p_offset ${hex(offset)} differ modulo p_align ${hex(align)}`,
      );
    }
  }
  if (filesz > 0 && vaddr % PAGE_SIZE !== offset % PAGE_SIZE) {
    throw new ElfError(
      `segment ${index} cannot be mapped: p_vaddr ${hex(vaddr)} and p_offset ${hex(offset)} differ modulo the page size ${hex(PAGE_SIZE)}`,
    );
  }
  if (vaddr + memsz > TASK_SIZE_MAX) {
    throw new ElfError(
      `segment ${index} (${hex(vaddr)}-${hex(vaddr + memsz)}) does not fit in the user address space, which ends at ${hex(TASK_SIZE_MAX)}`,
    );
  }
}

// Exact for every integer below 2^53, unlike bit operations (32-bit) or Math.log2 (rounds).
function isPowerOfTwo(value: number): boolean {
  let rest = value;
  while (rest > 1 && rest % 2 === 0) rest /= 2;
  return rest === 1;
}
