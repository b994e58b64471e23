/**
 * `npm run fuzz -- --seconds N [--seed S] [--only elf,code,syscall] [--out DIR]`: runs the
 * three fuzzers for N seconds in all (a third each, by default) and reports case counts
 * and findings; exit status 1 when anything was found. Each fuzzer runs in a worker
 * thread under a watchdog, so a case that hangs the host is reported (and skipped)
 * instead of stopping the run. `--replay FUZZER:CASE` runs one case of a seed again.
 *
 * Findings are written to DIR (default dist/fuzz-findings): one line each in
 * findings.txt, and the guest ELF of each as FUZZER-SEED-CASE.elf, which
 * `x64emu run` runs directly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fuzzCode } from './code-fuzz.js';
import { fixtureCorpus } from './corpus.js';
import { fuzzElf } from './elf-fuzz.js';
import type { Finding, FuzzOptions, FuzzReport } from './harness.js';
import { formatReport } from './harness.js';
import { fuzzSyscalls } from './syscall-fuzz.js';

export const FUZZERS = ['elf', 'code', 'syscall'] as const;
export type FuzzerName = (typeof FUZZERS)[number];

export function runFuzzer(name: FuzzerName, options: FuzzOptions, fixturesDir: string): FuzzReport {
  switch (name) {
    case 'elf':
      return fuzzElf({ ...options, corpus: fixtureCorpus(fixturesDir) });
    case 'code':
      return fuzzCode(options);
    case 'syscall':
      return fuzzSyscalls(options);
  }
}

interface WorkerJob {
  fuzzer: FuzzerName;
  options: FuzzOptions;
  fixturesDir: string;
}

type WorkerMessage = { kind: 'case'; index: number } | { kind: 'report'; report: FuzzReport };

/** Silence after which a case counts as a hang. */
const HANG_SECONDS = 60;

/** Runs one fuzzer in a worker, restarting past a case that hangs. */
function runWatched(script: string, fuzzer: FuzzerName, seed: number, seconds: number, fixturesDir: string, firstCase = 0, cases?: number): Promise<FuzzReport> {
  const total: FuzzReport = { fuzzer, seed, cases: 0, seconds: 0, outcomes: {}, findings: [], counters: {} };
  const started = Date.now();
  const runFrom = (first: number): Promise<void> =>
    new Promise((done, fail) => {
      const left = seconds - (Date.now() - started) / 1000;
      const job: WorkerJob = { fuzzer, fixturesDir, options: { seed, seconds: Math.max(left, 0.001), firstCase: first, ...(cases !== undefined && { cases: cases - total.cases }) } };
      const worker = new Worker(script, { workerData: job });
      let current = first;
      let lastNews = Date.now();
      let finished = false;
      const watchdog = setInterval(() => {
        if (Date.now() - lastNews < HANG_SECONDS * 1000) return;
        clearInterval(watchdog);
        finished = true;
        total.cases += current - first + 1;
        total.outcomes.hang = (total.outcomes.hang ?? 0) + 1;
        total.findings.push({ fuzzer, seed, index: current, problem: `no progress for ${HANG_SECONDS} s: the case hangs the host` });
        void worker.terminate().then(() => {
          const more = (cases === undefined || total.cases < cases) && (Date.now() - started) / 1000 < seconds;
          (more ? runFrom(current + 1) : Promise.resolve()).then(done, fail);
        });
      }, 1000);
      worker.on('message', (m: WorkerMessage) => {
        lastNews = Date.now();
        if (m.kind === 'case') current = m.index;
        else {
          finished = true;
          clearInterval(watchdog);
          merge(total, m.report);
          done();
        }
      });
      worker.on('error', (e) => {
        clearInterval(watchdog);
        if (finished) return;
        finished = true;
        total.findings.push({ fuzzer, seed, index: current, problem: `the worker died: ${e.message}` });
        total.cases += current - first + 1;
        done();
      });
    });
  return runFrom(firstCase).then(() => {
    total.seconds = (Date.now() - started) / 1000;
    return total;
  });
}

