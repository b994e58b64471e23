/**
 * The 64-bit vDSO image: structure (always on), the single source of truth for the vvar
 * offsets in the assembly (always on), and binutils' view of the image (readelf/objdump,
 * skipped with a printed reason when they are missing).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/vdso/asm/index.js';
import { layoutVdso } from '../../src/vdso/elf/index.js';
import { buildVdso64, formatVdsoInfo, linuxVersionCode, VDSO_LINUX_VERSION } from '../../src/vdso/image.js';
import { u32DivMagic, vdso64Source, vdso64Symbols, VDSO64_ABI_SYMBOLS, VDSO64_FUNCTIONS } from '../../src/vdso/vdso64.js';
import { VDSO_DATA_SIZE, VVAR_TIME_DATA, vvarAsmSymbols } from '../../src/vdso/vvar-layout.js';

const vdso = buildVdso64();
const dv = new DataView(vdso.bytes.buffer);

describe('image structure', () => {
  it('is an ELF64 ET_DYN x86-64 file, a page multiple, built deterministically', () => {
    expect([...vdso.bytes.subarray(0, 5)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2]);
    expect(dv.getUint16(16, true)).toBe(3); // ET_DYN
    expect(dv.getUint16(18, true)).toBe(62); // EM_X86_64
    expect(vdso.size % 4096).toBe(0);
    expect(vdso.size).toBe(vdso.bytes.length);
    expect(buildVdso64().bytes).toEqual(vdso.bytes);
  });

  it('places .text where the layout said, before assembling', () => {
    const layout = layoutVdso({
      elfClass: 64, soname: 'linux-vdso.so.1',
      versions: [{ name: 'LINUX_2.6', symbols: VDSO64_FUNCTIONS.map((name) => ({ name })), weakAliases: true }],
    });
    expect(vdso.textOffset).toBe(layout.textOffset);
    expect(vdso.asmSymbols.VDSO_TEXT_OFFSET).toBe(vdso.textOffset);
    expect(vdso.labels.get('__vdso_text')).toBe(vdso.textOffset);
  });

  it('exports the five functions and their weak aliases, inside .text', () => {
    expect(vdso.functions.map((f) => f.name)).toEqual([...VDSO64_FUNCTIONS]);
    expect(vdso.symbols.size).toBe(10);
    for (const f of vdso.functions) {
      expect(vdso.symbols.get(f.name)).toBe(f.offset);
      expect(vdso.symbols.get(f.alias)).toBe(f.offset);
      expect(f.offset).toBeGreaterThanOrEqual(vdso.textOffset);
      expect(f.offset + f.size).toBeLessThanOrEqual(vdso.textOffset + vdso.textSize);
      expect(f.offset % 16).toBe(0);
      expect(f.size).toBeGreaterThan(0);
    }
    expect(vdso.functions.map((f) => f.alias)).toEqual(['clock_gettime', 'gettimeofday', 'time', 'clock_getres', 'getcpu']);
  });

  it('carries the Linux version note (>= 3.2.0)', () => {
    expect(VDSO_LINUX_VERSION).toEqual({ major: 6, minor: 18, patch: 0 });
    expect(vdso.linuxVersionCode).toBe(0x061200);
    const note = [...vdso.bytes.subarray(0, vdso.textOffset)];
    const at = note.findIndex((_, i) => String.fromCharCode(...note.slice(i, i + 6)) === 'Linux\0');
    expect(dv.getUint32(at + 8, true)).toBe(0x061200);
    expect(buildVdso64({ linuxVersion: { major: 6, minor: 1, patch: 300 } }).linuxVersionCode).toBe(0x0601ff);
    expect(linuxVersionCode({ major: 3, minor: 2, patch: 0 })).toBe(0x030200);
    expect(() => linuxVersionCode({ major: 3, minor: 1, patch: 99 })).toThrow(/kernel too old/);
  });

  it('describes the data area below it', () => {
    expect(vdso.data.start).toBe(-VDSO_DATA_SIZE);
    expect(vdso.timeData).toBe(VVAR_TIME_DATA);
    expect(vdso.data.mappings.map((m) => m.name)).toEqual(['[vvar]', '[vvar_vclock]']);
    const info = formatVdsoInfo(vdso);
    for (const f of VDSO64_FUNCTIONS) expect(info).toContain(`${f}@@LINUX_2.6`);
    expect(info).toContain('[vvar_vclock]');
    expect(info).toContain('hrtimer_res');
  });

  it('reads the TSC with rdtscp by default, or lfence; rdtsc', () => {
    const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const text = (v: typeof vdso): string => hexOf(v.bytes.subarray(v.textOffset, v.textOffset + v.textSize));
    const lf = buildVdso64({ tscRead: 'lfence' });
    expect(text(vdso).split('0f01f9').length - 1).toBe(2); // clock_gettime, gettimeofday
    expect(text(lf)).not.toContain('0f01f9');
    expect(text(lf).split('0faee80f31').length - 1).toBe(2);
  });
});

describe('the assembly takes every vvar offset from the layout module', () => {
  const source = vdso64Source();
  const symbols = vdso64Symbols(vdso.textOffset);
  const asm = (syms: Record<string, number>): Uint8Array => assemble(source, { origin: vdso.textOffset, symbols: syms }).bytes;
  const code = asm(symbols);
  const lines = source.split('\n').map((l) => l.replace(/;.*/, '').trim()).filter((l) => l && !l.endsWith(':'));

  it('has no number inside a memory operand', () => {
    const mems = lines.flatMap((l) => l.match(/\[[^\]]*\]/g) ?? []);
    expect(mems.length).toBeGreaterThan(30);
    for (const m of mems) expect(m, m).not.toMatch(/\b(0x[0-9a-f]+|[0-9]+)\b/i);
  });

  it('uses no number as an immediate except 0, 1 and the shift 32 of rdx:rax', () => {
    const numbers = lines
      .filter((l) => !l.startsWith('.'))
      .flatMap((l) => l.replace(/\[[^\]]*\]/g, '').match(/\b(0x[0-9a-f]+|[0-9]+)\b/gi) ?? []);
    expect(new Set(numbers)).toEqual(new Set(['0', '1', '32']));
  });

  it('changes code when any symbol it names changes', () => {
    const code0 = lines.join('\n');
    const named = Object.keys(symbols).filter((k) => new RegExp(`\\b${k}\\b`).test(code0));
    // every vvar constant the code needs is among them
    for (const k of ['VVAR_TIME_DATA', 'VD_SEQ', 'VD_CLOCK_MODE', 'VD_CYCLE_LAST', 'VD_MULT', 'VD_SHIFT', 'VD_BASETIME',
      'VD_TS_SEC', 'VD_TS_NSEC', 'VD_TS_SIZE', 'VD_TZ_MINUTESWEST', 'VD_TZ_DSTTIME', 'VD_HRTIMER_RES', 'VD_RECORD_SIZE',
      'CS_RAW', 'VDSO_CLOCKMODE_TSC', 'MAX_CLOCKS', 'VDSO_HRES', 'VDSO_COARSE', 'VDSO_RAW', 'NSEC_PER_SEC',
      'LOW_RES_NSEC', 'CPUNODE_SELECTOR', 'VDSO_CPUNODE_BITS', 'VDSO_CPUNODE_MASK', 'VDSO_TEXT_OFFSET']) {
      expect(named, k).toContain(k);
    }
    for (const k of named) {
      const changed = asm({ ...symbols, [k]: symbols[k]! + 8 });
      expect(Buffer.compare(Buffer.from(changed), Buffer.from(code)) !== 0, `changing ${k}`).toBe(true);
    }
    // and the names come from vvar-layout.ts / the ABI table, nowhere else
    for (const k of named) {
      const from = k in vvarAsmSymbols() ? vvarAsmSymbols() : k in VDSO64_ABI_SYMBOLS ? VDSO64_ABI_SYMBOLS : null;
      if (from) expect((from as Record<string, number>)[k]).toBe(symbols[k]);
      else expect(['USEC_DIV_MULT', 'USEC_DIV_SHIFT', 'VDSO_TEXT_OFFSET']).toContain(k);
    }
  });

  it('moving the time data moves exactly the rip-relative displacements', () => {
    const moved = asm({ ...symbols, VVAR_TIME_DATA: symbols.VVAR_TIME_DATA! - 0x1000 });
    expect(moved.length).toBe(code.length);
    const a = new DataView(code.buffer);
    const b = new DataView(moved.buffer);
    const refs = (source.match(/\[rip \+ vdso_time_data/g) ?? []).length;
    expect(refs).toBe(6); // 2 x lea (clock_gettime, gettimeofday), 2 x tz, time, getres
    let found = 0;
    for (let i = 0; i < code.length; i++) {
      if (i + 4 <= code.length && a.getInt32(i, true) - b.getInt32(i, true) === 0x1000) { found++; i += 3; continue; }
      expect(code[i], `byte ${i} changed outside a displacement`).toBe(moved[i]);
    }
    expect(found).toBe(refs);
  });

  it('divides by 1000 with the multiply GCC uses', () => {
    expect(u32DivMagic(1000)).toEqual({ mult: 0x10624dd3, shift: 38 });
    const { mult, shift } = u32DivMagic(1000);
    for (const x of [0n, 999n, 1000n, 999_999_999n, 1_000_000_000n, 0xffffffffn, 0xfffffc17n, 4_294_967_000n]) {
      expect((x * BigInt(mult)) >> BigInt(shift)).toBe(x / 1000n);
    }
  });
});

