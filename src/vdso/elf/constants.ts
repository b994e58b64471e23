/**
 * The ELF constants the vDSO writer uses (System V gABI, the GNU extensions for
 * symbol versioning and hashing, and the x86 psABIs). Only what the writer emits.
 */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_SYSV = 0;

export const ET_DYN = 3;
export const EM_386 = 3;
export const EM_X86_64 = 62;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_STRTAB = 3;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_DYNSYM = 11;
export const SHT_GNU_HASH = 0x6ffffff6;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERSYM = 0x6fffffff;

export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;

export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STV_DEFAULT = 0;

export const DT_NULL = 0;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_SONAME = 14;
export const DT_SYMBOLIC = 16;
export const DT_FLAGS = 30;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_VERSYM = 0x6ffffff0;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;

export const DF_SYMBOLIC = 0x2;
export const DF_BIND_NOW = 0x8;
export const DF_1_NOW = 0x1;

export const VER_DEF_CURRENT = 1;
export const VER_FLG_BASE = 1;
/** Version index 1 is always the file's own BASE definition; user versions start at 2. */
export const VER_NDX_GLOBAL = 1;

/** Owner name and type of the kernel-version note (vdso-note.S: ELFNOTE_START(Linux, 0, "a")). */
export const NOTE_LINUX_NAME = 'Linux';
export const NT_LINUX_VERSION = 0;

/** e_ident[EI_CLASS] for the writer's `elfClass: 64 | 32`. */
export const EI_CLASS_OF = (elfClass: 64 | 32): number => (elfClass === 64 ? ELFCLASS64 : ELFCLASS32);
