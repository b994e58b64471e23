import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elfSymbols } from '../../src/debugger/symbols.js';
import { FIXTURES } from '../e2e/run-fixture.js';
import { debugScript, findInstruction } from './session-helper.js';

/**
 * The acceptance sessions of issue 5 (the debugger REPL): scripted as a person would
 * type them, checked on what the person would read.
 */

const hex = (n: number): string => '0x' + n.toString(16);

/** The value of a register in `regs` output. */
function reg(lines: string[], name: string): string {
  for (const l of lines) {
    const m = new RegExp(`(?:^|\\s)${name}\\s+(0x[0-9a-f]{16})`).exec(l);
    if (m) return m[1];
  }
  throw new Error(`no ${name} in\n${lines.join('\n')}`);
}

describe('break at main, step into the kernel and back (hello-glibc)', () => {
  const binary = 'bin/hello-glibc';
  const sc = findInstruction(binary, '__libc_write', 'syscall');
  const after = sc.address + sc.length;

  it('stops at main, then at the syscall instruction of write', async () => {
    const run = await debugScript(binary, ['break main', 'continue', `break *${hex(sc.address)}`, 'continue']);
    expect(run.outputs[0]).toEqual([expect.stringMatching(/^Breakpoint 1 at 0x[0-9a-f]+ <main>$/)]);
    expect(run.outputs[1][0]).toMatch(/^Breakpoint 1, 0x[0-9a-f]+ <main> \(1st hit\)$/);
    expect(run.outputs[1].at(-1)).toMatch(/^=> 0x[0-9a-f]+ <main>: .*\(CPL 3\)$/);
    expect(run.outputs[3].at(-1)).toBe(`=> ${hex(sc.address)} <__libc_write+0x${(sc.address - findSym(binary, '__libc_write')).toString(16)}>: syscall  (CPL 3)`);
  });

  it('stepi on syscall shows CPL 3 → 0 at the entry stub with RCX/R11 saved; finish returns to CPL 3 with them', async () => {
    const run = await debugScript(binary, ['break main', 'continue', `break *${hex(sc.address)}`, 'continue', 'regs', 'stepi', 'regs', 'finish', 'regs']);
    const [userRegs, step, kernelRegs, finish, backRegs] = run.outputs.slice(4);
    const userFlags = reg(userRegs, 'rflags');
    expect(step[0]).toMatch(/^ {3}\[CPL 3 → 0\] syscall entered the kernel: RIP ← IA32_LSTAR 0xffffffff81000000 <entry_syscall_64>/);
    expect(step[1]).toContain(`it saved RCX = ${hex(after)} <__libc_write+`);
    expect(step[1]).toContain(`R11 = ${hex(Number(userFlags))} `);
    expect(step.at(-1)).toMatch(/^=> 0xffffffff81000000 <entry_syscall_64>: swapgs {2}\(CPL 0, kernel\)$/);
    // In the kernel: CS is the kernel's, RCX/R11 hold what SYSCALL saved.
    expect(kernelRegs.join('\n')).toContain('cs 0x10  ss 0x18');
    expect(kernelRegs.join('\n')).toContain('CPL 0 (kernel mode');
    expect(Number(reg(kernelRegs, 'rcx'))).toBe(after);
    expect(reg(kernelRegs, 'r11')).toBe(userFlags);
    // Out again: the kernel's handler ran at the vmcall, and SYSRET restored RIP from RCX, RFLAGS from R11.
    expect(finish.some((l) => /\[kernel\] write\(1, "Hello, world!\\n", 14\) = 14/.test(l))).toBe(true);
    expect(finish.some((l) => l.includes(`[CPL 0 → 3] sysretq returned to user mode: RIP ← RCX = ${hex(after)}`))).toBe(true);
    expect(finish.at(-1)).toMatch(new RegExp(`^=> ${hex(after)} <__libc_write\\+0x[0-9a-f]+>: .*\\(CPL 3\\)$`));
    expect(backRegs.join('\n')).toContain('cs 0x33  ss 0x2b');
    expect(backRegs.join('\n')).toContain('CPL 3 (user mode');
    expect(Number(reg(backRegs, 'rip'))).toBe(after);
    expect(Number(reg(backRegs, 'rcx'))).toBe(after);
    expect(reg(backRegs, 'r11')).toBe(userFlags);
    expect(reg(backRegs, 'rflags')).toBe(userFlags);
    expect(run.machine.cpu.cpl).toBe(3);
  });
});

function findSym(binary: string, name: string): number {
  return elfSymbols(readFileSync(join(FIXTURES, binary))).find((s) => s.name === name)!.address;
}

