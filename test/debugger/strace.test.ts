import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StraceWriter } from '../../src/cli/strace.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { manifest, ManifestEntry } from '../e2e/run-fixture.js';

/**
 * `--strace` against the host's strace: each fixture runs natively under
 * `strace -f -qq` and in the emulator with the --strace observer, with the same argv,
 * the same environment (exactly the manifest's, as `env -i` would leave it) and stdout a
 * pipe on both sides. The lists of calls must be the same, in the same order, and every
 * call both show must print the same arguments and result, apart from the values that
 * legitimately differ: addresses (ASLR), the pid, random bytes, clock readings, and the
 * few differences named per fixture below.
 */

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const CLI = join(ROOT, 'dist/cli.js');

/** The fixtures compared, from fixtures/manifest.json. */
const COMPARED = ['hello-glibc', 'hello-musl', 'argv-echo-glibc', 'argv-echo-musl', 'argv-echo-glibc-bare', 'argv-echo-musl-bare', 'exit42-glibc', 'exit42-musl', 'write-syscall', 'write-int80', 'vdso-remap-glibc'];

/**
 * Arguments and results that differ between the two runs by design, per fixture
 * ('*': every fixture), as call → indexes of arguments (or 'result') not compared.
 */
const EXPECTED_DIFFERENCES: Record<string, Record<string, (number | 'result')[]>> = {
  '*': {
    // x64emu provides no rseq; glibc carries on without it (LINUX-ABI.md §7.1).
    rseq: ['result'],
    // Thread ids: the emulated process is pid 1000.
    set_tid_address: ['result'],
    getpid: ['result'],
    gettid: ['result'],
    // Random bytes and clock readings.
    getrandom: [0],
    clock_gettime: [1],
  },
  ...Object.fromEntries(['hello-glibc32', 'syscall-loop-glibc32', 'signals-glibc32'].map((name) => [name, {
    // strace appends the TLS slot the kernel chose, ` (entry_number=12)`, to the result.
    set_thread_area: ['result'],
    // The host kernel also reports STATX_MNT_ID in stx_mask; x64emu has no mount ids.
    statx: [4],
    // Pids and the uid (the emulated process is pid 1000 of uid 1000).
    tgkill: [0, 1],
    kill: [0],
    getuid32: ['result'],
  }])),
  'vdso-remap-glibc': {
    // The vDSO mapping's size is x64emu's own (vvar pages and image size), and the
    // program reserves and moves areas of that size.
    mmap: [1],
    mremap: [1, 2],
    // What it reads is /proc/self/maps: addresses.
    read: [1],
  },
};

function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

interface Call {
  name: string;
  args: string[];
  result: string;
  line: string;
}

/** One strace line: `[pid ]` and `[int80] ` stripped, the arguments split at top-level commas. */
function parse(line: string): Call | null {
  const m = /^(?:\d+ +)?(?:\[(?:int80|sysenter)\] )?([a-z_0-9]+)\((.*)\)\s+= (.*)$/.exec(line);
  if (!m) return null;
  return { name: m[1], args: splitArgs(m[2]), result: m[3], line };
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (s.trim()) out.push(s.slice(start).trim());
  return out;
}

/** Addresses (hex values of 0x10000 and up) become `0x…`; what remains is compared. */
function maskAddresses(s: string): string {
  return s.replace(/0x[0-9a-f]+/g, (h) => (BigInt(h) >= 0x10000n ? '0x…' : h));
}

function normalize(call: Call, fixture: string): string {
  const skip = [...(EXPECTED_DIFFERENCES['*'][call.name] ?? []), ...(EXPECTED_DIFFERENCES[fixture]?.[call.name] ?? [])];
  const args = call.args.map((a, i) => (skip.includes(i) ? '…' : maskAddresses(a)));
  const result = skip.includes('result') ? '…' : maskAddresses(call.result);
  return `${call.name}(${args.join(', ')}) = ${result}`;
}

/**
 * The native run: stdout a pipe (`| cat`; Node's own stdio pipes are sockets, and glibc
 * treats those differently), the environment exactly the manifest's.
 */
