/**
 * Oracle: the host's binutils (DESIGN.md, "Correctness oracles") must read the image
 * cleanly. Every check is skipped, with the reason printed, when the tool is absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVdsoImage, type VdsoImage } from '../../../src/vdso/elf/index.js';
import { standard32Spec, standard64Spec } from './fixtures.js';

function available(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  const ok = r.status === 0;
  if (!ok) console.log(`skipping ${tool} checks: ${tool} is not installed (${r.error?.message ?? `exit ${r.status}`})`);
  return ok;
}
const HAVE_READELF = available('readelf');
const HAVE_OBJDUMP = available('objdump');
const HAVE_LLVM_READELF = available('llvm-readelf');

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout + r.stderr; // stderr too: warnings go there
}

/** Lines that mention a warning or an error (readelf and llvm-readelf both say "warning:"). */
function complaints(output: string): string[] {
  return output.split('\n').filter((l) => /warning|error/i.test(l));
}

const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso-elf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, image: VdsoImage): string {
  const path = join(dir, name);
  writeFileSync(path, image.bytes);
  return path;
}

const hex = (n: number): string => n.toString(16);

/** Parses readelf's symbol table rows: name (version suffix kept) -> [value, bind, type, ndx]. */
function readelfSymbols(output: string, table: string): Map<string, { value: number; size: number; type: string; bind: string; ndx: string }> {
  const start = output.indexOf(table);
  expect(start).toBeGreaterThanOrEqual(0);
  const out = new Map();
  for (const line of output.slice(start).split('\n').slice(2)) {
    const m = /^\s+\d+: ([0-9a-f]+)\s+(\d+) (\w+)\s+(\w+)\s+\w+\s+(\w+) ?(\S*)$/.exec(line);
    if (!m) break;
    out.set(m[6], { value: parseInt(m[1]!, 16), size: Number(m[2]), type: m[3], bind: m[4], ndx: m[5] });
  }
  return out;
}

