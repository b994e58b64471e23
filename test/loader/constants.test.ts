import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as auxv from '../../src/loader/auxv.js';
import * as elfConstants from '../../src/loader/elf-constants.js';
import { describeMachine } from '../../src/loader/elf-machines.js';

// The oracle is the C headers of the host: glibc's <elf.h> and <bits/auxv.h>, read
// at test time. The suite skips these checks on a machine without them.
const ELF_H = '/usr/include/elf.h';
const AUXV_H = '/usr/include/x86_64-linux-gnu/bits/auxv.h';

/** `#define NAME value` lines whose value is a number, (number) or (1 << n). */
function numericDefines(path: string): Map<string, number> {
  const defines = new Map<string, number>();
  const pattern = /^#\s*define\s+(\w+)\s+(?:\(?\s*(0x[0-9a-f]+|\d+)\s*\)?|\(\s*1\s*<<\s*(\d+)\s*\))\s*(?:\/\*.*)?$/i;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = pattern.exec(line.trim());
    if (!match) continue;
    defines.set(match[1]!, match[3] !== undefined ? 2 ** Number(match[3]) : Number(match[2]));
  }
  return defines;
}

function numericExports(module: object, prefix: RegExp): Array<[string, number]> {
  return Object.entries(module).filter(
    (entry): entry is [string, number] => prefix.test(entry[0]) && typeof entry[1] === 'number',
  );
}

describe.skipIf(!existsSync(ELF_H))('ELF constants equal glibc <elf.h>', () => {
  const header = existsSync(ELF_H) ? numericDefines(ELF_H) : new Map<string, number>();

  it.each(numericExports(elfConstants, /^(EI|ELFCLASS|ELFDATA|EV|ET|EM|PT|PF)_/))('%s', (name, value) => {
    expect(header.get(name)).toBe(value);
  });

  it.each(['EM_SPARC', 'EM_386', 'EM_MIPS', 'EM_PPC', 'EM_PPC64', 'EM_S390', 'EM_ARM', 'EM_SPARCV9', 'EM_IA_64', 'EM_X86_64', 'EM_AARCH64', 'EM_RISCV', 'EM_LOONGARCH'])(
    'describeMachine names %s',
    (name) => {
      const value = header.get(name)!;
      expect(describeMachine(value)).toBe(`${name} (${value})`);
    },
  );
});

describe('auxv types', () => {
  const exported = numericExports(auxv, /^AT_/);

  describe.skipIf(!existsSync(AUXV_H))('equal glibc <bits/auxv.h>', () => {
    const header = existsSync(AUXV_H) ? numericDefines(AUXV_H) : new Map<string, number>();
    it.each(exported.filter(([name]) => header.has(name)))('%s', (name, value) => {
      expect(value).toBe(header.get(name));
    });
  });

  it('AT_HWCAP3 and AT_HWCAP4, newer than glibc 2.36, are 29 and 30 (linux include/uapi/linux/auxvec.h)', () => {
    expect(auxv.AT_HWCAP3).toBe(29);
    expect(auxv.AT_HWCAP4).toBe(30);
  });

  it.each(exported)('auxvName gives %s its own name', (name, value) => {
    expect(auxv.auxvName(value)).toBe(name);
  });

  it('auxvName prints an unknown type the way glibc LD_SHOW_AUXV does', () => {
    // elf/dl-sysdep.c, _dl_show_auxv: "AT_??? (0x%s): 0x%s" with the type in hex.
    expect(auxv.auxvName(99)).toBe('AT_??? (0x63)');
  });

  it('names every type that Linux 6.18 puts in a static x86-64 program\'s auxv', () => {
    // The order LD_SHOW_AUXV printed (LINUX-ABI.md section 5); the probe dumps in
    // kernel-initial-stacks.ts show the same 22 types.
    const names = [
      'AT_SYSINFO_EHDR', 'AT_MINSIGSTKSZ', 'AT_HWCAP', 'AT_PAGESZ', 'AT_CLKTCK', 'AT_PHDR', 'AT_PHENT', 'AT_PHNUM',
      'AT_BASE', 'AT_FLAGS', 'AT_ENTRY', 'AT_UID', 'AT_EUID', 'AT_GID', 'AT_EGID', 'AT_SECURE', 'AT_RANDOM',
      'AT_HWCAP2', 'AT_EXECFN', 'AT_PLATFORM', 'AT_RSEQ_FEATURE_SIZE', 'AT_RSEQ_ALIGN',
    ];
    const kernelTypes = [33, 51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 27, 28];
    expect(kernelTypes.map(auxv.auxvName)).toEqual(names);
  });
});