function native(strace: string, entry: ManifestEntry): { calls: Call[]; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-strace-'));
  const out = join(dir, 'trace');
  try {
    // The shell exports PWD: env -i gives the program exactly the manifest's environment.
    const environment = Object.entries(entry.env).map(([k, v]) => `${k}=${v}`);
    const argv = [CAT!, ENV!, '-i', ...environment, strace, '-f', '-qq', '-o', out, entry.binary, ...entry.args];
    const r = spawnSync('/bin/sh', ['-c', 'c=$1; shift; "$@" | "$c" >/dev/null', 'sh', ...argv], { cwd: FIXTURES, env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    if (!existsSync(out)) return { calls: [], error: r.stderr.toString().trim() || `status ${r.status}` };
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    // execve is the tracer's view of the exec itself; x64emu's run starts after it.
    const calls = lines.map(parse).filter((c): c is Call => c !== null && c.name !== 'execve');
    return { calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function emulated(entry: ManifestEntry): { calls: Call[]; lines: string[]; status: number } {
  const host = new MemoryHost();
  const machine = new Machine({ host });
  const lines: string[] = [];
  machine.kernel.observer = new StraceWriter(machine.kernel, (l) => lines.push(l));
  const path = join(FIXTURES, entry.binary);
  machine.load({ image: readFileSync(path), path, execPath: entry.binary, argv: [entry.binary, ...entry.args], envp: Object.entries(entry.env).map(([k, v]) => `${k}=${v}`) });
  const outcome = machine.run(500_000_000);
  const calls = lines.map(parse).filter((c): c is Call => c !== null);
  return { calls, lines, status: outcome.kind === 'exited' ? outcome.status : -1 };
}

const entries = manifest();
const STRACE = findProgram('strace');
const CAT = findProgram('cat');
const ENV = findProgram('env');
const probe = STRACE && CAT && ENV ? native(STRACE, entries.find((e) => e.name === 'write-syscall')!) : undefined;
const skipReason = !STRACE ? 'strace is not installed' : !CAT || !ENV ? 'cat or env is not on PATH' : probe?.error ? `strace cannot trace here (${probe.error})` : probe && probe.calls.length === 0 ? 'strace printed no calls' : undefined;
if (skipReason) console.log(`skipping the comparison with the host's strace: ${skipReason}`);

/** 32-bit programs (issue 8; their runs are in test/e2e/compat32.test.ts), as the manifest would list them. */
const COMPARED_32: ManifestEntry[] = ['hello-glibc32', 'syscall-loop-glibc32', 'signals-glibc32'].map((name) => ({
  name, binary: `bin/${name}`, args: [], env: { LANG: 'C' }, stdout: '', status: 0,
}));

describe.skipIf(skipReason !== undefined)("--strace lists the same calls as the host's strace -f", () => {
  for (const name of [...COMPARED, ...COMPARED_32.map((e) => e.name)]) {
    it(name, () => {
      const entry = [...entries, ...COMPARED_32].find((e) => e.name === name)!;
      const real = native(STRACE!, entry);
      const emu = emulated(entry);
      expect(emu.status).toBe(entry.status);
      // Every line of ours parses as a strace line.
      expect(emu.calls.map((c) => c.line)).toEqual(emu.lines);
      expect(emu.calls.map((c) => c.name)).toEqual(real.calls.map((c) => c.name));
      expect(emu.calls.map((c) => normalize(c, name))).toEqual(real.calls.map((c) => normalize(c, name)));
    });
  }
});

describe('x64emu run --strace and --trace-vdso', () => {
  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, 'run', ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LANG: 'C' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('prints strace lines on stderr, aligned, with the entry path of ia32 calls', () => {
    const r = run(['--strace', 'fixtures/bin/write-int80']);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('Hello from int 0x80!\n');
    expect(r.stderr).toBe('[int80] write(1, "Hello from int 0x80!\\n", 21) = 21\n[int80] exit(7)                         = ?\n');
  });

  it('decodes the start-up of a glibc program', () => {
    const r = run(['--strace', 'fixtures/bin/hello-glibc']);
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^rseq\(0x[0-9a-f]+, 0x20, 0, 0x53053053\) += -1 ENOSYS \(Function not implemented\)$/));
    expect(lines).toContain('prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0');
    expect(lines).toContainEqual(expect.stringMatching(/^readlink\("\/proc\/self\/exe", ".*"(\.\.\.)?, 4096\) = \d+$/));
    expect(lines).toContainEqual(expect.stringMatching(/^getrandom\("(\\x[0-9a-f]{2}){8}", 8, GRND_NONBLOCK\) += 8$/));
    expect(lines).toContain('exit_group(0)                           = ?');
  });

  it('keeps the one-line warning for an unimplemented call, then prints the call', () => {
    const lines: string[] = [];
    const machine = new Machine({ host: new MemoryHost() });
    const w = new StraceWriter(machine.kernel, (l) => lines.push(l));
    w.onUnknownSyscall('syscall', 999, 'syscall_999');
    w.onSyscallExit('syscall', 999, 'syscall_999', [1, 0, 0, 0, 0, 0], -38);
    expect(lines).toEqual([
      'x64emu: unimplemented system call syscall_999 (syscall #999): returning -ENOSYS',
      'syscall_999(0x1, 0, 0, 0, 0, 0)         = -1 ENOSYS (Function not implemented)',
    ]);
  });

  it('--trace-vdso shows the clock reads that never enter the kernel', () => {
    const r = run(['--trace-vdso', '--strace', 'fixtures/bin/vdso-probe-glibc']);
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n');
    const vdso = lines.filter((l) => l.startsWith('[vdso] '));
    expect(vdso).toEqual([
      expect.stringMatching(/^\[vdso\] __vdso_clock_gettime\(CLOCK_REALTIME, 0x[0-9a-f]+\)$/),
      expect.stringMatching(/^\[vdso\] __vdso_clock_gettime\(CLOCK_MONOTONIC, 0x[0-9a-f]+\)$/),
    ]);
    expect(lines.some((l) => l.startsWith('clock_gettime('))).toBe(false);
    // The vDSO lines fall in order among the system calls: after start-up, before the output.
    expect(lines.indexOf(vdso[0])).toBeGreaterThan(lines.findIndex((l) => l.startsWith('mprotect(')));
    expect(lines.indexOf(vdso[1])).toBeLessThan(lines.findIndex((l) => l.startsWith('write(1, ')));
  });
});