describe('the kernel side of each entry path', () => {
  it('int 0x80 pushes an IRET frame and iretq pops it (write-int80)', async () => {
    const run = await debugScript('bin/write-int80', ['break _start+20', 'continue', 'stepi', 'finish', 'continue']);
    const [, , step, finish, end] = run.outputs;
    expect(step[0]).toContain('[CPL 3 → 0] int 0x80 entered the kernel through IDT vector 0x80 (a DPL 3 gate)');
    expect(step[1]).toMatch(/the CPU pushed the IRET frame at 0xffffffff82ffffd8: RIP 0x401016 <_start\+0x16>, CS 0x33, RFLAGS 0x[0-9a-f]+ \[.*\], RSP 0x[0-9a-f]+, SS 0x2b/);
    expect(step.at(-1)).toMatch(/<entry_int80>: push rax {2}\(CPL 0, kernel\)$/);
    expect(finish).toContain('   [kernel] [int80] write(1, "Hello from int 0x80!\\n", 21) = 21   (the kernel\'s handler ran at the vmcall)');
    expect(finish.some((l) => l.startsWith('   [CPL 0 → 3] iretq returned to user mode, popping RIP 0x401016 <_start+0x16>, CS 0x33'))).toBe(true);
    expect(end).toContain('Program ended: it exited with status 7.');
  });

  it('sysenter saves nothing and sysexitq returns through RDX/RCX (write-sysenter, Intel model)', async () => {
    const run = await debugScript('bin/write-sysenter', ['break _start+0x20', 'continue', 'stepi', 'finish']);
    const [, , step, finish] = run.outputs;
    expect(step[0]).toContain('[CPL 3 → 0] sysenter entered the kernel: RIP ← IA32_SYSENTER_EIP 0xffffffff');
    expect(step[1]).toContain('R10 = 0x401022 <_start+0x22> (return RIP)');
    expect(finish.some((l) => l.includes('[CPL 0 → 3] sysexitq returned to user mode: RIP ← RDX = 0x401022 <_start+0x22>'))).toBe(true);
  });

  it('a stop at system call entry is before the handler, at its return after it, with the result', async () => {
    const run = await debugScript('bin/write-syscall', ['catch syscall write', 'continue', 'syscalls', 'continue', 'syscalls', 'continue']);
    const [, entry, before, exit, after, end] = run.outputs;
    expect(entry[0]).toBe('Catchpoint 1 (call to write, nr 1, via syscall): write(1, "Hello from the syscall instructi"..., 36)');
    expect(entry.at(-1)).toMatch(/<entry_syscall_64\+0x[0-9a-f]+>: .*\(CPL 0, kernel\)$/);
    expect(before[0]).toBe('0 system calls so far:');
    expect(exit[0]).toBe('Catchpoint 1 (returned from write, via syscall): write(1, "Hello from the syscall instructi"..., 36) = 36');
    expect(after).toContain('    1  write(1, "Hello from the syscall instructi"..., 36) = 36');
    expect(end).toContain('Program ended: it exited with status 0.');
  });
});

