import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StraceWriter } from '../../src/cli/strace.js';
import { entryMark, tracePath } from '../../src/debugger/syscall-format.js';
import { elfSymbols } from '../../src/debugger/symbols.js';
import { vdso32Image } from '../../src/kernel/compat/index.js';
import { NodeFileSystem } from '../../src/host/node-fs.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { FIXTURES } from '../e2e/run-fixture.js';
import { debugScript } from './session-helper.js';

/**
 * The debugger and --strace on a 32-bit program (issue 8): symbols from its ELF32
 * .symtab and from the vdso32, 32-bit disassembly, a step through __kernel_vsyscall into
 * the kernel and back (CPL 3 → 0 → 3) on each of the three entries the kernel patches
 * in, and strace lines marked with their entry path and decoded in the ia32 layouts.
 */

const BINARY = 'bin/hello-glibc32';
const hex = (n: number): string => '0x' + n.toString(16);

/** The value of a register in `regs` output. */
function reg(lines: string[], name: string): number {
  for (const l of lines) {
    const m = new RegExp(`(?:^|\\s)${name}\\s+(0x[0-9a-f]{16})`).exec(l);
    if (m) return Number(m[1]);
  }
  throw new Error(`no ${name} in\n${lines.join('\n')}`);
}

describe('the debugger on a 32-bit program', () => {
  it('breaks at main (ELF32 symbols) and disassembles its code as 32-bit code', async () => {
    const main = elfSymbols(readFileSync(join(FIXTURES, BINARY))).find((s) => s.name === 'main')!;
    const run = await debugScript(BINARY, ['break main', 'continue', 'x/3i $pc']);
    expect(run.outputs[0]).toEqual([`Breakpoint 1 at ${hex(main.address)} <main>`]);
    // gcc -m32's main realigns the stack through ECX (objdump -d -M intel of the binary).
    expect(run.outputs[1].at(-1)).toBe(`=> ${hex(main.address)} <main>: lea ecx,[esp+0x4]  (CPL 3)`);
    expect(run.outputs[2]).toEqual([
      `=> ${hex(main.address)} <main>: lea ecx,[esp+0x4]`,
      `   ${hex(main.address + 4)} <main+0x4>: and esp,0xfffffff0`,
      `   ${hex(main.address + 7)} <main+0x7>: push DWORD PTR [ecx-0x4]`,
    ]);
  });

  // The instruction the kernel patched into __kernel_vsyscall (LINUX-ABI.md §6) and how the CPU got in.
  const cases = [
    { cpu: 'intel', insn: 'sysenter', setup: 'mov ebp,esp', entered: /^ {3}\[CPL 3 → 0\] sysenter entered the kernel: RIP ← IA32_SYSENTER_EIP 0x[0-9a-f]+ <entry_sysenter>/, stub: 'entry_sysenter', path: 'sysenter' },
    { cpu: 'amd', insn: 'syscall', setup: 'mov ebp,ecx', entered: /^ {3}\[CPL 3 → 0\] syscall entered the kernel: RIP ← IA32_CSTAR 0x[0-9a-f]+ <entry_syscall_compat>/, stub: 'entry_syscall_compat', path: 'syscall' },
    { cpu: 'legacy', insn: 'int 0x80', setup: 'nop DWORD PTR [eax+0x0]', entered: /^ {3}\[CPL 3 → 0\] int 0x80 entered the kernel through IDT vector 0x80/, stub: 'entry_int80', path: 'int80' },
  ] as const;
  for (const c of cases) {
    it(`--cpu ${c.cpu}: steps through __kernel_vsyscall's ${c.insn} into the kernel and back to int80_landing_pad (CPL 3 → 0 → 3)`, async () => {
      const run = await debugScript(BINARY, ['break __kernel_vsyscall', 'continue', 'stepi 4', 'regs', 'stepi', 'regs', 'finish', 'regs', 'stepi 4'], { cpu: c.cpu });
      const [, stop, pushes, userRegs, step, kernelRegs, finish, backRegs, back] = run.outputs;
      expect(stop.at(-1)).toMatch(/^=> 0x[0-9a-f]+ <__kernel_vsyscall>: push ecx {2}\(CPL 3\)$/);
      const entry = Number(/^=> (0x[0-9a-f]+)/.exec(stop.at(-1)!)![1]);
      // push ecx; push edx; push ebp; then the patched site (Linux's vdso32 system_call.S).
      expect(pushes.slice(0, 4).map((l) => l.replace(/^.*: /, ''))).toEqual(['push ecx', 'push edx', 'push ebp', c.setup]);
      expect(pushes.at(-1)).toMatch(new RegExp(`^=> 0x[0-9a-f]+ <__kernel_vsyscall\\+0x[57]>: ${c.insn} {2}\\(CPL 3\\)$`));
      expect(userRegs.join('\n')).toContain('cs 0x23  ss 0x2b');
      const userEsp = reg(userRegs, 'rsp');
      const userEbx = reg(userRegs, 'rbx');
      // Into the kernel: the entry stub at CPL 0 with the kernel's selectors.
      expect(step[0]).toMatch(c.entered);
      expect(step.at(-1)).toMatch(new RegExp(`^=> 0xffffffff[0-9a-f]+ <${c.stub}>: .* {2}\\(CPL 0, kernel\\)$`));
      expect(kernelRegs.join('\n')).toContain('cs 0x10');
      // Out again: the handler ran (an ia32 call, marked with its path), IRET to the landing pad at CPL 3.
      expect(finish.some((l) => l.startsWith(`   [kernel] [${c.path}] `))).toBe(true);
      const image = vdso32Image();
      const landing = entry - image.kernelVsyscall + image.int80LandingPad;
      expect(finish.some((l) => l.startsWith(`   [CPL 0 → 3] iretq returned to user mode, popping RIP ${hex(landing)} <int80_landing_pad>, CS 0x23`))).toBe(true);
      expect(finish.at(-1)).toBe(`=> ${hex(landing)} <int80_landing_pad>: pop ebp  (CPL 3)`);
      expect(backRegs.join('\n')).toContain('cs 0x23  ss 0x2b');
      expect(reg(backRegs, 'rsp')).toBe(userEsp); // the three pushes are still there for the landing pad
      expect(reg(backRegs, 'rbx')).toBe(userEbx);
      // The landing pad pops them and returns to libc.
      expect(back.slice(0, 4).map((l) => l.replace(/^.*: /, ''))).toEqual(['pop ebp', 'pop edx', 'pop ecx', 'ret']);
      expect(back.at(-1)).toMatch(/^=> 0x8[0-9a-f]+ <[^>]+>: .* {2}\(CPL 3\)$/);
      expect(run.machine.cpu.cpl).toBe(3);
    });
  }
});

