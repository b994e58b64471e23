import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `x64emu debug` end to end: the built CLI, commands on stdin or in a --script file. */

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');

function debug(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'debug', ...args], { cwd: ROOT, input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LANG: 'C' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('x64emu debug', () => {
  it('reads commands from piped stdin, echoes them after the prompt, and keeps the guest output in order', () => {
    const r = debug(['--no-aslr', 'fixtures/bin/write-syscall'], 'break _start+0x16\ncontinue\nstepi\nfinish\ncontinue\nquit\n');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^x64emu debugger: fixtures\/bin\/write-syscall: static executable, entry 0x401000 <_start>, \d+ symbols, vDSO at 0x7ffff7ffe000, pid 1000$/);
    expect(lines).toContain('(x64emu) break _start+0x16');
    expect(lines).toContain('Breakpoint 1 at 0x401016 <_start+0x16>');
    expect(lines).toContain('=> 0xffffffff81000000 <entry_syscall_64>: swapgs  (CPL 0, kernel)');
    // The program's write lands between the command that ran it and the next prompt.
    const finish = lines.indexOf('(x64emu) finish');
    const hello = lines.indexOf('Hello from the syscall instruction!');
    expect(hello).toBeGreaterThan(finish);
    expect(hello).toBeLessThan(lines.indexOf('(x64emu) continue', finish));
    expect(lines).toContain('=> 0x401018 <_start+0x18>: mov eax,0x3c  (CPL 3)');
    expect(lines).toContain('Program ended: it exited with status 0.');
    expect(lines.at(-2)).toBe('(x64emu) quit');
  });

  it('runs a --script file and ends at its end (stdin not a terminal)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x64emu-debug-'));
    const script = join(dir, 'session.gdb');
    writeFileSync(script, '# comments are skipped\ncatch syscall exit\ncontinue\nsyscalls\n');
    const r = debug(['--no-aslr', '--script', script, 'fixtures/bin/write-int80']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(x64emu) catch syscall exit\nCatchpoint 1 (syscall \'exit\'): stops when it enters the kernel and when it returns\n');
    expect(r.stdout).toContain('Hello from int 0x80!\nCatchpoint 1 (call to exit, ia32 nr 1, via int 0x80): exit(7)\n');
    expect(r.stdout).toContain('    1  [int80] write(1, "Hello from int 0x80!\\n", 21) = 21\n');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('No vDSO calls yet.');
  });

  it('--no-vdso, --strace and program arguments pass through', () => {
    const r = debug(['--no-aslr', '--no-vdso', '--strace', 'fixtures/bin/argv-echo-musl', 'a b', 'c'], 'continue\n');
    expect(r.stdout).toContain('no vDSO, pid 1000');
    expect(r.stdout).toContain('argc=3');
    expect(r.stdout).toContain('[a b]');
    expect(r.stderr).toMatch(/^writev?\(1, /m);
  });

  it('a missing program or a bad option is one line and a non-zero status', () => {
    const missing = debug(['fixtures/bin/nonexistent']);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toBe('x64emu: ' + join(ROOT, 'fixtures/bin/nonexistent') + ': No such file or directory\n');
    const bad = debug(['--cpu', 'z80', 'fixtures/bin/write-syscall']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("x64emu: --cpu must be one of intel, amd, legacy, got 'z80'\n");
    const notElf = debug(['package.json']);
    expect(notElf.status).toBe(126);
    expect(notElf.stderr.split('\n')).toHaveLength(2);
  });
});

function haveGdb(): boolean {
  return spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;
}

describe('gdbserver in the REPL', () => {
  if (!haveGdb()) console.log('skipping the gdbserver REPL test: gdb is not installed');
  it.skipIf(!haveGdb())('lets the host\'s gdb step the program, then takes it back where gdb left it', async () => {
    const child = spawn(process.execPath, [CLI, 'debug', '--no-aslr', 'fixtures/bin/write-syscall'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (re: RegExp): Promise<RegExpExecArray> => {
      for (let i = 0; i < 300; i++) {
        const m = re.exec(out);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${re} in:\n${out}`);
    };
    child.stdin.write('break _start+0x16\ngdbserver\n');
    const [, address] = await waitFor(/Waiting for gdb on (127\.0\.0\.1:\d+)/);
    const gdb = spawnSync('gdb', ['-batch', '-nx', '-ex', `target remote ${address}`, '-ex', 'stepi', '-ex', 'info registers rip', '-ex', 'detach', join(ROOT, 'fixtures/bin/write-syscall')], { encoding: 'utf8', timeout: 30_000 });
    expect(gdb.stdout).toMatch(/rip +0x401005 +0x401005 <_start\+5>/);
    await waitFor(/gdb detached; the program is stopped where gdb left it\.\n=> 0x401005 <_start\+0x5>: mov edi,0x1 {2}\(CPL 3\)\n/);
    child.stdin.end('continue\ncontinue\nquit\n');
    const status = await new Promise<number | null>((r) => child.on('close', r));
    expect(status).toBe(0);
    expect(out).toContain('Breakpoint 1, 0x401016 <_start+0x16> (1st hit)');
    expect(out).toContain('Program ended: it exited with status 0.');
  });
});