// ---- binutils -------------------------------------------------------------------------------

function have(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}
const binutils = have('readelf') && have('objdump');
if (!binutils) console.log('skipping readelf/objdump checks of the vDSO image: binutils is not installed');

describe.skipIf(!binutils)('binutils reads the image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso64-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vdso64.so');
  writeFileSync(file, vdso.bytes);

  it('readelf -a -W: no warnings, the five functions and aliases at LINUX_2.6, the dynamic tags', () => {
    const r = spawnSync('readelf', ['-a', '-W', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/warning|error/i);
    for (const f of vdso.functions) {
      expect(r.stdout).toMatch(new RegExp(`FUNC +GLOBAL +DEFAULT +\\d+ ${f.name}@@LINUX_2\\.6`));
      expect(r.stdout).toMatch(new RegExp(`FUNC +WEAK +DEFAULT +\\d+ ${f.alias}@@LINUX_2\\.6`));
    }
    for (const tag of ['SONAME', 'HASH', 'GNU_HASH', 'SYMTAB', 'STRTAB', 'VERSYM', 'VERDEF']) expect(r.stdout).toContain(`(${tag})`);
    expect(r.stdout).toContain('Library soname: [linux-vdso.so.1]');
  });

  it('objdump -d disassembles every function, with the seqlock spin, the ordered TSC read and the fallbacks', () => {
    const r = spawnSync('objdump', ['-d', '-M', 'intel', '--no-show-raw-insn', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('(bad)');
    const body = (name: string): string[] => {
      const start = r.stdout.indexOf(`<${name}@@LINUX_2.6>:`);
      expect(start, name).toBeGreaterThan(0);
      const end = r.stdout.indexOf('\n\n', start);
      return r.stdout.slice(start, end).split('\n').slice(1).map((l) => l.trim());
    };
    const insns = (name: string): { addr: number; text: string }[] =>
      body(name).map((l) => { const m = /^([0-9a-f]+):\s+(.*)$/.exec(l)!; return { addr: parseInt(m[1]!, 16), text: m[2]!.replace(/\s+/g, ' ') }; });
    for (const fn of ['__vdso_clock_gettime', '__vdso_gettimeofday']) {
      const code = insns(fn);
      const texts = code.map((c) => c.text);
      for (const want of ['rdtscp', 'mul rcx', 'shrd rax,rdx,cl', 'syscall', 'cmovbe rax,rcx', 'div rcx']) expect(texts, `${fn}: ${want}`).toContain(want);
      // the time data is at -0x6000 from the image base
      expect(texts.some((t) => /^lea r8,\[rip\+0x[0-9a-f]+\] # ffffffffffffa000/.test(t)), fn).toBe(true);
      // every pause jumps back to a seq load (mov r10d,DWORD PTR [r8]); after the reads, seq is
      // compared again and a change jumps back to one of those loads
      const targetOf = (t: string, op: string): number => parseInt(new RegExp(`^${op} ([0-9a-f]+)`).exec(t)![1]!, 16);
      const spins = texts.flatMap((t, i) => (t === 'pause' ? [targetOf(texts[i + 1]!, 'jmp')] : []));
      expect(spins.length, fn).toBe(fn === '__vdso_clock_gettime' ? 2 : 1);
      for (const target of spins) expect(code.find((c) => c.addr === target)!.text).toBe('mov r10d,DWORD PTR [r8]');
      const retries = texts.flatMap((t, i) => (t === 'cmp r10d,DWORD PTR [r8]' ? [targetOf(texts[i + 1]!, 'jne')] : []));
      expect(retries.sort()).toEqual([...spins].sort());
    }
    expect(insns('__vdso_time').map((c) => c.text)[0]).toMatch(/^mov rax,QWORD PTR \[rip\+0x[0-9a-f]+\] # ffffffffffffa020/);
    expect(insns('__vdso_time').map((c) => c.text)).not.toContain('syscall');
    expect(insns('__vdso_getcpu').map((c) => c.text)).toContain('lsl eax,ecx');
    expect(insns('__vdso_clock_getres').map((c) => c.text)).toContain('syscall');
    // no stack use anywhere
    for (const fn of VDSO64_FUNCTIONS) {
      for (const c of insns(fn)) expect(c.text, fn).not.toMatch(/\b(push|pop|call)\b|rsp|rbx|rbp|r1[2-5]/);
    }
  });
});