function merge(into: FuzzReport, r: FuzzReport): void {
  into.cases += r.cases;
  into.findings.push(...r.findings);
  for (const [k, v] of Object.entries(r.outcomes)) into.outcomes[k] = (into.outcomes[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.counters)) into.counters[k] = (into.counters[k] ?? 0) + v;
}

function saveFindings(dir: string, findings: Finding[]): void {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (const f of findings) {
    const base = `${f.fuzzer}-${f.seed}-${f.index}`;
    if (f.input) writeFileSync(join(dir, `${base}.elf`), f.input, { mode: 0o755 });
    lines.push(`${base}: ${f.problem.split('\n')[0]}`);
  }
  writeFileSync(join(dir, 'findings.txt'), lines.join('\n') + '\n', { flag: 'a' });
}

function usage(message: string): never {
  process.stderr.write(`fuzz: ${message}\nusage: npm run fuzz -- --seconds N [--seed S] [--only elf,code,syscall] [--out DIR] [--replay FUZZER:CASE]\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let seconds = 30;
  let seed = 1;
  let only: FuzzerName[] = [...FUZZERS];
  let out = 'dist/fuzz-findings';
  let replay: { fuzzer: FuzzerName; index: number } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => argv[++i] ?? usage(`${argv[i - 1]} needs a value`);
    switch (argv[i]) {
      case '--seconds':
        seconds = Number(value());
        if (!(seconds > 0)) usage('--seconds must be a positive number');
        break;
      case '--seed':
        seed = Number(value());
        if (!Number.isInteger(seed) || seed < 0) usage('--seed must be a non-negative integer');
        break;
      case '--only':
        only = value().split(',') as FuzzerName[];
        if (only.some((f) => !FUZZERS.includes(f))) usage(`--only takes ${FUZZERS.join(', ')}`);
        break;
      case '--out':
        out = value();
        break;
      case '--replay': {
        const [f, n] = value().split(':');
        if (!FUZZERS.includes(f as FuzzerName) || !Number.isInteger(Number(n))) usage('--replay takes FUZZER:CASE, e.g. syscall:42');
        replay = { fuzzer: f as FuzzerName, index: Number(n) };
        break;
      }
      default:
        usage(`unknown argument '${argv[i]}'`);
    }
  }
  const script = fileURLToPath(import.meta.url);
  const fixturesDir = resolve('fixtures/bin');
  const reports: FuzzReport[] = [];
  if (replay) {
    reports.push(await runWatched(script, replay.fuzzer, seed, Infinity, fixturesDir, replay.index, 1));
  } else {
    for (const fuzzer of only) reports.push(await runWatched(script, fuzzer, seed, seconds / only.length, fixturesDir));
  }
  const findings = reports.flatMap((r) => r.findings);
  for (const r of reports) console.log(formatReport(r));
  if (findings.length) {
    saveFindings(out, findings);
    for (const f of findings) console.log(`\n${f.fuzzer} case ${f.index} (seed ${f.seed}; replay: npm run fuzz -- --seed ${f.seed} --replay ${f.fuzzer}:${f.index}):\n  ${f.problem.replace(/\n/g, '\n  ')}`);
    console.log(`\n${findings.length} findings; inputs and a list in ${out}/`);
    return 1;
  }
  console.log(`\nno findings in ${reports.reduce((n, r) => n + r.cases, 0)} cases`);
  return 0;
}

if (isMainThread) {
  void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
} else {
  const job = workerData as WorkerJob;
  const report = runFuzzer(job.fuzzer, { ...job.options, onCase: (index) => parentPort!.postMessage({ kind: 'case', index } satisfies WorkerMessage) }, job.fixturesDir);
  parentPort!.postMessage({ kind: 'report', report } satisfies WorkerMessage);
}
