import { describe, expect, it } from 'vitest';
import { commandWords, COMMANDS, helpAll } from '../../src/debugger/help.js';
import { debugScript, findInstruction } from './session-helper.js';

const hex = (n: number): string => '0x' + n.toString(16);

describe('bad input prints one line and the session goes on', () => {
  const bad: Array<[string, RegExp]> = [
    ['frobnicate', /^Unknown command 'frobnicate'\. Type 'help' for the list of commands\.$/],
    ['break nosuchsymbol', /^no symbol named 'nosuchsymbol'/],
    ['break _start+', /^the expression '_start\+' ends too early$/],
    ['x/4xg 0', /^cannot access memory at 0x0: nothing is mapped there/],
    ['x/4xg', /^usage: x\/<n><fmt><size> <addr\|expr>/],
    ['x/4qz $rsp', /^usage: x\//],
    ['x/s 0xdead0000', /^cannot access memory at 0xdead0000/],
    ['x/i 0xffff800000000000', /nothing is mapped there/],
    ['x/xg 0x800000000000', /is not a canonical address/],
    ['pagewalk', /^usage: pagewalk <vaddr>/],
    ['pagewalk 0x8000000000000000', /is not a canonical address/],
    ['disas 0x10', /nothing is mapped there/],
    ['stepi zero', /^usage: stepi \[n\]/],
    ['continue -1', /^usage: continue \[n\]/],
    ['catch nothing', /^usage: catch syscall/],
    ['catch syscall notacall', /^unknown system call 'notacall'/],
    ['catch syscall 99999', /^no x86-64 system call number 99999$/],
    ['catch vdso nosuchfn', /^the vDSO has no function 'nosuchfn'/],
    ['catch fault #XX', /^unknown exception '#XX'/],
    ['delete 42', /^No breakpoint number 42\./],
    ['watch', /^usage: watch/],
    ['watch $rsp 1000', /^a watchpoint covers 1 to 64 bytes$/],
    ['info nothing', /^usage: info /],
    ['print', /^usage: print/],
    ['print $nosuchreg', /^no register named \$nosuchreg/],
    ['print (1+2', /^missing '\)'/],
    ['print 0x1ffffffffffffffff', /does not fit in 64 bits/],
    ['syscalls -3', /^usage: syscalls/],
    ['run now', /^run takes no arguments here/],
    ['regs/x', /^usage: regs/],
  ];

  it.each(bad)('%s', async (command, expected) => {
    const run = await debugScript('bin/write-syscall', [command, 'stepi']);
    expect(run.outputs[0]).toHaveLength(1);
    expect(run.outputs[0][0]).toMatch(expected);
    expect(run.outputs[1].at(-1)).toMatch(/^=> 0x401005 <_start\+0x5>: mov edi,0x1 {2}\(CPL 3\)$/);
  });

  it('execution commands after the end say so in one line; run starts over and breakpoints stay', async () => {
    const run = await debugScript('bin/write-syscall', ['break _start+0x16', 'continue', 'continue', 'stepi', 'finish', 'run', 'info breakpoints']);
    expect(run.outputs[2]).toContain('Program ended: it exited with status 0.');
    expect(run.outputs[3]).toEqual(["The program is not running (it exited with status 0). 'run' starts it again."]);
    expect(run.outputs[4]).toHaveLength(1);
    expect(run.outputs[5][0]).toBe('Starting bin/write-syscall over from its entry point 0x401000 <_start>.');
    expect(run.outputs[5][1]).toBe('Breakpoint 1, 0x401016 <_start+0x16> (1st hit)');
    expect(run.outputs[6]).toEqual(['Num  Type        Hits  What', '1    breakpoint     1  0x401016 <_start+0x16>']);
  });
});

describe('help', () => {
  it('lists every command and explains each one', async () => {
    const run = await debugScript('bin/write-syscall', ['help', ...COMMANDS.map((c) => `help ${c.name.split(' ')[0]}`), 'help nosuch']);
    const all = run.outputs[0].join('\n');
    for (const c of COMMANDS) expect(all).toContain(c.summary);
    expect(run.outputs.at(-1)).toEqual(["No command 'nosuch'. Type 'help' for the list."]);
    expect(helpAll().length).toBeGreaterThan(COMMANDS.length);
    expect(commandWords()).toEqual(expect.arrayContaining(['break', 'b', 'stepi', 'si', 'nexti', 'ni', 'until-syscall', 'pagewalk', 'x']));
  });

  it('completes command names, info topics and symbols', async () => {
    const run = await debugScript('bin/hello-glibc', []);
    expect(run.session.complete('unt')).toEqual(['until-syscall']);
    expect(run.session.complete('st')).toEqual(['stack', 'stepi']);
    expect(run.session.complete('info br')).toEqual(['info breakpoints']);
    expect(run.session.complete('break mai')).toContain('break main');
    expect(run.session.complete('print $rs')).toEqual(['print $rsi', 'print $rsp']);
  });
});

describe('stepping', () => {
  it('stepi n lists the instructions it ran; nexti steps over a call and over a system call', async () => {
    const run = await debugScript('bin/hello-glibc', ['break main', 'continue', 'stepi 2', 'nexti', 'syscalls 1']);
    expect(run.outputs[2]).toEqual([
      expect.stringMatching(/^ {3}0x[0-9a-f]+ <main>: sub rsp,0x8$/),
      expect.stringMatching(/^ {3}0x[0-9a-f]+ <main\+0x4>: lea rdi,/),
      expect.stringMatching(/^=> 0x[0-9a-f]+ <main\+0xb>: call [0-9a-f]+ <_IO_puts> {2}\(CPL 3\)$/),
    ]);
    expect(run.outputs[3]).toEqual([expect.stringMatching(/^=> 0x[0-9a-f]+ <main\+0x10>: xor eax,eax {2}\(CPL 3\)$/)]);
    const sc = findInstruction('bin/write-syscall', '_start', 'syscall');
    const run2 = await debugScript('bin/write-syscall', [`break *${hex(sc.address)}`, 'continue', 'nexti']);
    expect(run2.outputs[2]).toEqual([
      '   [kernel] write(1, "Hello from the syscall instructi"..., 36) = 36   (the kernel\'s handler ran at the vmcall)',
      expect.stringMatching(/^ {3}\(syscall: CPL 3 → 0 → 3 in \d+ instructions; 'stepi' shows the way through the kernel\)$/),
      `=> ${hex(sc.address + 2)} <_start+0x18>: mov eax,0x3c  (CPL 3)`,
    ]);
  });

  it('finish from a function entry stops at the return address in the caller', async () => {
    const run = await debugScript('bin/hello-glibc', ['break _IO_puts', 'continue', 'finish', 'bt']);
    expect(run.outputs[2][0]).toMatch(/^Run till exit from 0x[0-9a-f]+ <_IO_puts>\.\.\.$/);
    expect(run.outputs[2]).toContainEqual(expect.stringMatching(/^Returned to 0x[0-9a-f]+ <main\+0x10>; rax = 0x000000000000000e/));
    expect(run.outputs[2].at(-1)).toMatch(/<main\+0x10>: xor eax,eax {2}\(CPL 3\)$/);
    expect(run.outputs[3][0]).toMatch(/^#0 {2}0x[0-9a-f]+ <main\+0x10>$/);
  });

  it('until-syscall stops at the next system call entry, with its entry path and arguments', async () => {
    const run = await debugScript('bin/write-int80', ['until-syscall', 'until-syscall', 'continue']);
    expect(run.outputs[0][0]).toBe('System call (call to write, ia32 nr 4, via int 0x80): write(1, "Hello from int 0x80!\\n", 21)');
    expect(run.outputs[1][0]).toBe('System call (call to exit, ia32 nr 1, via int 0x80): exit(7)');
    expect(run.outputs[2]).toContain('Program ended: it exited with status 7.');
  });

  it('continue n goes on to the n-th stop', async () => {
    const run = await debugScript('bin/hello-glibc', ['catch syscall brk', 'continue 3', 'info breakpoints']);
    expect(run.outputs[1][0]).toBe('   (stop 1 of 3: syscall-entry brk)');
    expect(run.outputs[1][1]).toBe('   (stop 2 of 3: syscall-exit brk)');
    expect(run.outputs[1][2]).toMatch(/^Catchpoint 1 \(call to brk, nr 12, via syscall\): brk\(0x[0-9a-f]+\)$/);
    expect(run.outputs[2][1]).toMatch(/^1 +catch +3 {2}syscall brk/);
  });

  it('Ctrl-C (interrupt) stops a long run and the program can go on', async () => {
    const run = await debugScript('bin/clock-loop-glibc', [], { args: ['2000000'] });
    const going = run.session.execute('continue');
    setTimeout(() => run.session.interrupt(), 200);
    await going;
    expect(run.lines).toContain('Interrupted.');
    expect(run.session.isRunning).toBe(true);
    expect(run.lines.at(-1)).toMatch(/^=> 0x[0-9a-f]+ .*\(CPL [03].*\)$/);
  });
});

describe('inside the kernel', () => {
  it('bt and maps find the user\'s state wherever the entry stub is: RCX right after syscall, then the frame it pushes', async () => {
    const sc = findInstruction('bin/hello-glibc', '__libc_write', 'syscall');
    const after = hex(sc.address + sc.length);
    const run = await debugScript('bin/hello-glibc', [`break *${hex(sc.address)}`, 'continue', 'stepi', 'bt', 'stepi 10', 'bt', 'maps', 'regs rip rcx r11 $rflags']);
    const [, , , bt1, , bt2, maps, regs] = run.outputs;
    expect(bt1[0]).toBe('#0  0xffffffff81000000 <entry_syscall_64>  (kernel entry code, CPL 0)');
    expect(bt1[1]).toBe("    the user's state is in RCX (as SYSCALL saved it); the user frames:");
    expect(bt1[2]).toMatch(new RegExp(`^#1 {2}${after} <__libc_write\\+0x[0-9a-f]+>$`));
    expect(bt2[1]).toMatch(/^ {4}the user's state is in (pt_regs at 0xffffffff82ffff58|the IRET frame on the kernel stack); the user frames:$/);
    expect(bt2[2]).toMatch(new RegExp(`^#1 {2}${after} <__libc_write\\+0x[0-9a-f]+>$`));
    expect(maps.join('\n')).toMatch(/\[stack\] +<- user rsp/);
    expect(regs[0]).toMatch(/^rip {4}0xffffffff81[0-9a-f]{6} <entry_syscall_64\+0x[0-9a-f]+>$/);
    expect(regs[1]).toMatch(new RegExp(`^rcx +0x0+${after.slice(2)} <__libc_write\\+0x[0-9a-f]+>$`));
    expect(regs[3]).toMatch(/^rflags 0x0+2 \[ {2}\]$/);
  });
});

describe('watchpoints', () => {
  it('stop after the instruction that changed the bytes, and name the kernel when a system call wrote them', async () => {
    const run = await debugScript('bin/clock-loop-glibc', ['catch syscall clock_gettime', 'continue', 'delete', 'print $rsi'], { args: ['3'], vdso: false });
    const buffer = /= (0x[0-9a-f]+)/.exec(run.outputs[3][0])![1];
    const run2 = await debugScript('bin/clock-loop-glibc', ['catch syscall clock_gettime', 'continue', 'delete', `watch ${buffer} 16`, 'continue', 'continue', 'info breakpoints'], { args: ['3'], vdso: false });
    const [set, byKernel, byUser, info] = run2.outputs.slice(3);
    expect(set[0]).toMatch(new RegExp(`^Watchpoint 2: ${buffer}, 16 bytes = `));
    expect(byKernel[0]).toBe(`Watchpoint 2: ${buffer} (16 bytes) changed`);
    expect(byKernel).toContainEqual(expect.stringMatching(/^ {3}written by the kernel during clock_gettime\(CLOCK_MONOTONIC, \{tv_sec=\d+, tv_nsec=\d+\}\) = 0$/));
    expect(byUser).toContainEqual(expect.stringMatching(/^ {3}written by 0x[0-9a-f]+ <main\+0x[0-9a-f]+>: /));
    expect(info[1]).toBe(`2    watchpoint     2  ${buffer}, 16 bytes (writes)`);
  });
});

describe('system calls decoded as strace decodes them', () => {
  it('inputs at entry, outputs at the return, and the history keeps both', async () => {
    const run = await debugScript('bin/vdso-probe-glibc', ['catch syscall newfstatat mmap', 'continue', 'continue', 'continue', 'continue', 'syscalls 2']);
    expect(run.outputs[1][0]).toBe('Catchpoint 1 (call to mmap, nr 9, via syscall): mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)');
    expect(run.outputs[2][0]).toMatch(/^Catchpoint 1 \(returned from mmap, via syscall\): mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x7ffff7[0-9a-f]{6}$/);
    expect(run.outputs[3][0]).toMatch(/^Catchpoint 1 \(call to newfstatat, nr 262, via syscall\): newfstatat\(1, "", 0x7fff[0-9a-f]+, AT_EMPTY_PATH\)$/);
    expect(run.outputs[4][0]).toMatch(/^Catchpoint 1 \(returned from newfstatat, via syscall\): newfstatat\(1, "", \{st_mode=S_IF\w+\|0\d+, st_size=0, \.\.\.\}, AT_EMPTY_PATH\) = 0$/);
    expect(run.outputs[5].slice(-3, -1)).toEqual([
      expect.stringMatching(/^ +\d+ {2}mmap\(NULL, 4096, .*\) = 0x7ffff7[0-9a-f]{6}$/),
      expect.stringMatching(/^ +\d+ {2}newfstatat\(1, "", \{st_mode=.*\}, AT_EMPTY_PATH\) = 0$/),
    ]);
  });

  it('a vDSO catchpoint shows the call with its arguments from the registers', async () => {
    const run = await debugScript('bin/vdso-probe-glibc', ['catch vdso', 'continue', 'continue']);
    expect(run.outputs[1][1]).toMatch(/^ {3}\[vdso\] __vdso_clock_gettime\(CLOCK_REALTIME, 0x7fff[0-9a-f]+\)$/);
    expect(run.outputs[2][1]).toMatch(/^ {3}\[vdso\] __vdso_clock_gettime\(CLOCK_MONOTONIC, 0x7fff[0-9a-f]+\)$/);
  });
});

describe('catch fault', () => {
  it('stops at a demand-paging page fault before the kernel maps the page', async () => {
    const run = await debugScript('bin/hello-glibc', ['catch fault #PF', 'continue', 'pagewalk $cr2', 'continue']);
    const stop = run.outputs[1];
    expect(stop[0]).toMatch(/^Catchpoint 1 \(fault #PF, page fault\) at 0x[0-9a-f]+ <[\w.+]+>: not-present, (read|write), user access to 0x[0-9a-f]+$/);
    expect(stop[1]).toMatch(/is in .*: the kernel will give it a page \(demand paging\) and the instruction will run again\.$/);
    expect(stop.at(-1)).toMatch(/\(CPL 0, kernel\)$/);
    expect(run.outputs[2].join('\n')).toContain('not mapped');
    expect(run.outputs[3][0]).toMatch(/^Catchpoint 1 \(fault #PF/);
  });
});

describe('views', () => {
  it('regs, info cpu, maps, auxv and stack show the machine as the kernel set it up', async () => {
    const run = await debugScript('bin/argv-echo-musl', ['regs', 'info cpu', 'maps', 'auxv', 'stack'], { args: ['one', 'two words'] });
    const [regs, cpu, maps, auxv, stack] = run.outputs.map((o) => o.join('\n'));
    expect(regs).toMatch(/^rax 0x0000000000000000 {2}rbx/);
    expect(regs).toContain('rip 0x');
    expect(regs).toMatch(/rflags 0x0000000000000202 \[ IF \]/);
    expect(regs).toContain('cs 0x33  ss 0x2b  ds 0x0  es 0x0  fs 0x0  gs 0x0   CPL 3 (user mode: the RPL of CS)');
    expect(regs).toContain('kernel_gs_base 0xffffffff82003000 (the kernel\'s per-CPU area)');
    expect(cpu).toContain('CR0 0x0000000080050033 [ PE MP ET NE WP AM PG ]');
    expect(cpu).toContain('EFER 0x0000000000000d01 [ SCE LME LMA NXE ]');
    expect(cpu).toContain('  0x30  64-bit code, DPL 3, readable  <- CS');
    expect(cpu).toContain('  0x40  64-bit TSS (available), base 0xffffffff82002000, limit 0x67, DPL 0  <- TR');
    expect(cpu).toMatch(/ {2}0x80 {2}int 0x80 -> 0xffffffff[0-9a-f]+ <entry_int80>, interrupt gate, DPL 3/);
    expect(cpu).toContain('IA32_LSTAR        0xffffffff81000000 <entry_syscall_64> (where SYSCALL jumps)');
    expect(cpu).toContain('IA32_STAR         0x0023001000000000 (SYSCALL: CS 0x10 SS 0x18; SYSRET to 64-bit: CS 0x33 SS 0x2b)');
    expect(maps).toMatch(/r-xp .*argv-echo-musl +<- rip/);
    expect(maps).toMatch(/\[stack\] +<- rsp/);
    expect(maps).toContain('[vdso]');
    expect(auxv).toMatch(/^AT_SYSINFO_EHDR +0x7ffff7ffe000 +the vDSO's ELF header/m);
    expect(auxv).toMatch(/^AT_PAGESZ +4096 +page size/m);
    expect(auxv).toMatch(/^AT_PLATFORM +0x[0-9a-f]+ "x86_64"/m);
    expect(auxv).toMatch(/^AT_RANDOM +0x[0-9a-f]+ \[([0-9a-f]{2} ){15}[0-9a-f]{2}\]/m);
    const st = run.machine.exec!.stack;
    expect(stack).toContain(`(RSP was ${hex(st.rsp)})`);
    expect(stack).toMatch(new RegExp(`^ {2}${hex(st.rsp)} +argc +3$`, 'm'));
    expect(stack).toContain(`${hex(st.argvAddrs[2])} -> "two words"`);
    expect(stack).toMatch(/argv\[3\] +NULL/);
    expect(stack).toMatch(/envp\[0\] +0x[0-9a-f]+ -> "LANG=C"/);
    expect(stack).toMatch(/auxv AT_RANDOM +0x/);
    expect(stack).toMatch(new RegExp(`^ {2}${hex(st.randomAddr)} +AT_RANDOM bytes +\\[`, 'm'));
    expect(stack).toMatch(new RegExp(`^ {2}${hex(st.platformAddr)} +AT_PLATFORM string +"x86_64"$`, 'm'));
  });

  it('vdso without a vDSO explains; syscalls marks the ia32 entry paths', async () => {
    const run = await debugScript('bin/write-int80', ['vdso', 'continue', 'syscalls'], { vdso: false });
    expect(run.outputs[0][0]).toMatch(/^This process has no vDSO/);
    expect(run.outputs[2]).toEqual([
      '2 system calls so far (int80 2):',
      '    1  [int80] write(1, "Hello from int 0x80!\\n", 21) = 21',
      '    2  [int80] exit(7) = ?',
    ]);
  });

  it('disas names symbols and marks RIP; bt falls back to a stack scan without frame pointers', async () => {
    const run = await debugScript('bin/hello-glibc', ['break _IO_puts', 'continue', 'disas main', 'bt', 'disas $rip 2']);
    const dis = run.outputs[2];
    expect(dis[0]).toBe('Dump of main (23 bytes):');
    expect(dis).toContainEqual(expect.stringMatching(/^ {3}0x[0-9a-f]+ <main\+0xb>: +e8 [0-9a-f ]+ call [0-9a-f]+ <_IO_puts>$/));
    const bt = run.outputs[3];
    expect(bt[0]).toMatch(/^#0 {2}0x[0-9a-f]+ <_IO_puts>$/);
    expect(bt).toContainEqual(expect.stringMatching(/^ {6}\[0x7ff[0-9a-f]+\] 0x[0-9a-f]+ <main\+0x10>$/));
    expect(run.outputs[4][0]).toMatch(/^=> 0x[0-9a-f]+ <_IO_puts>: /);
  });
});

describe('gdbserver', () => {
  it('hands the machine to gdb and takes it back where gdb left it, breakpoints intact', async () => {
    const seen: number[] = [];
    const run = await debugScript('bin/write-syscall', ['break _start+0x16', 'gdbserver 1234', 'info breakpoints', 'continue'], {
      session: {
        gdbserver: async (machine, port) => {
          seen.push(port);
          // "gdb" single-steps twice, then detaches.
          machine.step();
          machine.step();
          return { host: '127.0.0.1', port, finished: Promise.resolve({ reason: 'detached' as const }), close: () => {} };
        },
      },
    });
    expect(seen).toEqual([1234]);
    expect(run.outputs[1]).toEqual([
      'Waiting for gdb on 127.0.0.1:1234: in gdb, type  target remote 127.0.0.1:1234',
      '(the debugger resumes when gdb detaches, kills the program or disconnects; Ctrl-C stops waiting)',
      'gdb detached; the program is stopped where gdb left it.',
      '=> 0x40100a <_start+0xa>: lea rsi,[rip+0xfef] # 402000 <msg>  (CPL 3)',
    ]);
    expect(run.outputs[3][0]).toBe('Breakpoint 1, 0x401016 <_start+0x16> (1st hit)');
  });

  it('reports the end when gdb ran the program to its end, and needs a front end that can listen', async () => {
    const run = await debugScript('bin/write-syscall', ['gdbserver', 'stepi'], {
      session: {
        gdbserver: async (machine, port) => ({ host: '127.0.0.1', port: 40000 + port, finished: Promise.resolve({ reason: 'exited' as const, outcome: machine.run() }), close: () => {} }),
      },
    });
    expect(run.outputs[0]).toContain('gdb ran the program to its end.');
    expect(run.outputs[0]).toContain('Program ended: it exited with status 0.');
    expect(run.outputs[1]).toEqual(["The program is not running (it exited with status 0). 'run' starts it again."]);
    const bare = await debugScript('bin/write-syscall', ['gdbserver 1']);
    expect(bare.outputs[0]).toEqual(['gdbserver is not available in this front end']);
  });
});