describe.skipIf(!HAVE_READELF)('readelf on the x86-64 image', () => {
  const image = buildVdsoImage(standard64Spec());
  const path = write('vdso64.so', image);
  const all = HAVE_READELF ? run('readelf', ['-a', '-W', path]) : ''; // describe bodies run even when skipped

  it('prints no warnings or errors, with or without section headers (-D)', () => {
    expect(complaints(all)).toEqual([]);
    expect(complaints(run('readelf', ['-a', '-W', '-D', path]))).toEqual([]);
  });

  it('sees an ET_DYN x86-64 object with the three segments, offset == vaddr', () => {
    expect(all).toMatch(/Class:\s+ELF64/);
    expect(all).toMatch(/Type:\s+DYN \(Shared object file\)/);
    expect(all).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(all).toMatch(/Entry point address:\s+0x0\n/);
    const load = `0x${hex(image.loadSize).padStart(6, '0')}`;
    expect(all).toMatch(new RegExp(`LOAD\\s+0x000000 0x0{16} 0x0{16} ${load} ${load} R E 0x1000`));
    expect(all).toMatch(/DYNAMIC\s+0x0*([0-9a-f]+) 0x0*\1 0x0*\1 \S+ \S+ R\s+0x8/);
    expect(all).toMatch(/NOTE\s+0x0*([0-9a-f]+) 0x0*\1 0x0*\1 0x000018 0x000018 R\s+0x4/);
    expect(all).toMatch(/00\s+\.hash \.gnu\.hash \.dynsym \.dynstr \.gnu\.version \.gnu\.version_d \.dynamic \.note \.text \n/);
    expect(all).toContain('There are no relocations in this file.');
    // Every allocated section has address == offset.
    for (const m of all.matchAll(/\] (\.\S+)\s+\w+\s+([0-9a-f]{16}) ([0-9a-f]{6}) .* A/g)) {
      expect(parseInt(m[2]!, 16), m[1]).toBe(parseInt(m[3]!, 16));
    }
  });

  it('lists the dynamic tags', () => {
    const tags = [...all.matchAll(/^ 0x[0-9a-f]+ \((\w+)\)/gm)].map((m) => m[1]);
    expect(tags).toEqual(['SONAME', 'SYMBOLIC', 'HASH', 'GNU_HASH', 'STRTAB', 'SYMTAB', 'STRSZ', 'SYMENT',
      'VERDEF', 'VERDEFNUM', 'FLAGS', 'FLAGS_1', 'VERSYM', 'NULL']);
    expect(all).toContain('Library soname: [linux-vdso.so.1]');
    expect(all).toMatch(/\(SYMENT\)\s+24 \(bytes\)/);
    expect(all).toMatch(/\(VERDEFNUM\)\s+2\n/);
    expect(all).toMatch(/\(FLAGS\)\s+SYMBOLIC BIND_NOW/);
    expect(all).toMatch(/\(FLAGS_1\)\s+Flags: NOW/);
  });

  it('lists every symbol with its version, value, binding and section', () => {
    const syms = readelfSymbols(all, "Symbol table '.dynsym'");
    expect(syms.size).toBe(12);
    expect(syms.get('')).toMatchObject({ value: 0, type: 'NOTYPE', bind: 'LOCAL', ndx: 'UND' });
    for (const [name, value] of image.symbols) {
      const versioned = [...syms.keys()].find((k) => /^(.*?)@@?LINUX_2\.6$/.exec(k)?.[1] === name);
      expect(versioned, name).toBeDefined();
      const s = syms.get(versioned!)!;
      expect(s.value).toBe(value);
      expect(s.type).toBe('FUNC');
      expect(s.bind).toBe(name.startsWith('__vdso_') ? 'GLOBAL' : 'WEAK');
      expect(s.ndx).toBe('9');
    }
    expect(syms.get('LINUX_2.6')).toMatchObject({ value: 0, type: 'OBJECT', bind: 'GLOBAL', ndx: 'ABS' });
    // -D finds the same table through DT_SYMTAB and the hash tables instead of section headers.
    expect(readelfSymbols(run('readelf', ['-a', '-W', '-D', path]), 'Symbol table for image')).toEqual(syms);
  });

  it('shows the version sections', () => {
    expect(all).toMatch(/Version definition section '\.gnu\.version_d' contains 2 entries:/);
    expect(all).toMatch(/Rev: 1\s+Flags: BASE\s+Index: 1\s+Cnt: 1\s+Name: linux-vdso\.so\.1/);
    expect(all).toMatch(/Rev: 1\s+Flags: none\s+Index: 2\s+Cnt: 1\s+Name: LINUX_2\.6/);
    expect(all).toMatch(/000:\s+0 \(\*local\*\)\s+2 \(LINUX_2\.6\)/);
  });

  it('reads the Linux version note (readelf -n)', () => {
    const notes = run('readelf', ['-n', path]);
    expect(complaints(notes)).toEqual([]);
    expect(notes).toMatch(/Displaying notes found in: \.note/);
    expect(notes).toMatch(/Linux\s+0x00000004\s+Unknown note type: \(0x00000000\)/);
    expect(notes).toMatch(/description data: 2c 12 06 00/); // (6 << 16) | (18 << 8) | 44
  });
});

