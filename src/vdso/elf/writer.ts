/**
 * The vDSO ELF writer: the emulator's counterpart of linking with the kernel's vDSO
 * linker script and running vdso2c (LINUX-ABI.md §1.1-1.3).
 *
 * Output: an ET_DYN shared object linked at address 0 with file offset == address
 * everywhere, one R+X PT_LOAD at offset 0 (filesz == memsz, from the ELF header to the
 * end of .text), PT_DYNAMIC and PT_NOTE. The section layout in front of .text is fixed
 * by `layoutVdso()` (see layout.ts for why that solves the assemble-at-which-offset
 * problem); after .text, outside PT_LOAD but inside the mapped pages like on Linux, come
 * .shstrtab and the section header table. The file is zero-padded to a page multiple,
 * which is what vdso2c's `raw_data[]` is and what the kernel maps.
 *
 * Deliberately absent: relocations (vdso2c rejects them), PT_GNU_EH_FRAME/.eh_frame
 * (optional, and wrong unwind data is worse than none; they can be added when the code
 * generator can describe its frames), and the build-id and build-salt notes (optional).
 */

import {
  EI_CLASS_OF, ELFDATA2LSB, ELFOSABI_SYSV, EM_386, EM_X86_64, ET_DYN, EV_CURRENT,
  NOTE_LINUX_NAME, NT_LINUX_VERSION, PF_R, PF_X, PT_DYNAMIC, PT_LOAD, PT_NOTE,
  SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHT_DYNAMIC, SHT_DYNSYM, SHT_GNU_HASH,
  SHT_GNU_VERDEF, SHT_GNU_VERSYM, SHT_HASH, SHT_NOTE, SHT_PROGBITS, SHT_STRTAB,
  STB_GLOBAL, STB_WEAK, STT_FUNC, STT_OBJECT, STV_DEFAULT,
} from './constants.js';
import { utf8Bytes } from './hash.js';
import { LINUX_NOTE_SIZE, planVdso, type VdsoLayout, type VdsoLayoutSpec } from './layout.js';
import { buildStringTable } from './strtab.js';

export const VDSO_PAGE_SIZE = 4096;

export interface VdsoSymbol {
  name: string;
  offset: number;   // offset of the function within `text`
  size: number;     // st_size, in bytes
}

export interface VdsoVersionSpec {
  name: string;
  symbols: ReadonlyArray<VdsoSymbol>;
  /** Add an STB_WEAK alias without the "__vdso_" prefix, same value and size, same version. */
  weakAliases?: boolean;
}

export interface VdsoImageSpec extends VdsoLayoutSpec {
  elfClass: 64 | 32;             // 32: ELFCLASS32 / EM_386, for the vdso32 image
  soname: string;                // "linux-vdso.so.1" (32-bit: "linux-gate.so.1")
  text: Uint8Array;              // position-independent code, assembled for `layoutVdso(spec).textOffset`
  textAlign?: number;            // default 16
  versions: ReadonlyArray<VdsoVersionSpec>;
  linuxVersionCode: number;      // descriptor of the "Linux" note, e.g. (6 << 16) | (1 << 8) | 0
  entry?: string;                // symbol whose address goes into e_entry (32-bit: __kernel_vsyscall)
}

export interface VdsoImage {
  bytes: Uint8Array;             // the whole file, zero-padded to a page multiple
  size: number;                  // bytes.length: the size of the [vdso] mapping
  textOffset: number;            // where `text` was placed
  symbols: Map<string, number>;  // exported function name (incl. weak aliases) -> image offset
  loadSize: number;              // PT_LOAD p_filesz == p_memsz (ELF header to end of .text)
  layout: VdsoLayout;
}

// Section header indices; the order is the linker script's.
const SHN = {
  hash: 1, gnuHash: 2, dynsym: 3, dynstr: 4, versym: 5, verdef: 6, dynamic: 7, note: 8, text: 9, shstrtab: 10,
} as const;
const SHNUM = 11;

function checkUint(what: string, v: number, max = 0xffffffff): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Error(`vdso elf: ${what} must be an integer in 0..${max}, got ${String(v)}`);
}

