/**
 * Acceptance for the gdb remote stub (issue 5, item 3): the host's real gdb, in batch
 * mode, drives `x64emu run --gdb` (dist/cli.js, built by the global setup) and the
 * in-process `createGdbServer` the REPL's `gdbserver` uses. Skips, saying why, where
 * gdb is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGdbServer } from '../../src/debugger/gdb/server.js';
import { elfSymbols } from '../../src/debugger/symbols.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { parseElf } from '../../src/loader/elf.js';
import { Machine } from '../../src/machine.js';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');

const gdbWorks = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = gdbWorks ? null : 'gdb is not installed on this host (apt-get install gdb)';
if (skipReason) console.log(`gdb acceptance tests skipped: ${skipReason}`);

function symbol(binary: string, name: string): number {
  const s = elfSymbols(readFileSync(join(ROOT, binary))).find((x) => x.name === name);
  if (!s) throw new Error(`${binary}: no symbol ${name}`);
  return s.address;
}

interface Exited {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `x64emu run --gdb 127.0.0.1:0 <elf>` and reads back the port it chose. */
async function startEmulator(binary: string, args: string[] = []): Promise<{ port: number; exited: Promise<Exited> }> {
  const child = spawn(process.execPath, [CLI, 'run', '--gdb', '127.0.0.1:0', binary, ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<Exited>((resolveExit) => child.on('close', (status) => resolveExit({ status, stdout, stderr })));
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /waiting for gdb on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolvePort(Number(m[1]));
    });
    void exited.then((e) => reject(new Error(`the emulator exited (${e.status}) before listening: ${e.stderr}`)));
  });
  return { port, exited };
}

/** Runs gdb -batch against the stub with `commands`, each one -ex. */
function runGdb(port: number, binary: string, commands: string[]): Promise<Exited> {
  const argv = ['-q', '-n', '-batch', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) argv.push('-ex', c);
  argv.push(join(ROOT, binary));
  const child = spawn('gdb', argv, { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolveRun) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    }),
  );
}

const hex = (n: number): string => `0x${n.toString(16)}`;

