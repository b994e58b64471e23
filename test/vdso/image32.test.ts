/**
 * The 32-bit vDSO (linux-gate.so.1): structure, the boot-time patch of __kernel_vsyscall,
 * binutils' view (readelf/objdump, skipped when missing), and the code run natively in a
 * gcc -m32 process (test/vdso/native/vdso32-harness.c, skipped without a 32-bit toolchain)
 * against the formula at both TSC bounds of each call.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVdso32, formatVdso32Info, patchVdso32, VDSO32_SONAME } from '../../src/vdso/image32.js';
import { VDSO32_KERNEL_FUNCTIONS, VDSO32_VDSO_FUNCTIONS } from '../../src/vdso/vdso32.js';
import {
  VD_BASETIME, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_HRTIMER_RES, VD_MULT, VD_RECORD_SIZE, VD_SEQ, VD_SHIFT,
  VD_TS_SIZE, VD_TZ_MINUTESWEST, VDSO_DATA_SIZE, tscMultShift,
} from '../../src/vdso/vvar-layout.js';

const vdso = buildVdso32();
const dv = new DataView(vdso.bytes.buffer);
const hex = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('vdso32 image structure', () => {
  it('is an ELF32 ET_DYN i386 file whose entry is __kernel_vsyscall, built deterministically', () => {
    expect([...vdso.bytes.subarray(0, 5)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 1]);
    expect(dv.getUint16(16, true)).toBe(3);
    expect(dv.getUint16(18, true)).toBe(3); // EM_386
    expect(dv.getUint32(24, true)).toBe(vdso.kernelVsyscall);
    expect(vdso.size % 4096).toBe(0);
    expect(buildVdso32().bytes).toEqual(vdso.bytes);
    expect(vdso.soname).toBe('linux-gate.so.1');
  });

  it('exports LINUX_2.5 and LINUX_2.6 functions inside .text', () => {
    expect(vdso.functions.map((f) => f.name)).toEqual([...VDSO32_KERNEL_FUNCTIONS, ...VDSO32_VDSO_FUNCTIONS]);
    for (const f of vdso.functions) {
      expect(vdso.symbols.get(f.name)).toBe(f.offset);
      expect(f.version).toBe(f.name.startsWith('__kernel') ? 'LINUX_2.5' : 'LINUX_2.6');
      expect(f.size).toBeGreaterThan(0);
      expect(f.offset + f.size).toBeLessThanOrEqual(vdso.textOffset + vdso.textSize);
    }
  });

  it('__kernel_vsyscall: pushes, the alternatives site, int 0x80, the landing pad', () => {
    const k = vdso.kernelVsyscall;
    expect(hex(vdso.bytes.subarray(k, k + 3))).toBe('51 52 55');
    expect(vdso.alternative.offset).toBe(k + 3);
    expect(vdso.alternative.length).toBe(4);
    expect(hex(vdso.bytes.subarray(k + 7, k + 13))).toBe('cd 80 5d 5a 59 c3');
    expect(vdso.int80LandingPad).toBe(k + 9);
  });

  it('is patched at boot for sysenter, syscall or int 0x80, nothing else changing', () => {
    const k = vdso.alternative.offset;
    const cases = { sysenter: '89 e5 0f 34', syscall: '89 cd 0f 05', int80: '0f 1f 40 00' } as const;
    for (const [entry, bytes] of Object.entries(cases)) {
      const p = patchVdso32(vdso, entry as keyof typeof cases);
      expect(hex(p.subarray(k, k + 4)), entry).toBe(bytes);
      const diff = [...p].flatMap((b, i) => (b !== vdso.bytes[i] ? [i] : []));
      expect(diff.every((i) => i >= k && i < k + 4)).toBe(true);
    }
    expect(vdso.bytes[k]).toBe(0x0f); // the image itself stays unpatched
  });

  it('vdso info --32 names the patched entry', () => {
    const text = formatVdso32Info(vdso, 'syscall');
    expect(text).toContain(VDSO32_SONAME);
    expect(text).toContain('patched to: syscall');
    expect(text).toContain('__kernel_vsyscall@@LINUX_2.5');
  });
});

function have(tool: string, args = ['--version']): boolean {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}
const binutils = have('readelf') && have('objdump');
if (!binutils) console.log('skipping readelf/objdump checks of the vdso32 image: binutils is not installed');

describe.skipIf(!binutils)('binutils reads the vdso32 image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso32-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vdso32.so');
  writeFileSync(file, patchVdso32(vdso, 'sysenter'));

  it('readelf -a -W: no warnings, ELF32 Intel 80386, every function at its version', () => {
    const r = spawnSync('readelf', ['-a', '-W', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/warning|error/i);
    expect(r.stdout).toMatch(/Class: +ELF32/);
    expect(r.stdout).toMatch(/Machine: +Intel 80386/);
    expect(r.stdout).toContain('Library soname: [linux-gate.so.1]');
    expect(r.stdout).toMatch(new RegExp(`Entry point address: +0x${vdso.kernelVsyscall.toString(16)}`));
    for (const f of vdso.functions) expect(r.stdout).toMatch(new RegExp(`FUNC +GLOBAL +DEFAULT +\\d+ ${f.name}@@${f.version.replace('.', '\\.')}`));
  });

  it('objdump -d: every function disassembles, __kernel_vsyscall enters with sysenter', () => {
    const r = spawnSync('objdump', ['-d', '-M', 'intel', '--no-show-raw-insn', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('(bad)');
    expect(r.stdout).toContain('file format elf32-i386');
    const start = r.stdout.indexOf('<__kernel_vsyscall@@LINUX_2.5>:');
    const body = r.stdout.slice(start, r.stdout.indexOf('\n\n', start)).split('\n').slice(1).map((l) => l.replace(/^\s*[0-9a-f]+:\s+/, '').replace(/\s+/g, ' ').trim());
    expect(body.slice(0, 10)).toEqual(['push ecx', 'push edx', 'push ebp', 'mov ebp,esp', 'sysenter', 'int 0x80', 'pop ebp', 'pop edx', 'pop ecx', 'ret']);
    for (const fn of ['__vdso_clock_gettime', '__vdso_clock_gettime64', '__vdso_gettimeofday']) {
      const s = r.stdout.indexOf(`<${fn}@@LINUX_2.6>:`);
      const text = r.stdout.slice(s, r.stdout.indexOf('\n\n', s));
      for (const want of ['rdtscp', 'shrd', 'div', 'call', 'pause']) expect(text, `${fn}: ${want}`).toContain(want);
    }
  });
});

// ---- natively, in a 32-bit process ---------------------------------------------------------

const here = dirname(fileURLToPath(import.meta.url));
function buildHarness(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') { console.log('skipping the native vdso32 harness: not linux/x64'); return null; }
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso32-native-'));
  const out = join(dir, 'vdso32-harness');
  const r = spawnSync('gcc', ['-m32', '-O2', '-Wall', '-o', out, join(here, 'native', 'vdso32-harness.c')], { encoding: 'utf8' });
  if (r.error || r.status !== 0) { console.log('skipping the native vdso32 harness: gcc -m32 cannot build it (apt-get install gcc-multilib)'); return null; }
  return out;
}
const harness = buildHarness();

const NS = 1_000_000_000n;
/** The vDSO's formula for a counter value T: total nanoseconds. */
function expectedNs(clk: number, cl: bigint, T: bigint, mult: bigint, shift: bigint): bigint {
  const rec = clk === 4 ? 1n : 0n;
  const sec = 1700000000n + BigInt(clk) * 1000n + rec * 100n;
  const nsec = 123456789n + BigInt(clk);
  if (clk === 5 || clk === 6) return sec * NS + nsec;
  const delta = T > cl ? T - cl : 0n;
  return sec * NS + ((delta * mult + (nsec << shift)) >> shift);
}

