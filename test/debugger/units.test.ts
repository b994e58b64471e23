import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebugContext } from '../../src/debugger/context.js';
import { evaluate, evaluateAddress } from '../../src/debugger/expr.js';
import { fromU64, hex64, hexAddr, quoteBytes, toU64 } from '../../src/debugger/format.js';
import { DebugError, readCString, readMemory, readU64, translate } from '../../src/debugger/memory.js';
import { elfSymbols, SymbolTable } from '../../src/debugger/symbols.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { parseElf } from '../../src/loader/elf.js';
import { Machine } from '../../src/machine.js';
import { FIXTURES } from '../e2e/run-fixture.js';

function machine(binary: string, vdso = true): Machine {
  const path = join(FIXTURES, binary);
  const m = new Machine({ host: new MemoryHost(), aslr: false, seed: 3, vdso });
  m.load({ image: readFileSync(path), path, argv: [binary], envp: ['A=1'] });
  return m;
}

function haveTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('symbols', () => {
  it('reads .symtab: _start is the entry point, main and msg have their addresses, ABS symbols are left out', () => {
    const bytes = readFileSync(join(FIXTURES, 'bin/hello-glibc'));
    const syms = elfSymbols(bytes);
    const start = syms.find((s) => s.name === '_start')!;
    expect(start.address).toBe(parseElf(bytes).entry);
    expect(start.kind).toBe('func');
    expect(syms.find((s) => s.name === 'main')!.size).toBeGreaterThan(0);
    const asm = elfSymbols(readFileSync(join(FIXTURES, 'bin/write-syscall')));
    expect(asm.map((s) => s.name).sort()).toEqual(['__bss_start', '_edata', '_end', '_start', 'msg']);
  });

  it.skipIf(!haveTool('readelf'))('agrees with readelf -s on every function of a glibc program', () => {
    const path = join(FIXTURES, 'bin/hello-glibc');
    const ours = new Map(elfSymbols(readFileSync(path)).filter((s) => s.kind === 'func').map((s) => [`${s.name}@${s.address}`, s.size]));
    const out = execFileSync('readelf', ['-sW', path], { encoding: 'utf8' });
    let checked = 0;
    for (const line of out.split('\n')) {
      const m = /^\s*\d+: ([0-9a-f]{16})\s+(\d+)\s+FUNC\s+\w+\s+\w+\s+(\d+)\s+(\S+)$/.exec(line);
      if (!m || Number.parseInt(m[1], 16) === 0) continue;
      const key = `${m[4]}@${Number.parseInt(m[1], 16)}`;
      expect(ours.get(key), key).toBe(Number(m[2]));
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('names addresses inside sized symbols, prefers global names, and stops at the end of a symbol', () => {
    const t = new SymbolTable([
      { name: 'clock_gettime', address: 0x1000, size: 0x20, kind: 'func', rank: 1, origin: 'vdso' },
      { name: '__vdso_clock_gettime', address: 0x1000, size: 0x20, kind: 'func', rank: 2, origin: 'vdso' },
      { name: 'label', address: 0x2000, size: 0, kind: 'label', rank: 0, origin: 'program' },
    ]);
    expect(t.describe(0x1000)).toBe('__vdso_clock_gettime');
    expect(t.describe(0x101f)).toBe('__vdso_clock_gettime+0x1f');
    expect(t.describe(0x1020)).toBeUndefined();
    expect(t.describe(0x2010)).toBe('label+0x10');
    expect(t.describe(0x2400)).toBeUndefined();
    expect(t.lookup('clock_gettime')!.address).toBe(0x1000);
  });

  it('a machine\'s table has the program, the vDSO at its base and the kernel entry stubs', () => {
    const m = machine('bin/hello-glibc');
    const ctx = new DebugContext(m);
    const base = m.kernel.process.auxv.find(([t]) => t === 33)![1];
    expect(ctx.symbols.lookup('__vdso_time')!.address).toBe(base + m.kernel.vdso.image.functions.find((f) => f.name === '__vdso_time')!.offset);
    expect(ctx.where(m.cpu.lstar)).toBe('0xffffffff81000000 <entry_syscall_64>');
    expect(ctx.where(m.cpu.rip)).toMatch(/<_start>$/);
    expect(ctx.instructionAt(m.cpu.lstar)!.text).toBe('swapgs');
  });
});

describe('expressions', () => {
  const m = machine('bin/write-syscall');
  const ctx = new DebugContext(m);
  it('numbers, symbols, registers, arithmetic, parentheses and dereference', () => {
    expect(evaluateAddress(ctx, '0x401000')).toBe(0x401000);
    expect(evaluateAddress(ctx, '4198400')).toBe(0x401000);
    expect(evaluateAddress(ctx, '_start+0x16')).toBe(0x401016);
    expect(evaluateAddress(ctx, '_start + 22 - 2')).toBe(0x401014);
    expect(evaluateAddress(ctx, '$rip')).toBe(m.cpu.rip);
    expect(evaluateAddress(ctx, 'rsp')).toBe(m.cpu.regSigned(4));
    expect(evaluateAddress(ctx, '$sp+(16-8)')).toBe(m.cpu.regSigned(4) + 8);
    expect(evaluate(ctx, '*$rsp')).toBe(1n); // argc
    expect(evaluateAddress(ctx, '0xffffffff81000000')).toBe(m.cpu.lstar);
    expect(evaluate(ctx, '0-1')).toBe(2n ** 64n - 1n);
    expect(() => evaluate(ctx, '')).toThrow(DebugError);
    expect(() => evaluate(ctx, 'msg msg')).toThrow(/cannot read 'msg'/);
    expect(() => evaluate(ctx, '*0')).toThrow(/cannot access memory at 0x0/);
  });
});

describe('memory reads', () => {
  it('translate through the page tables without touching the Accessed bits or the TLB', () => {
    const m = machine('bin/write-syscall');
    const addr = 0x402000;
    const before = m.mmu.describeWalk(addr);
    const leaf = before.steps[3];
    expect(leaf.lo & 0x20).toBe(0); // not accessed yet: the program has not read it
    expect(new TextDecoder().decode(readMemory(m, addr, 5))).toBe('Hello');
    expect(readCString(m, addr).bytes.length).toBe(36);
    const after = m.mmu.describeWalk(addr);
    expect(after.steps[3].lo).toBe(leaf.lo);
    expect(after.inTlb).toBe(before.inTlb);
  });

  it('explain what is not there: nothing mapped, not yet paged in, not canonical', () => {
    const m = machine('bin/hello-glibc');
    expect(() => readMemory(m, 0x1000, 1)).toThrow(/^cannot access memory at 0x1000: nothing is mapped there/);
    // The bottom of the stack area: reserved, but no page until the stack grows into it.
    const stack = m.kernel.process.space.vmas.find((v) => v.name === '[stack]')!;
    const t = translate(m, stack.start);
    expect(t.ok).toBe(false);
    expect(!t.ok && t.why).toMatch(/^0x[0-9a-f]+ is in \[stack\] but has no page yet \(\w+ entry not present\): demand paging maps it at the first touch$/);
    expect(() => readU64(m, 2 ** 47)).toThrow(/not a canonical address/);
    expect(() => readU64(m, -1)).toThrow(DebugError); // the top of the kernel half: unmapped
  });
});

describe('formatting', () => {
  it('addresses are unsigned 64-bit hex', () => {
    expect(hexAddr(-0x7f000000)).toBe('0xffffffff81000000');
    expect(hex64(0x401000)).toBe('0x0000000000401000');
    expect(toU64(-1)).toBe(2n ** 64n - 1n);
    expect(fromU64(0xffffffff81000000n)).toBe(-0x7f000000);
    expect(quoteBytes(new TextEncoder().encode('a"b\\\n\x01'))).toBe('"a\\"b\\\\\\n\\x01"');
  });
});
