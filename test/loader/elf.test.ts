import { describe, expect, it } from 'vitest';
import { ElfError, parseElf } from '../../src/loader/elf.js';
import { PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_NOTE, PT_TLS } from '../../src/loader/elf-constants.js';
import { buildElf, type TestElf, type TestSegment } from './elf-test-builder.js';

// A small static executable laid out the way GNU ld lays out a static glibc program
// (compare fixtures/bin/hello-glibc under readelf -lW): a read-only page holding the
// headers, text, then data with .bss, plus PT_TLS and PT_GNU_STACK.
const HEADERS: TestSegment = { type: PT_LOAD, flags: PF_R, offset: 0, vaddr: 0x400000, filesz: 0x1b0, memsz: 0x1b0, align: 0x1000 };
const TEXT: TestSegment = { type: PT_LOAD, flags: PF_R | PF_X, offset: 0x1000, vaddr: 0x401000, filesz: 0x100, memsz: 0x100, align: 0x1000 };
const DATA: TestSegment = { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x2000, vaddr: 0x402000, filesz: 0x40, memsz: 0x1000, align: 0x1000 };
const TLS: TestSegment = { type: PT_TLS, flags: PF_R, offset: 0x2000, vaddr: 0x402000, filesz: 0x10, memsz: 0x20, align: 8 };
const GNU_STACK: TestSegment = { type: PT_GNU_STACK, flags: PF_R | PF_W, offset: 0, vaddr: 0, filesz: 0, memsz: 0, align: 0x10 };
const FILE_SIZE = 0x2040;
const VALID: TestElf = { entry: 0x401000, segments: [HEADERS, TEXT, DATA, TLS, GNU_STACK], fileSize: FILE_SIZE };

function elfWith(changes: Partial<TestElf>): Uint8Array {
  return buildElf({ ...VALID, ...changes });
}

function withSegment(index: number, changes: Partial<TestSegment>): Uint8Array {
  const segments = VALID.segments!.map((segment, i) => (i === index ? { ...segment, ...changes } : segment));
  return elfWith({ segments });
}

function errorOf(bytes: Uint8Array): string {
  try {
    parseElf(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ElfError);
    return (error as ElfError).message;
  }
  throw new Error('parseElf accepted the file');
}

describe('parseElf on a well-formed static executable', () => {
  // The builder's output was checked once with `readelf -hlW`: it reports EXEC, entry
  // 0x401000, 5 program headers at offset 64 of 56 bytes, and the segments below.
  const image = parseElf(buildElf(VALID));

  it('reads the header fields', () => {
    expect(image.kind).toBe('exec');
    expect(image.entry).toBe(0x401000);
    expect(image.phoff).toBe(64);
    expect(image.phentsize).toBe(56);
    expect(image.phnum).toBe(5);
    expect(image.bytes.length).toBe(FILE_SIZE);
  });

  it('reads every program header in table order', () => {
    expect(image.segments).toEqual([HEADERS, TEXT, DATA, TLS, GNU_STACK].map((segment, index) => ({ index, ...segment })));
  });

  it('picks out the PT_LOAD, PT_TLS and PT_GNU_STACK segments', () => {
    expect(image.loadSegments.map((segment) => segment.index)).toEqual([0, 1, 2]);
    expect(image.tls?.index).toBe(3);
    expect(image.gnuStack?.index).toBe(4);
  });

  it('leaves tls and gnuStack out when the file has neither', () => {
    const bare = parseElf(elfWith({ segments: [HEADERS, TEXT, DATA] }));
    expect(bare).not.toHaveProperty('tls');
    expect(bare).not.toHaveProperty('gnuStack');
  });

  it('accepts a static-pie (ET_DYN without PT_INTERP) as kind dyn', () => {
    const pie = parseElf(elfWith({
      type: 3,
      entry: 0x1000,
      segments: [{ ...HEADERS, vaddr: 0 }, { ...TEXT, vaddr: 0x1000 }, { ...DATA, vaddr: 0x2000 }],
    }));
    expect(pie.kind).toBe('dyn');
    expect(pie.loadSegments.map((segment) => segment.vaddr)).toEqual([0, 0x1000, 0x2000]);
  });

  it('accepts p_align 0 and 1 (gABI: no alignment constraint)', () => {
    expect(() => parseElf(withSegment(2, { align: 0 }))).not.toThrow();
    expect(() => parseElf(withSegment(2, { align: 1 }))).not.toThrow();
  });

  it('accepts a PT_LOAD sharing a page with the previous one without overlapping it', () => {
    // GNU ld does this for .data after .text with -z noseparate-code.
    const bytes = elfWith({ segments: [HEADERS, TEXT, { ...DATA, vaddr: 0x401100, offset: 0x2100 }], fileSize: 0x2140 });
    expect(parseElf(bytes).loadSegments[2]!.vaddr).toBe(0x401100);
  });

  it('accepts a PT_LOAD ending exactly at the top of user space, 0x7ffffffff000', () => {
    const bytes = withSegment(2, { vaddr: 0x7fffffffe000, memsz: 0x1000 });
    expect(parseElf(bytes).loadSegments[2]!.vaddr).toBe(0x7fffffffe000);
  });

  it('reads 64-bit fields exactly up to 2^53 - 1', () => {
    // 0x1fffffffffffff is the largest integer a double holds exactly; the message
    // shows it was not rounded to 2^53.
    expect(errorOf(withSegment(3, { offset: 0x1f_ffff_ffff_ffffn }))).toBe(
      'segment 3 extends past end of file (offset 0x1fffffffffffff + size 0x10 > file size 0x2040)',
    );
  });
});

