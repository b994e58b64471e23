// The ELF64 file header (Elf64_Ehdr, gABI ch. 4 "ELF Header"): identification bytes,
// then the fields the loader needs. Checked in the order that gives the most useful
// message: what kind of file, which architecture, which object type.

import {
  EI_CLASS, EI_DATA, EI_NIDENT, EI_VERSION, ELF64_EHDR_SIZE, ELF_MAGIC, ELFCLASS32, ELFCLASS64,
  ELFDATA2LSB, ELFDATA2MSB, EM_386, EM_X86_64, ET_CORE, ET_DYN, ET_EXEC, ET_NONE, ET_REL, EV_CURRENT,
} from './elf-constants.js';
import { ElfError } from './elf-error.js';
import type { ElfFields } from './elf-fields.js';
import { describeMachine } from './elf-machines.js';
import { hex } from './hex.js';

export interface ElfHeader {
  /** 64, or 32 for an i386 (ELFCLASS32, EM_386) file, accepted only with `allow32`. */
  elfClass: 64 | 32;
  type: typeof ET_EXEC | typeof ET_DYN;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
}

// Byte offsets of the Elf64_Ehdr fields that follow the 16-byte e_ident.
const E_TYPE = 16;
const E_MACHINE = 18;
const E_VERSION = 20;
const E_ENTRY = 24;
const E_PHOFF = 32;
const E_PHENTSIZE = 54;
const E_PHNUM = 56;

// Elf32_Ehdr (the i386 compat exec path): the same fields at 32-bit widths.
const E32_ENTRY = 24;
const E32_PHOFF = 28;
const E32_PHENTSIZE = 42;
const E32_PHNUM = 44;
const ELF32_EHDR_SIZE = 52;

/**
 * `allow32`: accept an i386 ELFCLASS32 / EM_386 file (the kernel's compat exec path);
 * without it a 32-bit file is rejected with one line, as before.
 */
export function parseElfHeader(bytes: Uint8Array, fields: ElfFields, allow32 = false): ElfHeader {
  if (allow32 && bytes.length >= EI_NIDENT && bytes[EI_CLASS] === ELFCLASS32 && ELF_MAGIC.every((m, i) => bytes[i] === m)) {
    return parseElf32Header(bytes, fields);
  }
  checkIdentification(bytes);
  if (bytes.length < ELF64_EHDR_SIZE) throw truncatedHeader(bytes.length);
  const version = fields.u32(E_VERSION);
  if (version !== EV_CURRENT) {
    throw new ElfError(`unsupported ELF version ${version} in e_version, expected ${EV_CURRENT} (EV_CURRENT)`);
  }
  const machine = fields.u16(E_MACHINE);
  if (machine !== EM_X86_64) throw new ElfError(`wrong machine: ${describeMachine(machine)}, expected x86-64`);
  return {
    elfClass: 64,
    type: executableType(fields.u16(E_TYPE)),
    entry: fields.u64(E_ENTRY, 'e_entry'),
    phoff: fields.u64(E_PHOFF, 'e_phoff'),
    phentsize: fields.u16(E_PHENTSIZE),
    phnum: fields.u16(E_PHNUM),
  };
}

function parseElf32Header(bytes: Uint8Array, fields: ElfFields): ElfHeader {
  if (bytes.length < ELF32_EHDR_SIZE) throw new ElfError(`truncated ELF header (file is ${bytes.length} bytes, the ELF32 header is ${ELF32_EHDR_SIZE})`);
  if (bytes[EI_DATA] !== ELFDATA2LSB) throw new ElfError('big-endian ELF file (i386 executables are little-endian)');
  if (bytes[EI_VERSION] !== EV_CURRENT || fields.u32(E_VERSION) !== EV_CURRENT) throw new ElfError('unsupported ELF version (expected EV_CURRENT)');
  const machine = fields.u16(E_MACHINE);
  if (machine !== EM_386) throw new ElfError(`wrong machine: ${describeMachine(machine)}, expected i386 in a 32-bit ELF file`);
  return {
    elfClass: 32,
    type: executableType(fields.u16(E_TYPE)),
    entry: fields.u32(E32_ENTRY),
    phoff: fields.u32(E32_PHOFF),
    phentsize: fields.u16(E32_PHENTSIZE),
    phnum: fields.u16(E32_PHNUM),
  };
}

function truncatedHeader(fileSize: number): ElfError {
  return new ElfError(`truncated ELF header (file is ${fileSize} bytes, the ELF64 header is ${ELF64_EHDR_SIZE})`);
}

function checkIdentification(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new ElfError('not an ELF file (empty file)');
  for (let i = 0; i < Math.min(bytes.length, ELF_MAGIC.length); i++) {
    if (bytes[i] !== ELF_MAGIC[i]) throw new ElfError('not an ELF file (bad magic)');
  }
  if (bytes.length < EI_NIDENT) throw truncatedHeader(bytes.length);
  const elfClass = bytes[EI_CLASS]!;
  if (elfClass === ELFCLASS32) throw new ElfError('32-bit ELF (i386) executables are not supported yet');
  if (elfClass !== ELFCLASS64) throw new ElfError(`invalid ELF class ${elfClass} in e_ident[EI_CLASS]`);
  const encoding = bytes[EI_DATA]!;
  if (encoding === ELFDATA2MSB) throw new ElfError('big-endian ELF file (x86-64 executables are little-endian)');
  if (encoding !== ELFDATA2LSB) throw new ElfError(`invalid ELF data encoding ${encoding} in e_ident[EI_DATA]`);
  const identVersion = bytes[EI_VERSION]!;
  if (identVersion !== EV_CURRENT) {
    throw new ElfError(`unsupported ELF version ${identVersion} in e_ident[EI_VERSION], expected ${EV_CURRENT} (EV_CURRENT)`);
  }
}

// Linux's binfmt_elf runs ET_EXEC and ET_DYN (PIE, static-pie, ld.so itself) only.
function executableType(type: number): typeof ET_EXEC | typeof ET_DYN {
  switch (type) {
    case ET_EXEC:
    case ET_DYN:
      return type;
    case ET_REL:
      throw new ElfError('relocatable object file (ET_REL), not an executable: link it first');
    case ET_CORE:
      throw new ElfError('core dump (ET_CORE), not an executable');
    case ET_NONE:
      throw new ElfError('ELF file of type ET_NONE (0), not an executable');
    default:
      throw new ElfError(`unknown ELF type ${hex(type)} in e_type, not an executable`);
  }
}
