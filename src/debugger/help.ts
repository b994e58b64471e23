/**
 * The debugger's commands: names, short aliases, one-line usage and a longer help text.
 * `help` lists them by group; `help <command>` prints one; a bad use of a command prints
 * its usage line.
 */
export interface CommandHelp {
  name: string;
  aliases: string[];
  group: 'execution' | 'breakpoints' | 'state' | 'kernel' | 'session';
  usage: string;
  summary: string;
  details: string[];
}

export const COMMANDS: CommandHelp[] = [
  {
    name: 'continue', aliases: ['c', 'cont'], group: 'execution', usage: 'continue [n]',
    summary: 'run until a breakpoint, watchpoint or catchpoint stops the program (the n-th stop)',
    details: ['With n, keep going past n-1 stops and stop at the n-th.', 'Interrupt a long run with Ctrl-C.'],
  },
  {
    name: 'run', aliases: ['r'], group: 'execution', usage: 'run',
    summary: 'start the program (over, from its entry point, if it already ran) and continue',
    details: ['Breakpoints, watchpoints and catchpoints are kept; breakpoints set by symbol are placed again.'],
  },
  {
    name: 'stepi', aliases: ['si'], group: 'execution', usage: 'stepi [n]',
    summary: 'execute n instructions (default 1), following syscall/int 0x80 into the kernel',
    details: [
      'Each change of privilege level is shown with what the CPU saved: RCX/R11 for syscall,',
      'the IRET frame for int 0x80 and exceptions, and what sysretq/iretq restored.',
      'With n > 1 the executed instructions are listed.',
    ],
  },
  {
    name: 'nexti', aliases: ['ni'], group: 'execution', usage: 'nexti [n]',
    summary: 'like stepi, but a call runs to its return and a system call to its return to user mode',
    details: [],
  },
  {
    name: 'finish', aliases: ['fin'], group: 'execution', usage: 'finish',
    summary: 'run until the current function returns (in the kernel: until back in user mode)',
    details: ['The return address comes from [rsp] at a function\'s first instruction or from the frame pointer;', 'otherwise the program is stepped until a ret leaves the frame.'],
  },
  {
    name: 'until-syscall', aliases: ['us'], group: 'execution', usage: 'until-syscall',
    summary: 'run until the next system call enters the kernel (any entry path)',
    details: ['vDSO calls (clock_gettime, gettimeofday, time, getcpu) do not enter the kernel and do not stop here.'],
  },
  {
    name: 'break', aliases: ['b', 'br'], group: 'breakpoints', usage: 'break <addr|symbol|symbol+off>',
    summary: 'stop before the instruction at an address',
    details: ['Examples: break main, break _start+26, break *0x401000, break $rip+5. Without an argument: at RIP.'],
  },
  {
    name: 'delete', aliases: ['d'], group: 'breakpoints', usage: 'delete [number ...]',
    summary: 'delete breakpoints, watchpoints and catchpoints by number (all without arguments)',
    details: [],
  },
  {
    name: 'watch', aliases: ['wa'], group: 'breakpoints', usage: 'watch <addr|expr> [len]',
    summary: 'stop after an instruction (or the kernel, in a system call) changes len bytes (default 8)',
    details: ['The program runs one instruction at a time while a watchpoint exists (slower).'],
  },
  {
    name: 'catch', aliases: [], group: 'breakpoints', usage: 'catch syscall [name|number ...] | catch vdso [symbol ...] | catch fault [#PF #GP ...]',
    summary: 'stop at system calls (entry and return), vDSO function entries, or CPU exceptions',
    details: [
      'catch syscall write openat    stop when these calls enter the kernel and when they return',
      'catch syscall 228             a number is an x86-64 system call number (228 = clock_gettime)',
      'catch vdso clock_gettime      stop at the first instruction of __vdso_clock_gettime',
      'catch fault                   stop at every exception from user mode before the kernel handles it',
      '                              (page faults of demand paging included); or name vectors: catch fault #UD #GP',
    ],
  },
  {
    name: 'info', aliases: ['i'], group: 'breakpoints', usage: 'info breakpoints|registers|cpu|auxv|maps|vdso|syscalls|symbols [pattern]',
    summary: 'list breakpoints, or show one of the views below',
    details: ['info breakpoints (info b) lists breakpoints, watchpoints and catchpoints with their hit counts.', 'info symbols PATTERN lists the symbols whose names contain PATTERN.'],
  },
  {
    name: 'regs', aliases: ['info registers'], group: 'state', usage: 'regs [name ...]',
    summary: 'general registers, RIP, decoded RFLAGS, segment selectors, CPL, FS/GS base (or just the ones named)',
    details: [],
  },
  {
    name: 'x', aliases: [], group: 'state', usage: 'x/<n><fmt><size> <addr|expr>',
    summary: 'examine memory: fmt x d u o t c a s i, size b h w g (x/4xg $rsp, x/s 0x402000, x/3i $rip)',
    details: ['Addresses are translated through the page tables without side effects; a bad one prints why.'],
  },
  {
    name: 'disas', aliases: ['disassemble'], group: 'state', usage: 'disas [addr|symbol] [n]',
    summary: 'disassemble n instructions (default 10, or a whole function given by name), with symbols',
    details: [],
  },
  {
    name: 'bt', aliases: ['backtrace', 'where'], group: 'state', usage: 'bt',
    summary: 'backtrace by frame pointers, or likely return addresses on the stack when there are none',
    details: [],
  },
  {
    name: 'print', aliases: ['p'], group: 'state', usage: 'print <expr>',
    summary: 'evaluate an expression: print $rsp+8, print main, print *($rsp)',
    details: [],
  },
  {
    name: 'info cpu', aliases: [], group: 'state', usage: 'info cpu',
    summary: 'control registers, EFER, the GDT, the IDT, the TSS and the MSRs the kernel programmed',
    details: [],
  },
  {
    name: 'maps', aliases: [], group: 'kernel', usage: 'maps',
    summary: '/proc/self/maps of the program, with arrows at the areas holding RIP and RSP',
    details: [],
  },
  {
    name: 'auxv', aliases: [], group: 'kernel', usage: 'auxv',
    summary: 'the aux vector the kernel passed, with meanings',
    details: [],
  },
  {
    name: 'stack', aliases: [], group: 'kernel', usage: 'stack',
    summary: 'the initial stack: argc, argv, envp, auxv, AT_RANDOM bytes, platform string, with addresses',
    details: [],
  },
  {
    name: 'vdso', aliases: [], group: 'kernel', usage: 'vdso',
    summary: 'the vDSO image, its symbols and call counts, and the vvar fields read from the live page',
    details: [],
  },
  {
    name: 'pagewalk', aliases: ['pw'], group: 'kernel', usage: 'pagewalk <vaddr>',
    summary: 'walk the page tables: each level\'s index, entry and flags, the physical address, the TLB',
    details: [],
  },
  {
    name: 'syscalls', aliases: ['sc'], group: 'kernel', usage: 'syscalls [n|all]',
    summary: 'the system calls made so far (the last 20, or n, or all), and the vDSO calls that made none',
    details: [],
  },
  {
    name: 'gdbserver', aliases: [], group: 'session', usage: 'gdbserver [port]',
    summary: 'let gdb drive the program (target remote 127.0.0.1:PORT) until it detaches',
    details: ['Without a port the system picks a free one. Only loopback addresses are used.'],
  },
  {
    name: 'help', aliases: ['h', '?'], group: 'session', usage: 'help [command]',
    summary: 'list the commands, or explain one',
    details: [],
  },
  {
    name: 'quit', aliases: ['q', 'exit'], group: 'session', usage: 'quit',
    summary: 'leave the debugger',
    details: [],
  },
];