export function buildVdsoImage(spec: VdsoImageSpec): VdsoImage {
  const plan = planVdso(spec);
  const { is64, wordSize } = plan;
  const text = spec.text;
  if (!(text instanceof Uint8Array)) throw new Error('vdso elf: text must be a Uint8Array');
  checkUint('linuxVersionCode', spec.linuxVersionCode);
  for (const v of spec.versions) {
    for (const s of v.symbols) {
      checkUint(`offset of ${s.name}`, s.offset, text.length);
      checkUint(`size of ${s.name}`, s.size, text.length);
      if (s.offset + s.size > text.length) {
        throw new Error(`vdso elf: ${s.name} (offset ${s.offset}, size ${s.size}) extends past the end of text (${text.length} bytes)`);
      }
    }
  }

  const textOffset = plan.offsets.text;
  const loadSize = textOffset + text.length;

  // Non-allocated tail: .shstrtab, then the section header table (word-aligned).
  const sectionNames = ['.hash', '.gnu.hash', '.dynsym', '.dynstr', '.gnu.version', '.gnu.version_d', '.dynamic', '.note', '.text', '.shstrtab'];
  const shstrtab = buildStringTable(sectionNames);
  const shstrtabOffset = loadSize;
  const shoff = Math.ceil((shstrtabOffset + shstrtab.bytes.length) / wordSize) * wordSize;
  const fileSize = shoff + SHNUM * plan.shentsize;
  const size = Math.ceil(fileSize / VDSO_PAGE_SIZE) * VDSO_PAGE_SIZE;
  checkUint('image size', size, 0x7fffffff);

  const bytes = new Uint8Array(size);
  const dv = new DataView(bytes.buffer);
  const u16 = (o: number, v: number): void => dv.setUint16(o, v, true);
  const u32 = (o: number, v: number): void => dv.setUint32(o, v, true);
  // An Elf_Addr/Elf_Off/Elf_Xword field. Every value in this image is < 2^31, so the high
  // half of a 64-bit field is 0 (the buffer starts zeroed): no BigInt needed.
  const word = (o: number, v: number): void => dv.setUint32(o, v, true);

  // --- symbol values --------------------------------------------------------------------
  const symbols = new Map<string, number>();
  const dynsymValues = plan.dynsym.map((s) => {
    if (s.symbolIndex < 0) return { value: 0, size: 0 };
    const sym = spec.versions[s.versionIndex]!.symbols[s.symbolIndex]!;
    return { value: textOffset + sym.offset, size: sym.size };
  });
  plan.dynsym.forEach((s, i) => {
    if (s.kind === 'func' || s.kind === 'alias') symbols.set(s.name, dynsymValues[i]!.value);
  });
  let entry = 0;
  if (spec.entry !== undefined) {
    const e = symbols.get(spec.entry);
    if (e === undefined) throw new Error(`vdso elf: entry symbol "${spec.entry}" is not an exported function`);
    entry = e;
  }

  // --- ELF header -----------------------------------------------------------------------
  bytes.set([0x7f, 0x45, 0x4c, 0x46, EI_CLASS_OF(spec.elfClass), ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV], 0);
  u16(16, ET_DYN);
  u16(18, is64 ? EM_X86_64 : EM_386);
  u32(20, EV_CURRENT);
  const phoff = plan.ehdrSize;
  if (is64) {
    word(24, entry); word(32, phoff); word(40, shoff); u32(48, 0);
    u16(52, plan.ehdrSize); u16(54, plan.phentsize); u16(56, plan.phnum);
    u16(58, plan.shentsize); u16(60, SHNUM); u16(62, SHN.shstrtab);
  } else {
    word(24, entry); word(28, phoff); word(32, shoff); u32(36, 0);
    u16(40, plan.ehdrSize); u16(42, plan.phentsize); u16(44, plan.phnum);
    u16(46, plan.shentsize); u16(48, SHNUM); u16(50, SHN.shstrtab);
  }

  // --- program headers (offset == vaddr == paddr, filesz == memsz) ----------------------
  const phdr = (i: number, type: number, flags: number, offset: number, filesz: number, align: number): void => {
    const o = phoff + i * plan.phentsize;
    if (is64) {
      u32(o, type); u32(o + 4, flags);
      word(o + 8, offset); word(o + 16, offset); word(o + 24, offset);
      word(o + 32, filesz); word(o + 40, filesz); word(o + 48, align);
    } else {
      u32(o, type); u32(o + 4, offset); u32(o + 8, offset); u32(o + 12, offset);
      u32(o + 16, filesz); u32(o + 20, filesz); u32(o + 24, flags); u32(o + 28, align);
    }
  };
  phdr(0, PT_LOAD, PF_R | PF_X, 0, loadSize, VDSO_PAGE_SIZE);
  phdr(1, PT_DYNAMIC, PF_R, plan.offsets.dynamic, plan.dynamic.length, wordSize);
  phdr(2, PT_NOTE, PF_R, plan.offsets.note, LINUX_NOTE_SIZE, 4);

  // --- the code-independent tables ----------------------------------------------------
  bytes.set(plan.hash, plan.offsets.hash);
  bytes.set(plan.gnuHash, plan.offsets.gnuHash);
  bytes.set(plan.dynstr, plan.offsets.dynstr);
  bytes.set(plan.versym, plan.offsets.versym);
  bytes.set(plan.verdef, plan.offsets.verdef);
  bytes.set(plan.dynamic, plan.offsets.dynamic);

  // --- .dynsym (entry 0 stays all-zero: the null symbol) ----------------------------------
  plan.dynsym.forEach((s, i) => {
    if (i === 0) return;
    const o = plan.offsets.dynsym + i * plan.symentsize;
    const bind = s.kind === 'alias' ? STB_WEAK : STB_GLOBAL;
    const type = s.kind === 'version' ? STT_OBJECT : STT_FUNC;
    const info = (bind << 4) | type;
    const shndx = s.kind === 'version' ? SHN_ABS : SHN.text;
    const { value, size: symSize } = dynsymValues[i]!;
    if (is64) {
      u32(o, s.nameOffset); bytes[o + 4] = info; bytes[o + 5] = STV_DEFAULT; u16(o + 6, shndx);
      word(o + 8, value); word(o + 16, symSize);
    } else {
      u32(o, s.nameOffset); u32(o + 4, value); u32(o + 8, symSize);
      bytes[o + 12] = info; bytes[o + 13] = STV_DEFAULT; u16(o + 14, shndx);
    }
  });

  // --- .note: the kernel-version note (vdso-note.S) -------------------------------------
  {
    const o = plan.offsets.note;
    const name = utf8Bytes(NOTE_LINUX_NAME);
    u32(o, name.length + 1);         // namesz includes the NUL: 6
    u32(o + 4, 4);                   // descsz
    u32(o + 8, NT_LINUX_VERSION);    // type 0
    bytes.set(name, o + 12);         // "Linux\0", padded to 8
    u32(o + 20, spec.linuxVersionCode);
  }

  // --- .text, .shstrtab ---------------------------------------------------------------
  bytes.set(text, textOffset);
  bytes.set(shstrtab.bytes, shstrtabOffset);

  // --- section headers ------------------------------------------------------------------
  const shdr = (
    i: number, name: string, type: number, flags: number, offset: number, sz: number,
    link: number, info: number, align: number, entsize: number, alloc = true,
  ): void => {
    const o = shoff + i * plan.shentsize;
    const addr = alloc ? offset : 0;
    if (is64) {
      u32(o, shstrtab.offset(name)); u32(o + 4, type); word(o + 8, flags); word(o + 16, addr);
      word(o + 24, offset); word(o + 32, sz); u32(o + 40, link); u32(o + 44, info);
      word(o + 48, align); word(o + 56, entsize);
    } else {
      u32(o, shstrtab.offset(name)); u32(o + 4, type); u32(o + 8, flags); u32(o + 12, addr);
      u32(o + 16, offset); u32(o + 20, sz); u32(o + 24, link); u32(o + 28, info);
      u32(o + 32, align); u32(o + 36, entsize);
    }
  };
  const A = SHF_ALLOC;
  const off = plan.offsets;
  // Index 0 stays all-zero (SHT_NULL).
  shdr(SHN.hash, '.hash', SHT_HASH, A, off.hash, plan.hash.length, SHN.dynsym, 0, wordSize, 4);
  // ld gives .gnu.hash sh_entsize 0 on 64-bit (mixed 64-bit bloom and 32-bit words), 4 on 32-bit.
  shdr(SHN.gnuHash, '.gnu.hash', SHT_GNU_HASH, A, off.gnuHash, plan.gnuHash.length, SHN.dynsym, 0, wordSize, is64 ? 0 : 4);
  // sh_info of a symbol table: index of the first non-local symbol (all but the null one).
  shdr(SHN.dynsym, '.dynsym', SHT_DYNSYM, A, off.dynsym, plan.dynsym.length * plan.symentsize, SHN.dynstr, 1, wordSize, plan.symentsize);
  shdr(SHN.dynstr, '.dynstr', SHT_STRTAB, A, off.dynstr, plan.dynstr.length, 0, 0, 1, 0);
  shdr(SHN.versym, '.gnu.version', SHT_GNU_VERSYM, A, off.versym, plan.versym.length, SHN.dynsym, 0, 2, 2);
  // sh_info of SHT_GNU_verdef: the number of version definitions.
  shdr(SHN.verdef, '.gnu.version_d', SHT_GNU_VERDEF, A, off.verdef, plan.verdef.length, SHN.dynstr, plan.verdefCount, wordSize, 0);
  // ld always flags .dynamic SHF_WRITE (kept, to match the kernel's image); the mapping is read-only anyway.
  shdr(SHN.dynamic, '.dynamic', SHT_DYNAMIC, A | SHF_WRITE, off.dynamic, plan.dynamic.length, SHN.dynstr, 0, wordSize, 2 * wordSize);
  shdr(SHN.note, '.note', SHT_NOTE, A, off.note, LINUX_NOTE_SIZE, 0, 0, 4, 0);
  shdr(SHN.text, '.text', SHT_PROGBITS, A | SHF_EXECINSTR, textOffset, text.length, 0, 0, plan.layout.textAlign, 0);
  shdr(SHN.shstrtab, '.shstrtab', SHT_STRTAB, 0, shstrtabOffset, shstrtab.bytes.length, 0, 0, 1, 0, false);

  return { bytes, size, textOffset, symbols, loadSize, layout: plan.layout };
}
