import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportOutcome } from '../../src/cli/run-command.js';
import { FIXTURES, runFixture } from '../e2e/run-fixture.js';

/**
 * Signals (issue 7). The catching side — handlers for every fault, frames, masks,
 * queues, sigaltstack — is the `signals-*` fixture entries, compared with their native
 * runs in test/e2e/fixtures.test.ts. These are the ways a process ends by a signal,
 * which the fixture recorder cannot record: the emulated outcome is checked against
 * Linux's rules and, where the host can run it, against the same binary run natively.
 */
const LIBCS = ['glibc', 'musl'] as const;

function native(binary: string, args: string[]): { stdout: string; signal: NodeJS.Signals | null; status: number | null } {
  const r = spawnSync(join(FIXTURES, binary), args, { cwd: FIXTURES, env: { LANG: 'C' }, encoding: 'utf8', timeout: 20_000 });
  return { stdout: r.stdout, signal: r.signal, status: r.status };
}

/** The host's stack limit bounds the native run of die:overflow; unlimited, it would eat memory. */
const hostStackLimited = spawnSync('sh', ['-c', 'ulimit -s'], { encoding: 'utf8' }).stdout.trim() !== 'unlimited';

const SIGNUM: Record<string, number> = { SIGILL: 4, SIGABRT: 6, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGSTOP: 19 };

describe('fatal signals', () => {
  // [mode, the signal it dies of, what the reason says]
  const cases: Array<[string, string, RegExp]> = [
    ['abort', 'SIGABRT', /sent by t?g?kill/],
    ['blocked-fault', 'SIGILL', /#UD/], // force_sig: a blocked fault is unblocked, its handler reset
    ['ignored-fault', 'SIGFPE', /#DE/], // SIG_IGN does not ignore a fault
    ['no-restorer', 'SIGSEGV', /no SA_RESTORER/],
    ['bad-sigreturn', 'SIGSEGV', /rt_sigreturn with a bad frame at 0x8/],
    ['term', 'SIGUSR1', /sent by t?g?kill/],
    ['fault-in-handler', 'SIGSEGV', /#PF reading 0x10/], // SIGSEGV while SIGSEGV is blocked
    ['overflow', 'SIGSEGV', /cannot deliver SIGSEGV .*no room for the frame/], // the stack is gone
  ];
  for (const libc of LIBCS) {
    for (const [mode, signal, reason] of cases) {
      it(`${libc} die:${mode} ends with ${signal}, as natively`, () => {
        const binary = `bin/signals-${libc}`;
        const run = runFixture(binary, [`die:${mode}`], { LANG: 'C' });
        expect(run.stdout).toBe(`die: ${mode}\n`);
        expect(run.outcome).toMatchObject({ kind: 'signaled', signal: SIGNUM[signal] });
        expect((run.outcome as { reason: string }).reason).toMatch(reason);
        if (mode === 'overflow' && !hostStackLimited) return;
        const host = native(binary, [`die:${mode}`]);
        expect(host).toEqual({ stdout: run.stdout, signal, status: null });
      });
    }
  }

  it('a stop signal ends the run: nothing could continue the guest', () => {
    const run = runFixture('bin/signals-musl', ['die:stop'], { LANG: 'C' });
    expect(run.outcome).toMatchObject({ kind: 'signaled', signal: SIGNUM.SIGSTOP, reason: expect.stringMatching(/^stopped by SIGSTOP/) });
  });

  it('sigsuspend with nothing that could ever arrive ends the run with SIGKILL instead of hanging', () => {
    const run = runFixture('bin/signals-glibc', ['die:suspend'], { LANG: 'C' });
    expect(run.stdout).toBe('die: suspend\n');
    expect(run.outcome).toMatchObject({ kind: 'signaled', signal: SIGNUM.SIGKILL, reason: expect.stringMatching(/rt_sigsuspend would wait forever/) });
  });
});

describe('how the CLI reports a signal death', () => {
  afterEach(() => vi.restoreAllMocks());

  it('abort(): status 134 and "Aborted (core dumped)", as the shell reports it', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    expect(reportOutcome('prog', { kind: 'signaled', signal: 6, reason: 'sent by tgkill (SIGABRT)' })).toBe(134);
    expect(lines.join('')).toMatch(/^Aborted \(core dumped\) \[SIGABRT in prog: /);
  });

  it('terminate without a core: "User defined signal 1", status 138', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    expect(reportOutcome('prog', { kind: 'signaled', signal: 10, reason: 'x' })).toBe(138);
    expect(lines.join('')).toMatch(/^User defined signal 1 \[SIGUSR1/);
  });
});

describe('SIGBUS', () => {
  it('the unbacked [vvar_vclock] pages give SIGBUS with BUS_ADRERR and si_addr = the page', () => {
    const run = runFixture('bin/signals-glibc', ['vclock'], { LANG: 'C' });
    const lines = run.stdout.trim().split('\n').slice(1);
    expect(lines).toHaveLength(2); // pvclock and hvclock, neither in use here
    expect(lines[0]).toMatch(/^read vclock\+0 +BUS +si_code 2 si_errno 0 si_addr vclock\+0x0 .* trapno 14 err 0x4 cr2 vclock\+0x0 /);
    expect(lines[1]).toMatch(/^read vclock\+0x1000 +BUS +si_code 2 si_errno 0 si_addr vclock\+0x1000 .* trapno 14 err 0x4 cr2 vclock\+0x1000 /);
    expect(run.outcome).toEqual({ kind: 'exited', status: 0 });
  });
});