const GROUP_TITLES: Record<CommandHelp['group'], string> = {
  execution: 'Running',
  breakpoints: 'Stopping',
  state: 'The CPU and memory',
  kernel: 'The kernel\'s side',
  session: 'Session',
};

/** The command a word names (by name or alias), if any. */
export function findCommand(word: string): CommandHelp | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

/** Every name and alias, for tab completion. */
export function commandWords(): string[] {
  return [...new Set(COMMANDS.flatMap((c) => [c.name, ...c.aliases]).filter((w) => !w.includes(' ')))].sort();
}

export function helpAll(): string[] {
  const out: string[] = ['Commands (short forms in parentheses; `help <command>` for more):'];
  for (const group of Object.keys(GROUP_TITLES) as CommandHelp['group'][]) {
    out.push(`${GROUP_TITLES[group]}:`);
    for (const c of COMMANDS.filter((x) => x.group === group)) {
      const short = c.aliases.length ? ` (${c.aliases.join(', ')})` : '';
      const left = `  ${c.usage.split(' | ')[0]}${short}`;
      if (left.length > 42) out.push(left, `${' '.repeat(43)}${c.summary}`);
      else out.push(`${left.padEnd(42)} ${c.summary}`);
    }
  }
  out.push('Addresses accept symbols, registers and arithmetic: main+4, $rsp+8, *($rsp), 0x401000.');
  return out;
}

export function helpFor(word: string): string[] {
  const c = findCommand(word);
  if (!c) return [`No command '${word}'. Type 'help' for the list.`];
  const out = [`${c.usage}${c.aliases.length ? `   (also: ${c.aliases.join(', ')})` : ''}`, `  ${c.summary}`];
  for (const d of c.details) out.push(`  ${d}`);
  return out;
}

/** The one line printed when a command is used wrongly. */
export function usageLine(name: string): string {
  const c = findCommand(name);
  return c ? `usage: ${c.usage}  (help ${c.name} for more)` : `Unknown command '${name}'. Type 'help' for the list of commands.`;
}