describe.skipIf(!harness)('the vdso32 code running natively (gcc -m32)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso32-img-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vdso32.so');
  writeFileSync(file, patchVdso32(vdso, 'int80')); // the host kernel's own entry convention differs: use int 0x80
  const fn = (n: string): string => String(vdso.symbols.get(n));
  const tsc = tscMultShift(2_000_000_000);
  for (const [mult, shift] of [[tsc.mult, tsc.shift], [0x80000000, 31]] as const) {
    it(`clock_gettime(64), gettimeofday, time, getres, getcpu and the fallbacks (mult ${mult}, shift ${shift})`, () => {
      const args = [file, vdso.size, VDSO_DATA_SIZE, fn('__vdso_clock_gettime'), fn('__vdso_clock_gettime64'), fn('__vdso_gettimeofday'),
        fn('__vdso_time'), fn('__vdso_clock_getres'), fn('__vdso_getcpu'), VD_SEQ, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_MULT, VD_SHIFT,
        VD_BASETIME, VD_TS_SIZE, VD_TZ_MINUTESWEST, VD_HRTIMER_RES, VD_RECORD_SIZE, mult, shift].map(String);
      const r = spawnSync(harness!, args, { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).not.toContain('bad nsec high half');
      let checked = 0;
      for (const line of lines) {
        const f = line.split(' ');
        if (f[0] === 'cgt' || f[0] === 'cgt64' || f[0] === 'gtod') {
          const clk = Number(f[2]);
          const [cl, t0, t1] = [BigInt(f[3]!), BigInt(f[4]!), BigInt(f[5]!)];
          expect(Number(f[6]), line).toBe(0);
          const lo = expectedNs(clk, cl, t0, BigInt(mult), BigInt(shift));
          const hi = expectedNs(clk, cl, t1, BigInt(mult), BigInt(shift));
          const sec = BigInt(f[7]!);
          const sub = BigInt(f[8]!);
          if (f[0] === 'gtod') {
            expect(sub >= 0n && sub < 1_000_000n, line).toBe(true);
            const got = sec * 1_000_000n + sub;
            expect(got >= lo / 1000n && got <= hi / 1000n, `${line}: ${lo / 1000n}..${hi / 1000n}`).toBe(true);
            expect([f[9], f[10]]).toEqual(['-60', '1']);
          } else {
            expect(sub >= 0n && sub < NS, line).toBe(true);
            const got = sec * NS + sub;
            expect(got >= lo && got <= hi, `${line}: ${lo}..${hi}`).toBe(true);
          }
          checked++;
        }
      }
      expect(checked).toBe(4 * (7 * 2 + 1));
      const get = (k: string): string[] => lines.find((l) => l.startsWith(k + ' '))!.split(' ').slice(1);
      expect(get('time')).toEqual(['1700000000', '1700000000']);
      for (const clk of [0, 1, 4, 7]) expect(lines).toContain(`getres ${clk} 0 0 1`);
      for (const clk of [5, 6]) expect(lines).toContain(`getres ${clk} 0 0 4000000`);
      expect(get('getcpu')[0]).toBe('0');
      const fb = get('fallback');
      expect(fb[0]).toBe('0');
      expect(Math.abs(Number(fb[2]) - Number(fb[1]))).toBeLessThanOrEqual(2); // the host kernel answered
      expect(get('einval')).toEqual(['-22']);
      expect(get('cputime')[0]).toBe('0');
    });
  }
});