describe.skipIf(skipReason !== null)('gdb drives x64emu run --gdb', () => {
  it('break main, continue, registers, x/s, stepi, catch syscall write, info auxv, run to the exit', { timeout: 120_000 }, async () => {
    const binary = 'fixtures/bin/hello-glibc';
    const main = symbol(binary, 'main');
    const entry = parseElf(readFileSync(join(ROOT, binary))).entry;
    const emulator = await startEmulator(binary);
    const gdb = await runGdb(emulator.port, binary, [
      'break main',
      'continue',
      'info registers rip',
      'x/s *(char **)$rsi', // argv[0]
      'stepi',
      'info registers rip',
      'catch syscall write',
      'continue',
      'x/s $rsi',
      'continue',
      'info registers rax',
      'info auxv',
      'continue',
    ]);
    const out = gdb.stdout;
    const emu = await emulator.exited;
    const context = `gdb stdout:\n${out}\ngdb stderr:\n${gdb.stderr}\nemulator stderr:\n${emu.stderr}`;
    expect(out, context).toMatch(new RegExp(`Breakpoint 1, 0x0*${main.toString(16)} in main \\(\\)`));
    expect(out, context).toMatch(new RegExp(`^rip +${hex(main)} +${hex(main)} <main>$`, 'm'));
    expect(out, context).toMatch(/:\s+"fixtures\/bin\/hello-glibc"/);
    // stepi moved to the next instruction of main.
    expect(out, context).toMatch(new RegExp(`^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\\+[1-9][0-9]*>$`, 'm'));
    expect(out, context).toContain("Catchpoint 2 (syscall 'write' [1])");
    expect(out, context).toMatch(/Catchpoint 2 \(call to syscall write\), 0x[0-9a-f]+ in (__libc_)?write \(\)/);
    expect(out, context).toContain('"Hello, world!\\n"');
    expect(out, context).toMatch(/Catchpoint 2 \(returned from syscall write\)/);
    expect(out, context).toMatch(/^rax +0xe +14$/m);
    expect(out, context).toMatch(/^3 +AT_PHDR +Program headers for program +0x400040$/m);
    expect(out, context).toMatch(/^6 +AT_PAGESZ +System page size +4096$/m);
    expect(out, context).toMatch(new RegExp(`^9 +AT_ENTRY +Entry point of program +${hex(entry)}$`, 'm'));
    // The vDSO sits below the randomised mmap base (28 random page bits under the stack
    // gap, src/kernel/aslr.ts): anywhere from 0x7eff... to 0x7fff..., a 47-bit user address.
    expect(out, context).toMatch(/^33 +AT_SYSINFO_EHDR +.* 0x7[0-9a-f]{11}$/m);
    expect(out, context).toMatch(/^31 +AT_EXECFN +File name of executable +0x[0-9a-f]+ "fixtures\/bin\/hello-glibc"$/m);
    expect(out, context).toContain('[Inferior 1 (Remote target) exited normally]');
    expect(gdb.stderr, context).not.toMatch(/error|warning: .*(packet|register)/i);
    expect(emu.stdout).toBe('Hello, world!\n');
    expect(emu.status, context).toBe(0);
  });

  it("the emulator exits with the guest's status", { timeout: 120_000 }, async () => {
    const binary = 'fixtures/bin/exit42-glibc';
    const emulator = await startEmulator(binary);
    const gdb = await runGdb(emulator.port, binary, ['break main', 'continue', 'continue']);
    const emu = await emulator.exited;
    expect(gdb.stdout).toContain('Breakpoint 1, ');
    expect(gdb.stdout).toContain('[Inferior 1 (Remote target) exited with code 052]');
    expect(emu.status).toBe(42);
  });

  it('stepi over `syscall` lands on the next user instruction; register writes change the call', { timeout: 120_000 }, async () => {
    const binary = 'fixtures/bin/write-syscall';
    const start = symbol(binary, '_start');
    const emulator = await startEmulator(binary);
    const gdb = await runGdb(emulator.port, binary, [
      `break *${hex(start + 22)}`, // the first syscall (objdump -d)
      'continue',
      'x/i $pc',
      'stepi',
      'info registers rip rax rcx',
      'catch syscall exit',
      'continue',
      'info registers orig_rax rdi',
      'set $rdi = 7',
      'continue',
    ]);
    const emu = await emulator.exited;
    const out = gdb.stdout;
    const context = `gdb stdout:\n${out}\ngdb stderr:\n${gdb.stderr}\nemulator stderr:\n${emu.stderr}`;
    expect(out, context).toMatch(/=> 0x401016 <_start\+22>:\s+syscall/);
    expect(out, context).toMatch(new RegExp(`^rip +${hex(start + 24)} +${hex(start + 24)} <_start\\+24>$`, 'm'));
    expect(out, context).toMatch(/^rax +0x24 +36$/m); // write's result
    expect(out, context).toMatch(new RegExp(`^rcx +${hex(start + 24)} +\\d+$`, 'm')); // SYSCALL saved RIP
    expect(out, context).toMatch(/Catchpoint 2 \(call to syscall exit\)/);
    expect(out, context).toMatch(/^orig_rax +0x3c +60$/m);
    expect(out, context).toContain('[Inferior 1 (Remote target) exited with code 07]');
    expect(emu.stdout).toBe('Hello from the syscall instruction!\n');
    expect(emu.status).toBe(7);
  });

  it('a fatal fault is "received signal SIGSEGV" first, then the program dies of it', { timeout: 120_000 }, async () => {
    const binary = 'fixtures/bin/vsyscall-glibc';
    const emulator = await startEmulator(binary, ['read']); // reads the xonly vsyscall page: SIGSEGV
    const gdb = await runGdb(emulator.port, binary, ['continue', 'x/i $pc', 'continue']);
    const emu = await emulator.exited;
    expect(gdb.stdout).toContain('Program received signal SIGSEGV, Segmentation fault.');
    expect(gdb.stdout).toMatch(/=> 0x[0-9a-f]+ <main\+\d+>:.*0xffffffffff600000/);
    expect(gdb.stdout).toContain('Program terminated with signal SIGSEGV, Segmentation fault.');
    expect(emu.status).toBe(128 + 11);
  });
});

describe.skipIf(skipReason !== null)('createGdbServer (the REPL hook)', () => {
  it('serves an in-process machine; gdb -batch kills it on quit', { timeout: 120_000 }, async () => {
    const binary = 'fixtures/bin/hello-glibc';
    const host = new MemoryHost();
    const machine = new Machine({ host, aslr: false });
    const path = join(ROOT, binary);
    machine.load({ image: readFileSync(path), path, execPath: 'hello', argv: ['hello'], envp: [] });
    const server = await createGdbServer(machine, { port: 0 });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    const gdb = await runGdb(server.port, binary, ['break main', 'continue', 'x/s *(char **)$rsi', 'info registers rip']);
    const end = await server.finished;
    expect(gdb.stdout).toMatch(/:\s+"hello"/);
    expect(gdb.stdout).toMatch(/^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main>$/m);
    expect(end).toMatchObject({ reason: 'killed', outcome: { kind: 'signaled', signal: 9 } });
    expect(machine.kernel.debugStops).toBeNull(); // hooks handed back
  });
});

describe('createGdbServer without gdb', () => {
  it('close() before gdb connects ends it as disconnected', async () => {
    const machine = new Machine({ host: new MemoryHost(), aslr: false });
    const path = join(ROOT, 'fixtures/bin/exit42-glibc');
    machine.load({ image: readFileSync(path), path, argv: ['exit42'], envp: [] });
    const server = await createGdbServer(machine, { port: 0 });
    server.close();
    expect(await server.finished).toEqual({ reason: 'disconnected' });
  });
});