describe('clock reads: the vDSO never enters the kernel', () => {
  const args = ['3'];

  it('catch syscall clock_gettime never stops in a vDSO run', async () => {
    // vdso-probe reads CLOCK_REALTIME and CLOCK_MONOTONIC: the vDSO serves both in user mode.
    const run = await debugScript('bin/vdso-probe-glibc', ['catch syscall clock_gettime', 'continue', 'info breakpoints', 'syscalls all']);
    expect(run.outputs[1].join('\n')).not.toContain('Catchpoint');
    expect(run.outputs[1]).toContain('Program ended: it exited with status 0.');
    expect(run.outputs[2]).toContain('1    catch          0  syscall clock_gettime (entry and return)');
    const calls = run.outputs[3].join('\n');
    expect(calls).not.toMatch(/\bclock_gettime\(/);
    expect(calls).toContain('vDSO calls, which made no system call: __vdso_clock_gettime 2');
  });

  it('in a vDSO run only the clocks the vDSO does not serve reach the kernel (from inside the vDSO)', async () => {
    // clock-loop reads CLOCK_MONOTONIC 3 times and others once: the vDSO hands
    // CLOCK_PROCESS_CPUTIME_ID and the invalid id 100 to the system call, as Linux's does.
    const run = await debugScript('bin/clock-loop-glibc', ['catch syscall clock_gettime', ...new Array(8).fill('continue')], { args });
    const stops = run.lines.filter((l) => l.startsWith('Catchpoint 1 (call to'));
    expect(stops).toEqual([
      expect.stringContaining('clock_gettime(CLOCK_PROCESS_CPUTIME_ID, 0x'),
      expect.stringContaining('clock_gettime(0x64 /* CLOCK_??? */, 0x'),
    ]);
    expect(run.lines.filter((l) => l.includes('and it will return to') && l.includes('<__vdso_clock_gettime+'))).toHaveLength(2);
    expect(run.lines.filter((l) => /^Catchpoint 1 \(returned from clock_gettime.*= -1 EINVAL \(Invalid argument\)$/.test(l))).toHaveLength(1);
    expect(run.lines).toContain('Program ended: it exited with status 0.');
  });

  it('catch syscall clock_gettime stops in a --no-vdso run, at entry and at return', async () => {
    const run = await debugScript('bin/clock-loop-glibc', ['catch syscall clock_gettime', 'continue', 'continue'], { args, vdso: false });
    expect(run.outputs[1][0]).toBe('Catchpoint 1 (call to clock_gettime, nr 228, via syscall): clock_gettime(CLOCK_MONOTONIC, 0x7fffffffe550)'.replace('0x7fffffffe550', run.outputs[1][0].match(/0x[0-9a-f]+\)$/)![0].slice(0, -1)));
    // At the return the kernel has filled in the timespec, and strace's decoding shows it.
    expect(run.outputs[2][0]).toMatch(/^Catchpoint 1 \(returned from clock_gettime, via syscall\): clock_gettime\(CLOCK_MONOTONIC, \{tv_sec=\d+, tv_nsec=\d+\}\) = 0$/);
    expect(run.machine.cpu.cpl).toBe(0);
  });

  it('catch vdso stops at __vdso_clock_gettime, at CPL 3, and finish returns to libc', async () => {
    const run = await debugScript('bin/clock-loop-glibc', ['catch vdso clock_gettime', 'continue', 'vdso', 'finish'], { args });
    const m = run.machine;
    const base = m.kernel.process.auxv.find(([t]) => t === 33)![1];
    const fn = m.kernel.vdso.image.functions.find((f) => f.name === '__vdso_clock_gettime')!;
    expect(run.outputs[1][0]).toBe('Catchpoint 1 (vDSO call __vdso_clock_gettime): user-mode code reading the vvar page; no kernel entry');
    expect(run.outputs[1].at(-1)).toMatch(new RegExp(`^=> ${hex(base + fn.offset)} <__vdso_clock_gettime>: .*\\(CPL 3\\)$`));
    expect(run.outputs[2].join('\n')).toMatch(/__vdso_clock_gettime +\(weak clock_gettime\) {2}0 calls/);
    expect(run.outputs[2].join('\n')).toContain('clock_mode 1 TSC');
    expect(run.outputs[3].at(-1)).toMatch(/<__clock_gettime\+0x[0-9a-f]+>: .*\(CPL 3\)$/);
    expect(m.kernel.stats.syscallsTotal).toBeGreaterThan(0);
    expect(m.kernel.stats.byName.clock_gettime ?? 0).toBe(0);
  });

  it('catch vdso does not stop when the process has no vDSO', async () => {
    const run = await debugScript('bin/clock-loop-glibc', ['catch vdso', 'continue'], { args, vdso: false });
    expect(run.outputs[0][0]).toContain('this process has no vDSO now');
    expect(run.outputs[1]).toContain('Program ended: it exited with status 0.');
  });
});

describe('pagewalk', () => {
  it('of a stack address agrees with the kernel\'s own tables', async () => {
    const run = await debugScript('bin/hello-glibc', ['break main', 'continue', 'pagewalk $rsp', 'pagewalk $rip']);
    const m = run.machine;
    const rsp = m.cpu.regSigned(4);
    const walk = run.outputs[2];
    expect(walk[0]).toBe(`pagewalk ${hex(rsp)}: CR3 = ${hex(m.mmu.cr3)}, linear address bits 47:0 = ${hex(rsp)}`);
    expect(walk.filter((l) => /^ {2}(PML4|PDPT|PD |PT )/.test(l))).toHaveLength(4);
    const phys = /physical address (0x[0-9a-f]+) \(frame (0x[0-9a-f]+) \+ offset (0x[0-9a-f]+)\): user, writable, no-execute/.exec(walk.join('\n'));
    expect(phys).not.toBeNull();
    const frame = m.kernel.tables.lookup(rsp - (rsp % 4096));
    expect(Number(phys![2])).toBe(frame);
    expect(Number(phys![1])).toBe(frame + (rsp % 4096));
    expect(walk).toContain('  area: [stack] 0x7ffffffde000-0x7ffffffff000 rw-');
    // The PT level's index is bits 20:12 of the address, its entry points at the frame.
    const pt = walk.find((l) => l.startsWith('  PT '))!;
    expect(pt).toContain(`[${String(Math.floor(rsp / 4096) % 512).padStart(3)}]`);
    expect(pt).toContain(`-> frame at ${hex(frame)}`);
    const code = run.outputs[3].join('\n');
    expect(code).toContain('user, read-only, executable');
    expect(code).toContain(`frame ${hex(m.kernel.tables.lookup(m.cpu.rip - (m.cpu.rip % 4096)))}`);
  });

  it('leaves the Accessed bits alone and reports unmapped and non-canonical addresses in one line', async () => {
    const run = await debugScript('bin/write-syscall', ['pagewalk 0x10000000', 'pagewalk 0x800000000000', 'x/2xg 0x10000000']);
    expect(run.outputs[0].at(-1)).toMatch(/^ {2}not mapped: cannot access memory at 0x10000000: nothing is mapped there \(P\w+ entry not present\)$/);
    expect(run.outputs[1]).toEqual(['0x800000000000 is not a canonical address (bits 63:47 must all equal bit 47)']);
    expect(run.outputs[2]).toHaveLength(1);
  });
});
