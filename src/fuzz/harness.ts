/**
 * What the three fuzzers share: the case loop (fixed seed, a case count or a time
 * budget), the rule every case must keep (no JavaScript exception escapes; the guest ends
 * in an exit, a signal or the instruction limit) and the report.
 */
import { MemoryHost } from '../kernel/host.js';
import { IDT_ADDR, KERNEL_TEXT } from '../kernel/layout.js';
import { SIGNAL_NAMES } from '../kernel/signals.js';
import { Machine, RunOutcome } from '../machine.js';
import { Rng } from './rng.js';

/** One thing a fuzzer found: replay it with the same fuzzer, seed and case number. */
export interface Finding {
  fuzzer: string;
  seed: number;
  index: number;
  problem: string;
  /** The guest input that showed it (an ELF image), when there is one to keep. */
  input?: Uint8Array;
}

export interface FuzzReport {
  fuzzer: string;
  seed: number;
  cases: number;
  seconds: number;
  /** How the cases ended: exited, SIGSEGV, limit, rejected (ElfError) ... */
  outcomes: Record<string, number>;
  findings: Finding[];
  /** Extra counters a fuzzer keeps (system calls made, -EFAULT answers, ...). */
  counters: Record<string, number>;
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many cases ... */
  cases?: number;
  /** ... or after this much time, whichever comes first (at least one case runs). */
  seconds?: number;
  /** First case number (to replay one case: firstCase = N, cases = 1). */
  firstCase?: number;
  /** Told before each case starts (the fuzz runner's watchdog). */
  onCase?: (index: number) => void;
  /** A case slower than this is a finding (the host must not hang on guest input). */
  slowCaseSeconds?: number;
}

/** What one case reports back to the loop. */
export interface CaseResult {
  outcome: string;
  problems: string[];
  input?: Uint8Array;
}

export interface CaseContext {
  rng: Rng;
  index: number;
  counters: Record<string, number>;
  /** The case's input, recorded as soon as it exists so an exception still reports it. */
  input?: Uint8Array;
}

/**
 * The fuzzers' machines: small, deterministic, with captured output and MemoryHost's
 * in-memory file system (so no case can touch a host file, whatever it unlinks).
 */
export function fuzzMachine(rng: Rng, memoryMiB = 64): Machine {
  return new Machine({ host: new MemoryHost(), memoryMiB, seed: rng.u32(), clock: 'virtual', aslr: rng.chance(0.8) });
}

export function fuzzLoop(fuzzer: string, fuzzerId: number, options: FuzzOptions, runCase: (ctx: CaseContext) => CaseResult): FuzzReport {
  const report: FuzzReport = { fuzzer, seed: options.seed, cases: 0, seconds: 0, outcomes: {}, findings: [], counters: {} };
  const started = performance.now();
  const maxCases = options.cases ?? Infinity;
  const budgetMs = (options.seconds ?? Infinity) * 1000;
  const slowMs = (options.slowCaseSeconds ?? 10) * 1000;
  for (let index = options.firstCase ?? 0; report.cases < maxCases; index++) {
    if (report.cases > 0 && performance.now() - started >= budgetMs) break;
    options.onCase?.(index);
    const ctx: CaseContext = { rng: new Rng(options.seed, fuzzerId, index), index, counters: report.counters };
    const caseStart = performance.now();
    let result: CaseResult;
    try {
      result = runCase(ctx);
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 8).join('\n') ?? ''}` : String(e);
      result = { outcome: 'exception', problems: [`uncaught JavaScript exception: ${what}`], input: ctx.input };
    }
    const ms = performance.now() - caseStart;
    if (ms > slowMs) result.problems.push(`case took ${(ms / 1000).toFixed(1)} s (host must not hang on guest input)`);
    report.cases++;
    report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
    for (const problem of result.problems) {
      report.findings.push({ fuzzer, seed: options.seed, index, problem, ...(result.input && { input: result.input }) });
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Names how a run ended and says what is wrong with it: only an exit, a signal or the
 * instruction limit are allowed ends for a guest, whatever it does.
 */
export function judgeOutcome(outcome: RunOutcome): { label: string; problem?: string } {
  switch (outcome.kind) {
    case 'exited':
      return { label: 'exited' };
    case 'signaled':
      return { label: SIGNAL_NAMES[outcome.signal] ?? `signal ${outcome.signal}` };
    case 'limit':
      return { label: 'limit' };
    case 'fatal':
      return { label: 'fatal', problem: `the machine stopped: ${outcome.message}` };
    default:
      return { label: outcome.kind, problem: `unexpected outcome ${JSON.stringify(outcome)}` };
  }
}

/**
 * A fingerprint of kernel memory no guest action may change: the entry stubs' text and
 * the IDT (read through the kernel's tables, so a remapping shows too).
 */
export function kernelFingerprint(machine: Machine): number {
  const tables = machine.kernel.tables;
  const bytes = machine.phys.bytes;
  let h = 0x811c9dc5;
  const page = (vaddr: number): void => {
    const frame = tables.lookup(vaddr);
    h = Math.imul(h ^ frame, 0x01000193);
    if (frame < 0) return;
    for (let i = 0; i < 4096; i += 4) h = Math.imul(h ^ (bytes[frame + i]! | (bytes[frame + i + 1]! << 8) | (bytes[frame + i + 2]! << 16) | (bytes[frame + i + 3]! << 24)), 0x01000193);
  };
  for (let a = KERNEL_TEXT; tables.lookup(a) >= 0; a += 4096) page(a);
  page(IDT_ADDR);
  return h >>> 0;
}

/** A report as the test and the runner print it. */
export function formatReport(r: FuzzReport): string {
  const outcomes = Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const counters = Object.entries(r.counters)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `fuzz ${r.fuzzer}: ${r.cases} cases in ${r.seconds.toFixed(1)} s (seed ${r.seed}): ${outcomes}${counters ? `; ${counters}` : ''}; ${r.findings.length} findings`;
}
