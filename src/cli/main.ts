import { Command } from 'commander';
import { debugCommand } from './debug-command.js';
import { disasmCommand } from './disasm-command.js';
import { runCommand } from './run-command.js';
import { vdsoDump, vdsoInfo } from './vdso-command.js';

/**
 * The x64emu command line. Anything a guest does ends in a one-line report and an exit
 * status; only a bug in the emulator itself reaches the last-resort handler below.
 */
const program = new Command();
program.enablePositionalOptions().name('x64emu').description('A full-system x86-64 emulator: run static Linux ELF programs on an emulated CPU and kernel').version('0.1.0');

program
  .command('run')
  .description('run a static x86-64 Linux program; exits with its status')
  .argument('<elf>', 'the program')
  .argument('[args...]', 'its arguments')
  .option('--strace', 'print one line per system call to stderr, as strace does (decoded arguments, errno names)')
  .option('--trace-vdso', 'print one line per vDSO call to stderr (calls that never enter the kernel)')
  .option('--stats', 'print instruction, system call and vDSO counts to stderr at exit')
  .option('--stats-json <file>', 'write the statistics as JSON')
  .option('--memory <MiB>', 'guest physical memory, 16-2047 (default 512); mmap/brk beyond it fail with ENOMEM')
  .option('--cpu <model>', 'CPU model: intel or amd (default intel)')
  .option('--no-vdso', 'map no vDSO and omit AT_SYSINFO_EHDR (Linux vdso=0)')
  .option('--no-aslr', 'disable address-space randomization (like setarch -R)')
  .option('--seed <n>', 'seed every random choice (layout, AT_RANDOM, getrandom) to repeat a run')
  .option('--clock <source>', 'host (follow the host clock, default) or virtual (time advances with instructions)')
  .option('--epoch <seconds>', 'start of the virtual clock, seconds since 1970 (default 946684800)')
  .option('--vsyscall <mode>', 'legacy vsyscall page: xonly (default), emulate or none')
  .option('--root <dir>', "the host directory that is the guest's / (default /): no guest path reaches outside it")
  .option('--max-insns <n>', 'stop after n instructions (exit status 124)')
  .option('--timeout <seconds>', 'stop after this much wall-clock time (exit status 125)')
  .option('--trace <file>', 'write each user instruction address to FILE, in native-trace format')
  .option('--trace-regs', 'with --trace: registers and flags too (native-trace -r)')
  .option('--gdb <host:port>', 'wait for gdb on a loopback HOST:PORT (gdb: target remote HOST:PORT) and let it drive the program')
  .passThroughOptions()
  .action((elf: string, args: string[], options) => {
    const status = runCommand(elf, args, options);
    if (typeof status === 'number') process.exitCode = status;
    else void status.then((s) => (process.exitCode = s));
  });

const vdso = program.command('vdso').description('the vDSO image the kernel maps into every process');
vdso
  .command('dump')
  .description('write the image to FILE (inspect it with readelf -a, objdump -d)')
  .argument('<file>')
  .option('--32', 'the 32-bit image (linux-gate.so.1)')
  .option('--cpu <model>', 'with --32: patch __kernel_vsyscall for intel (sysenter), amd (syscall) or legacy (int 0x80)')
  .action((file: string, opts: { '32'?: boolean; cpu?: string }) => {
    process.exitCode = vdsoDump(file, opts);
  });
vdso
  .command('info')
  .description('list its symbols, offsets and the vvar layout')
  .option('--32', 'the 32-bit image (linux-gate.so.1) and the entry __kernel_vsyscall is patched to')
  .option('--cpu <model>', 'with --32: intel (sysenter, default), amd (syscall) or legacy (int 0x80)')
  .action((opts: { '32'?: boolean; cpu?: string }) => {
    process.exitCode = vdsoInfo(opts);
  });

program
  .command('debug')
  .description('debug a program: breakpoints, stepping into the kernel, system call and vDSO catchpoints, page walks')
  .argument('<elf>', 'the program')
  .argument('[args...]', 'its arguments')
  .option('--script <file>', 'run the debugger commands in FILE (then stop, unless stdin is a terminal)')
  .option('--stdin <file>', "the program's standard input (default: empty, as the debugger reads the terminal)")
  .option('--strace', 'also print one line per system call to stderr')
  .option('--memory <MiB>', 'guest physical memory (default 512)')
  .option('--cpu <model>', 'CPU model: intel or amd (default intel)')
  .option('--no-vdso', 'map no vDSO and omit AT_SYSINFO_EHDR (Linux vdso=0)')
  .option('--no-aslr', 'disable address-space randomization (like setarch -R)')
  .option('--seed <n>', 'seed every random choice to repeat a run')
  .option('--clock <source>', 'host (default) or virtual (time advances with instructions)')
  .option('--epoch <seconds>', 'start of the virtual clock, seconds since 1970')
  .option('--vsyscall <mode>', 'legacy vsyscall page: xonly (default), emulate or none')
  .option('--root <dir>', "the host directory that is the guest's / (default /): no guest path reaches outside it")
  .passThroughOptions()
  .action(async (elf: string, args: string[], options) => {
    try {
      process.exitCode = await debugCommand(elf, args, options);
    } catch (e) {
      process.stderr.write(`x64emu: internal error: ${(e as Error).message}\n${process.env.X64EMU_DEBUG ? `${(e as Error).stack}\n` : ''}`);
      process.exitCode = 70;
    }
  });

program
  .command('disasm')
  .description('disassemble the executable segments of an ELF file (Intel syntax)')
  .argument('<elf>')
  .action((elf: string) => {
    process.exitCode = disasmCommand(elf);
  });

try {
  program.parse();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`x64emu: internal error: ${message}\n`);
  if (process.env.X64EMU_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  else process.stderr.write('x64emu: this is a bug in the emulator; set X64EMU_DEBUG=1 for a stack trace\n');
  process.exitCode = 70;
}