describe('parseElf rejects malformed files with one line saying why', () => {
  it('empty file', () => {
    expect(errorOf(new Uint8Array(0))).toBe('not an ELF file (empty file)');
  });

  it('bad magic: a shell script, a PE file, a corrupted first byte', () => {
    expect(errorOf(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBe('not an ELF file (bad magic)');
    expect(errorOf(new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]))).toBe('not an ELF file (bad magic)');
    expect(errorOf(elfWith({ ident: [0x7e, 0x45, 0x4c, 0x46, 2, 1, 1] }))).toBe('not an ELF file (bad magic)');
  });

  it('truncated header: shorter than e_ident, shorter than Elf64_Ehdr', () => {
    const valid = buildElf(VALID);
    expect(errorOf(valid.slice(0, 3))).toBe('truncated ELF header (file is 3 bytes, the ELF64 header is 64)');
    expect(errorOf(valid.slice(0, 10))).toBe('truncated ELF header (file is 10 bytes, the ELF64 header is 64)');
    expect(errorOf(valid.slice(0, 63))).toBe('truncated ELF header (file is 63 bytes, the ELF64 header is 64)');
  });

  it('32-bit class, even when the file is only as long as an Elf32_Ehdr (52 bytes)', () => {
    const i386 = buildElf({ ident: [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], machine: 3, fileSize: 52 });
    expect(errorOf(i386)).toBe('32-bit ELF (i386) executables are not supported yet');
  });

  it('invalid class, big-endian data, invalid data encoding', () => {
    expect(errorOf(elfWith({ ident: [0x7f, 0x45, 0x4c, 0x46, 3, 1, 1] }))).toBe('invalid ELF class 3 in e_ident[EI_CLASS]');
    expect(errorOf(elfWith({ ident: [0x7f, 0x45, 0x4c, 0x46, 2, 2, 1] }))).toBe(
      'big-endian ELF file (x86-64 executables are little-endian)',
    );
    expect(errorOf(elfWith({ ident: [0x7f, 0x45, 0x4c, 0x46, 2, 0, 1] }))).toBe('invalid ELF data encoding 0 in e_ident[EI_DATA]');
  });

  it('version other than EV_CURRENT, in e_ident or in e_version', () => {
    expect(errorOf(elfWith({ ident: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 0] }))).toBe(
      'unsupported ELF version 0 in e_ident[EI_VERSION], expected 1 (EV_CURRENT)',
    );
    expect(errorOf(elfWith({ version: 2 }))).toBe('unsupported ELF version 2 in e_version, expected 1 (EV_CURRENT)');
  });

  it('wrong machine, named for common ones (e_machine values from glibc <elf.h>)', () => {
    expect(errorOf(elfWith({ machine: 183 }))).toBe('wrong machine: EM_AARCH64 (183), expected x86-64');
    expect(errorOf(elfWith({ machine: 243 }))).toBe('wrong machine: EM_RISCV (243), expected x86-64');
    expect(errorOf(elfWith({ machine: 3 }))).toBe('wrong machine: EM_386 (3), expected x86-64');
    expect(errorOf(elfWith({ machine: 0x1234 }))).toBe('wrong machine: unknown machine (4660), expected x86-64');
  });

  it('object types that are not executables: ET_REL, ET_CORE, ET_NONE, OS-specific', () => {
    expect(errorOf(elfWith({ type: 1 }))).toBe('relocatable object file (ET_REL), not an executable: link it first');
    expect(errorOf(elfWith({ type: 4 }))).toBe('core dump (ET_CORE), not an executable');
    expect(errorOf(elfWith({ type: 0 }))).toBe('ELF file of type ET_NONE (0), not an executable');
    expect(errorOf(elfWith({ type: 0xfe00 }))).toBe('unknown ELF type 0xfe00 in e_type, not an executable');
  });

  it('PT_INTERP, in ET_EXEC and in ET_DYN (a PIE), names the interpreter', () => {
    const interpreter = new TextEncoder().encode('/lib64/ld-linux-x86-64.so.2\0');
    const interp: TestSegment = { type: PT_INTERP, flags: PF_R, offset: 0x1b0, vaddr: 0x4001b0, filesz: interpreter.length, memsz: interpreter.length, align: 1 };
    const contents = [{ offset: 0x1b0, bytes: interpreter }];
    const dynamic = 'dynamically linked executables are not supported yet (interpreter /lib64/ld-linux-x86-64.so.2)';
    expect(errorOf(elfWith({ segments: [interp, ...VALID.segments!], contents }))).toBe(dynamic);
    expect(errorOf(elfWith({ type: 3, segments: [interp, ...VALID.segments!], contents }))).toBe(dynamic);
  });

  it('an interpreter name with control characters stays one line (elf fuzzer, seed 77, case 526)', () => {
    const name = new TextEncoder().encode('ld\n%s\t.so\0');
    const interp: TestSegment = { type: PT_INTERP, flags: PF_R, offset: 0x1b0, vaddr: 0x4001b0, filesz: name.length, memsz: name.length, align: 1 };
    expect(errorOf(elfWith({ segments: [interp, ...VALID.segments!], contents: [{ offset: 0x1b0, bytes: name }] }))).toBe(
      'dynamically linked executables are not supported yet (interpreter ld\\x0a%s\\x09.so)',
    );
  });

  it('e_phentsize other than sizeof(Elf64_Phdr)', () => {
    expect(errorOf(elfWith({ phentsize: 32 }))).toBe('e_phentsize is 32, expected 56 (sizeof(Elf64_Phdr))');
  });

  it('no program headers', () => {
    expect(errorOf(elfWith({ segments: [], phnum: 0 }))).toBe('no program headers (e_phnum is 0)');
  });

  it('program header table larger than one page (Linux load_elf_phdrs: at most 73 entries)', () => {
    const note: TestSegment = { type: PT_NOTE, flags: PF_R, offset: 0, vaddr: 0x400000, filesz: 0, memsz: 0, align: 4 };
    const notes = (count: number) => Array.from({ length: count - 3 }, () => note);
    const segments = (count: number) => [HEADERS, TEXT, DATA, ...notes(count)];
    const fileSize = 0x3000;
    expect(() => parseElf(elfWith({ segments: segments(73), fileSize }))).not.toThrow();
    expect(errorOf(elfWith({ segments: segments(74), fileSize }))).toBe(
      'program header table too large: 74 entries, 4144 bytes (Linux accepts at most 4096)',
    );
  });

  it('program header table past end of file', () => {
    expect(errorOf(elfWith({ phoff: 0x2000 }))).toBe(
      'program header table extends past end of file (offset 0x2000 + size 0x118 > file size 0x2040)',
    );
  });

  it('segment past end of file', () => {
    expect(errorOf(withSegment(2, { filesz: 0x100, memsz: 0x1000 }))).toBe(
      'segment 2 extends past end of file (offset 0x2000 + size 0x100 > file size 0x2040)',
    );
  });

  it('p_filesz larger than p_memsz in a PT_LOAD or the PT_TLS', () => {
    expect(errorOf(withSegment(2, { filesz: 0x40, memsz: 0x20 }))).toBe('segment 2: p_filesz 0x40 is larger than p_memsz 0x20');
    expect(errorOf(withSegment(3, { filesz: 0x10, memsz: 0x8 }))).toBe('segment 3: p_filesz 0x10 is larger than p_memsz 0x8');
  });

  it('PT_LOAD alignment that is not a power of two', () => {
    expect(errorOf(withSegment(1, { align: 0x3000 }))).toBe('segment 1: alignment 0x3000 is not a power of two');
  });

  it('PT_LOAD whose p_vaddr and p_offset differ modulo p_align', () => {
    expect(errorOf(withSegment(1, { vaddr: 0x401010 }))).toBe(
      'segment 1 is misaligned: p_vaddr 0x401010 and p_offset 0x1000 differ modulo p_align 0x1000',
    );
  });

  it('PT_LOAD with file contents whose p_vaddr and p_offset differ within a page (mmap would fail)', () => {
    expect(errorOf(withSegment(1, { vaddr: 0x401010, align: 0x10 }))).toBe(
      'segment 1 cannot be mapped: p_vaddr 0x401010 and p_offset 0x1000 differ modulo the page size 0x1000',
    );
    // With no file contents Linux maps anonymous memory only (elf_load), so any offset is fine.
    const bssOnly: TestSegment = { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x2040, vaddr: 0x404010, filesz: 0, memsz: 0x100, align: 0x10 };
    expect(() => parseElf(elfWith({ segments: [HEADERS, TEXT, DATA, bssOnly] }))).not.toThrow();
  });

  it('overlapping PT_LOAD segments, in table order or not', () => {
    expect(errorOf(withSegment(2, { vaddr: 0x401000, offset: 0x2000 }))).toBe(
      'segments 1 (0x401000-0x401100) and 2 (0x401000-0x402000) overlap',
    );
    const dataFirst = elfWith({ segments: [{ ...DATA, vaddr: 0x400000 }, HEADERS, TEXT] });
    expect(errorOf(dataFirst)).toBe('segments 0 (0x400000-0x401000) and 1 (0x400000-0x4001b0) overlap');
  });

  it('no PT_LOAD segment', () => {
    expect(errorOf(elfWith({ segments: [TLS, GNU_STACK] }))).toBe('no PT_LOAD segment: nothing to load');
  });

  it('entry point outside every PT_LOAD, or in one that is not executable', () => {
    expect(errorOf(elfWith({ entry: 0x500000 }))).toBe('entry point 0x500000 is not inside any PT_LOAD segment');
    expect(errorOf(elfWith({ entry: 0x401100 }))).toBe('entry point 0x401100 is not inside any PT_LOAD segment');
    expect(errorOf(elfWith({ entry: 0x402000 }))).toBe('entry point 0x402000 is in segment 2, which is not executable (flags RW-)');
  });

  it('PT_LOAD reaching above the 47-bit user address space (TASK_SIZE_MAX 0x7ffffffff000)', () => {
    expect(errorOf(withSegment(2, { vaddr: 0x7fffffffe000, memsz: 0x2000 }))).toBe(
      'segment 2 (0x7fffffffe000-0x800000000000) does not fit in the user address space, which ends at 0x7ffffffff000',
    );
  });

  it('64-bit values of 2^53 or more, which a number cannot hold exactly', () => {
    expect(errorOf(elfWith({ entry: 2n ** 53n }))).toBe(
      'e_entry 0x20000000000000 is too large (2^53 or more; no x86-64 user address is)',
    );
    expect(errorOf(withSegment(1, { vaddr: 0xffffffff81000000n }))).toBe(
      'segment 1 p_vaddr 0xffffffff81000000 is too large (2^53 or more; no x86-64 user address is)',
    );
  });

  it('never throws anything but ElfError on a truncated copy of a valid file', () => {
    const valid = buildElf(VALID);
    for (let length = 0; length < valid.length; length += 7) {
      expect(() => parseElf(valid.slice(0, length))).toThrow(ElfError);
    }
  });
});
