import { Command } from 'commander';
import { runCommand } from './run-command.js';

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
  .option('--strace', 'print one line per system call to stderr')
  .option('--memory <MiB>', 'guest physical memory', '512')
  .option('--cpu <model>', 'CPU model: intel or amd', 'intel')
  .option('--max-insns <n>', 'stop after n instructions (exit status 124)')
  .option('--trace <file>', 'write each user instruction address to FILE, in native-trace format')
  .option('--trace-regs', 'with --trace: registers and flags too (native-trace -r)')
  .passThroughOptions()
  .action((elf: string, args: string[], options) => {
    process.exitCode = runCommand(elf, args, options);
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