describe.skipIf(!HAVE_OBJDUMP)('objdump on the x86-64 image', () => {
  const image = buildVdsoImage(standard64Spec());
  const path = write('vdso64-objdump.so', image);

  it('disassembles .text at the symbols', () => {
    const out = run('objdump', ['-d', '-M', 'intel', path]);
    expect(complaints(out)).toEqual([]);
    expect(out).toContain('file format elf64-x86-64');
    expect(out).not.toContain('(bad)');
    const at = (name: string): string => hex(image.symbols.get(name)!);
    expect(out).toMatch(new RegExp(`0*${at('__vdso_clock_gettime')} <(__vdso_)?clock_gettime(@@?LINUX_2\\.6)?>:`));
    expect(out).toMatch(new RegExp(`${at('__vdso_clock_gettime')}:\\s+48 c7 06 45 23 01 00\\s+mov\\s+QWORD PTR \\[rsi\\],0x12345`));
    expect(out).toMatch(new RegExp(`0*${at('__vdso_time')} <(__vdso_)?time(@@?LINUX_2\\.6)?>:`));
    expect(out).toMatch(/mov\s+eax,0x34567/);
  });

  it('lists the versioned dynamic symbols (objdump -T)', () => {
    const out = run('objdump', ['-T', path]);
    expect(complaints(out)).toEqual([]);
    for (const [name, value] of image.symbols) {
      const bind = name.startsWith('__vdso_') ? 'g ' : ' w';
      expect(out).toMatch(new RegExp(`^0*${hex(value)} ${bind}\\s+DF \\.text\\s+[0-9a-f]+\\s+LINUX_2\\.6\\s+${name}$`, 'm'));
    }
  });
});

describe.skipIf(!HAVE_LLVM_READELF)('llvm-readelf on the x86-64 image', () => {
  it('prints no warnings (it cross-checks the hash tables against .dynsym)', () => {
    const path = write('vdso64-llvm.so', buildVdsoImage(standard64Spec()));
    const out = run('llvm-readelf', ['--all', '--gnu-hash-table', '--hash-table', '--version-info', path]);
    expect(complaints(out)).toEqual([]);
    expect(out).toContain('linux-vdso.so.1');
  });
});

describe('the i386 image', () => {
  const image = buildVdsoImage(standard32Spec());
  const path = write('vdso32.so', image);

  it.skipIf(!HAVE_READELF)('readelf reads it cleanly', () => {
    const all = run('readelf', ['-a', '-W', path]);
    expect(complaints(all)).toEqual([]);
    expect(complaints(run('readelf', ['-a', '-W', '-D', path]))).toEqual([]);
    expect(all).toMatch(/Class:\s+ELF32/);
    expect(all).toMatch(/Machine:\s+Intel 80386/);
    expect(all).toMatch(new RegExp(`Entry point address:\\s+0x${hex(image.symbols.get('__kernel_vsyscall')!)}\\n`));
    expect(all).toContain('Library soname: [linux-gate.so.1]');
    expect(all).toMatch(/\(SYMENT\)\s+16 \(bytes\)/);
    expect(all).toMatch(/\(VERDEFNUM\)\s+3\n/);
    expect(all).toMatch(/Version definition section '\.gnu\.version_d' contains 3 entries:/);
    expect(all).toMatch(/Flags: none\s+Index: 3\s+Cnt: 1\s+Name: LINUX_2\.5/);
    const syms = readelfSymbols(all, "Symbol table '.dynsym'");
    expect(syms.get('__kernel_vsyscall@@LINUX_2.5')).toMatchObject({ value: image.symbols.get('__kernel_vsyscall'), type: 'FUNC', bind: 'GLOBAL' });
    expect(syms.get('__vdso_clock_gettime64@@LINUX_2.6')).toMatchObject({ value: image.symbols.get('__vdso_clock_gettime64') });
    expect(run('readelf', ['-n', path])).toMatch(/Linux\s+0x00000004\s+Unknown note type: \(0x00000000\)/);
  });

  it.skipIf(!HAVE_OBJDUMP)('objdump disassembles it as i386', () => {
    const out = run('objdump', ['-d', path]);
    expect(out).toContain('file format elf32-i386');
    expect(out).toMatch(/<__kernel_vsyscall(@@LINUX_2\.5)?>:\n\s+[0-9a-f]+:\s+cd 80\s+int\s+\$0x80/);
  });

  it.skipIf(!HAVE_LLVM_READELF)('llvm-readelf prints no warnings', () => {
    expect(complaints(run('llvm-readelf', ['--all', '--gnu-hash-table', '--hash-table', path]))).toEqual([]);
  });
});
