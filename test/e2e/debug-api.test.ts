import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../../src/loader/elf.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { FIXTURES } from './run-fixture.js';

/** The machine-level debugging API that the REPL and the gdb stub build on. */
function load(binary: string, options: Partial<ConstructorParameters<typeof Machine>[0]> = {}): { m: Machine; host: MemoryHost } {
  const host = new MemoryHost();
  const m = new Machine({ host, aslr: false, ...options });
  const path = join(FIXTURES, binary);
  m.load({ image: readFileSync(path), path, execPath: binary, argv: [binary], envp: [] });
  return { m, host };
}

describe('breakpoints', () => {
  it('stop before the instruction, and continue runs it once', () => {
    const { m, host } = load('bin/write-syscall');
    const entry = parseElf(readFileSync(join(FIXTURES, 'bin/write-syscall'))).entry;
    // The third instruction of _start: objdump -d shows two 5-byte movs before it (b8 01 00 00 00, bf 01 00 00 00).
    const third = entry + 10;
    m.interp.addBreakpoint(third);
    expect(m.run()).toEqual({ kind: 'breakpoint', address: third });
    expect(m.cpu.rip).toBe(third);
    expect(m.interp.userRetired).toBe(2);
    expect(m.continue()).toEqual({ kind: 'exited', status: 0 });
    expect(host.text(1)).toBe('Hello from the syscall instruction!\n');
  });
});

describe('system call stops', () => {
  it('stop at entry before the handler runs and at exit after it', () => {
    const { m, host } = load('bin/write-syscall');
    const seen: string[] = [];
    m.kernel.debugStops = {
      syscallEntry: (_p, _nr, name) => (seen.push(`entry ${name}`), name === 'write'),
      syscallExit: (_p, _nr, name, _a, result) => (seen.push(`exit ${name} ${result}`), name === 'write'),
    };
    const first = m.run();
    expect(first).toMatchObject({ kind: 'stopped', event: { kind: 'syscall-entry', name: 'write', nr: 1 } });
    expect(host.text(1)).toBe(''); // not written yet
    expect(m.cpu.cpl).toBe(0); // stopped inside the kernel's entry stub
    const second = m.run();
    expect(second).toMatchObject({ kind: 'stopped', event: { kind: 'syscall-exit', name: 'write', result: 36 } });
    expect(host.text(1)).toBe('Hello from the syscall instruction!\n');
    expect(m.run()).toEqual({ kind: 'exited', status: 0 });
    expect(seen).toEqual(['entry write', 'exit write 36', 'entry exit']);
  });
});

describe('single stepping', () => {
  it('steps into the kernel on syscall and back to CPL 3 with RCX/R11 as saved', () => {
    const { m } = load('bin/write-syscall');
    const cpl = (): number => m.cpu.cpl;
    let insnBefore = 0;
    while (cpl() === 3) {
      insnBefore = m.cpu.rip;
      expect(m.step()).toBeNull();
    }
    // SYSCALL saved the return RIP (the next instruction, 2 bytes on) in RCX (SDM Vol. 2B, SYSCALL).
    expect(m.cpu.lo[1]).toBe(insnBefore + 2);
    expect(cpl()).toBe(0);
    let guard = 0;
    while (cpl() === 0 && guard++ < 200) expect(m.step()).toBeNull();
    expect(cpl()).toBe(3);
  });
});