describe('--strace of a 32-bit program', () => {
  function strace(binary: string, cpu: 'intel' | 'amd' | 'legacy'): string[] {
    const host = new MemoryHost();
    host.fs = new NodeFileSystem(); // calls-glibc32 maps its own file (/proc/self/exe)
    const machine = new Machine({ host, cpu });
    const lines: string[] = [];
    machine.kernel.observer = new StraceWriter(machine.kernel, (l) => lines.push(l));
    const path = join(FIXTURES, binary);
    machine.load({ image: readFileSync(path), path, execPath: binary, argv: [binary], envp: ['LANG=C'] });
    machine.run(500_000_000);
    return lines;
  }

  for (const [cpu, mark] of [['intel', '[sysenter] '], ['amd', '[syscall] '], ['legacy', '[int80] ']] as const) {
    it(`--cpu ${cpu}: every call is marked with its entry (${mark.trim()} through __kernel_vsyscall, [int80] before TLS)`, () => {
      const lines = strace('bin/calls-glibc32', cpu);
      for (const l of lines) expect(l).toMatch(/^\[(int80|sysenter|syscall)\] /);
      // glibc calls int 0x80 directly until its TCB (with the AT_SYSINFO pointer) exists,
      // and static glibc's brk always does (its objdump shows the int $0x80).
      expect(lines.slice(0, 3).every((l) => l.startsWith('[int80] '))).toBe(true);
      const direct = lines.filter((l) => !l.startsWith(mark)).map((l) => /^\[int80\] (\w+)\(/.exec(l)?.[1]);
      expect(new Set(direct)).toEqual(new Set(cpu === 'legacy' ? [] : ['brk', 'set_thread_area']));
      expect(lines.length - direct.length).toBeGreaterThan(30);
    });
  }

  it('decodes ia32 calls by their ia32 numbers and layouts through the compat syscall entry too', () => {
    const lines = strace('bin/calls-glibc32', 'amd').map((l) => l.replace(/ +=/, ' ='));
    // ugetrlimit (ia32 191): struct rlimit of two u32; old_mmap (90): its arguments from memory.
    expect(lines).toContain('[syscall] ugetrlimit(RLIMIT_STACK, {rlim_cur=8192*1024, rlim_max=RLIM_INFINITY}) = 0');
    expect(lines).toContainEqual(expect.stringMatching(/^\[syscall\] mmap\(NULL, 12288, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x[0-9a-f]{8}$/));
    expect(lines).toContain('[syscall] mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) = -1 EBADF (Bad file descriptor)');
    expect(lines).toContain('[syscall] mmap(0x10) = -1 EFAULT (Bad address)');
    // _llseek's two offset halves as one value, as the host's strace shows it.
    expect(lines).toContain('[syscall] _llseek(3, 4096, [4096], SEEK_SET) = 0');
    expect(lines).toContainEqual(expect.stringMatching(/^\[syscall\] mmap\(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0x1000\) = 0x[0-9a-f]{8}$/));
    expect(lines).toContain('[syscall] getuid() = 1000');
    expect(lines).toContain('[syscall] getuid32() = 1000');
  });

  it('names the syscall entry by the ABI it served: the frame\'s CS (compatibility mode or not) and the task', () => {
    const load = (binary: string): Machine => {
      const m = new Machine({ host: new MemoryHost() });
      const path = join(FIXTURES, binary);
      m.load({ image: readFileSync(path), path, execPath: binary, argv: [binary], envp: [] });
      return m;
    };
    const k32 = load('bin/hello-glibc32').kernel;
    k32.frame.set('cs', 0x23); // __USER32_CS: the ia32 syscall through IA32_CSTAR
    expect(tracePath(k32, 'syscall')).toBe('syscall32');
    k32.frame.set('cs', 0x33); // __USER_CS: a 64-bit call made by the 32-bit task
    expect(tracePath(k32, 'syscall')).toBe('syscall64');
    expect(tracePath(k32, 'sysenter')).toBe('sysenter');
    const k64 = load('bin/hello-glibc').kernel;
    k64.frame.set('cs', 0x33);
    expect(tracePath(k64, 'syscall')).toBe('syscall');
  });

  it('marks a 64-bit task\'s syscall with nothing, a 32-bit task\'s with its path', () => {
    expect(entryMark('syscall')).toBe('');
    expect(entryMark('syscall32')).toBe('[syscall] ');
    expect(entryMark('syscall64')).toBe('[syscall64] ');
    expect(entryMark('sysenter')).toBe('[sysenter] ');
  });
});
