/**
 * --memory and --timeout: a guest that allocates without bound gets -ENOMEM and the host
 * stays within a fixed overhead of the limit; memory nobody promised (MAP_NORESERVE,
 * page tables) running out is an OOM kill, never a JavaScript exception; a wall-clock
 * limit ends a run with its own status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENOMEM } from '../../src/kernel/errno.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { allocateWithoutBound, hugeBss, spinForever, touchNoReserve } from './guests.js';

const CLI = resolve(__dirname, '../../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'x64emu-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function guestFile(name: string, image: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, image, { mode: 0o755 });
  return path;
}

/** The host's peak RSS allowed above the guest memory: node itself (~60 MiB) and the emulator. */
const HOST_OVERHEAD_MIB = 100;

/** Runs the CLI in a node process that reports its own peak RSS (KiB) at exit. */
function runMeasured(args: string[]): { status: number | null; stderr: string; maxRssKiB: number } {
  const wrapper =
    "process.on('exit', () => process.stderr.write('maxrss_kib ' + process.resourceUsage().maxRSS + '\\n'));" +
    // With -e, commander takes the arguments from argv[1] on, as node passes them.
    `await import(${JSON.stringify(CLI)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, ...args], { encoding: 'utf8', timeout: 60_000 });
  const m = /maxrss_kib (\d+)/.exec(r.stderr);
  return { status: r.status, stderr: r.stderr.replace(/maxrss_kib \d+\n/, ''), maxRssKiB: m ? Number(m[1]) : NaN };
}

function load(image: Uint8Array, memoryMiB: number): Machine {
  const machine = new Machine({ host: new MemoryHost(), memoryMiB, seed: 1 });
  machine.load({ image, path: '/guest', argv: ['guest'], envp: [] });
  return machine;
}

describe('--memory', () => {
  it('a guest that allocates without bound gets -ENOMEM from mmap, then brk stops moving', () => {
    const machine = load(allocateWithoutBound(), 64);
    const mmaps: number[] = [];
    machine.kernel.observer = { onSyscallExit: (_p, _nr, name, _a, result) => name === 'mmap' && mmaps.push(result) };
    expect(machine.run(2_000_000_000)).toEqual({ kind: 'exited', status: 0 });
    // 1 MiB each, every page touched: all but what the kernel, the stack and page tables hold.
    expect(mmaps.filter((r) => r > 0).length).toBeGreaterThanOrEqual(56);
    expect(mmaps.at(-1)).toBe(-ENOMEM);
  });

  it(`keeps the host under --memory + ${HOST_OVERHEAD_MIB} MiB of peak RSS (--memory 64)`, () => {
    const r = runMeasured(['run', '--memory', '64', guestFile('alloc', allocateWithoutBound())]);
    console.log(`peak RSS for a guest that allocates without bound under --memory 64: ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.maxRssKiB).toBeLessThan((64 + HOST_OVERHEAD_MIB) * 1024);
  });

  it('memory nobody promised running out (MAP_NORESERVE) is an OOM kill: SIGKILL, status 137, one line', () => {
    const r = runMeasured(['run', '--memory', '64', guestFile('noreserve', touchNoReserve())]);
    expect(r.status).toBe(137);
    expect(r.stderr).toMatch(/^Killed \[SIGKILL in .*noreserve: out of memory: all 64 MiB of guest memory in use \(--memory\)\]\n$/);
    expect(r.maxRssKiB).toBeLessThan((64 + HOST_OVERHEAD_MIB) * 1024);
  });

  it('a page table that finds no frame is an OOM kill too', () => {
    const machine = load(touchNoReserve(), 32);
    while (machine.phys.framesFree > 0) machine.phys.allocFrame(); // nothing left for the first page table
    const outcome = machine.run(100_000_000);
    expect(outcome).toMatchObject({ kind: 'signaled', signal: 9 });
    expect(outcome.kind === 'signaled' && outcome.reason).toMatch(/out of memory/);
  });

  it('a program whose writable segments do not fit is refused at exec: status 126, one line', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--memory', '16', guestFile('bss', hugeBss(64 << 20))], { encoding: 'utf8' });
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/^x64emu: .*bss: Cannot allocate memory: the program does not fit in 16 MiB of guest memory \(--memory\)\n$/);
  });
});

describe('--timeout', () => {
  it('stops a guest that never ends after the wall-clock limit: status 125, one line', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'run', '--timeout', '0.5', guestFile('spin', spinForever())], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^x64emu: stopped .*spin after 0\.\d seconds and \d+ instructions \(--timeout\)\n$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('is checked between slices in the library too (Machine.timeLimitSeconds)', () => {
    let now = 0;
    const host = new MemoryHost();
    host.monotonicNs = () => (now += 1e8); // 0.1 s per look at the clock
    const machine = new Machine({ host, memoryMiB: 16, seed: 1 });
    machine.load({ image: spinForever(), path: '/spin', argv: ['spin'], envp: [] });
    machine.timeLimitSeconds = 1;
    expect(machine.run()).toMatchObject({ kind: 'timeout' });
  });

  it('rejects a limit that is not a positive number of seconds', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--timeout', 'soon', guestFile('spin2', spinForever())], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("x64emu: --timeout must be a positive number of seconds, got 'soon'\n");
  });
});
