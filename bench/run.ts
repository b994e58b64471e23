// `npm run bench`: runs the workloads in bench/bin/ in the emulator, natively and (when
// installed) under qemu-x86_64, and reports medians with their min/max, the machine and its
// load. See bench/README.md for the workloads and docs/performance.md for the method.
// Built by `npm run bench` with esbuild into dist/bench.mjs (Node 20 runs no TypeScript).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------
// Settings

type Libc = 'glibc' | 'musl';
type RunnerName = 'emu' | 'native' | 'qemu';

interface Options {
  runs: number;
  scale: number;
  only: Set<string> | null;
  libcs: Libc[];
  native: boolean;
  qemu: boolean;
  qemuPath: string | null;
  json: string;
  markdown: string | null;
  report: string | null;
}

const ROOT = findRoot();

function findRoot(): string {
  // dist/bench.mjs or bench/run.ts: the package root is one level up either way.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

const HELP = `Usage: npm run bench -- [options]
  --runs N          runs of every measurement (default 5); medians are reported with min/max
  --scale F         multiply every workload's size and loop count by F (default 1)
  --only LIST       comma-separated subset of: startup,sha256,bytecode,qsort,memory,
                    clock (clock-vdso, clock-trap), syscall (getpid, write0)
  --libc LIST       glibc,musl (default both)
  --no-native       do not run the binaries on the host
  --no-qemu         do not run them under qemu-x86_64 even if it is installed
  --qemu PATH       the qemu-x86_64 to use (default: qemu-x86_64 on PATH)
  --json FILE       where to write the results (default bench/results/latest.json)
  --markdown FILE   also write the tables as Markdown
  --report FILE     print a results file (and with --markdown, render it); runs nothing
`;

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n${HELP}`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    runs: 5, scale: 1, only: null, libcs: ['glibc', 'musl'], native: true, qemu: true,
    qemuPath: null, json: join(ROOT, 'bench', 'results', 'latest.json'), markdown: null, report: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--runs': o.runs = Number.parseInt(value(), 10); if (!(o.runs >= 1)) usage('--runs must be at least 1'); break;
      case '--scale': o.scale = Number(value()); if (!(o.scale > 0)) usage('--scale must be positive'); break;
      case '--only': o.only = new Set(value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--libc': {
        const list = value().split(',').map((s) => s.trim());
        for (const l of list) if (l !== 'glibc' && l !== 'musl') usage(`unknown libc ${l}`);
        o.libcs = list as Libc[];
        break;
      }
      case '--no-native': o.native = false; break;
      case '--no-qemu': o.qemu = false; break;
      case '--qemu': o.qemuPath = value(); break;
      case '--json': o.json = resolve(value()); break;
      case '--markdown': o.markdown = resolve(value()); break;
      case '--report': o.report = resolve(value()); break;
      case '-h': case '--help':
        process.stdout.write(HELP);
        process.exit(0);
      default: usage(`unknown option ${a}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Workloads

type Kind = 'integer' | 'branchy' | 'memory';

/** A workload whose throughput is measured: one run at a fixed size. */
interface Throughput {
  name: string;
  kind: Kind;
  program: string;
  /** Arguments; the first is the size that --scale multiplies. */
  args: (scale: number) => string[];
  what: string;
}

const THROUGHPUT: Throughput[] = [
  { name: 'sha256', kind: 'integer', program: 'sha256', args: (s) => [sized(1, s)], what: 'SHA-256 over 1 MiB' },
  { name: 'bytecode', kind: 'branchy', program: 'bytecode', args: (s) => [sized(4000, s)], what: 'bytecode interpreter, Collatz 1..4000' },
  { name: 'qsort', kind: 'branchy', program: 'qsort', args: (s) => [sized(32, s)], what: 'qsort 32 Ki keys, callback compare' },
  { name: 'memory', kind: 'memory', program: 'memory', args: (s) => [sized(4, s), '4'], what: 'memset/memcpy/memmove/strlen/memchr/memcmp, 4 rounds over 4 MiB' },
];

/** A per-call cost, measured as (T(N2) - T(N1)) / (N2 - N1) so that start-up cancels. */
interface PerCall {
  name: string;
  group: 'clock' | 'syscall';
  program: string;
  mode: string;
  what: string;
}

const PER_CALL: PerCall[] = [
  { name: 'clock-vdso', group: 'clock', program: 'clock', mode: 'vdso', what: 'clock_gettime(CLOCK_MONOTONIC) through libc (vDSO)' },
  { name: 'clock-trap', group: 'clock', program: 'clock', mode: 'trap', what: 'syscall(SYS_clock_gettime, CLOCK_MONOTONIC) (kernel entry)' },
  { name: 'getpid', group: 'syscall', program: 'syscall', mode: 'getpid', what: 'syscall(SYS_getpid): a system-call round trip' },
  { name: 'write0', group: 'syscall', program: 'syscall', mode: 'write0', what: 'write(1, buf, 0): a round trip through the file layer' },
];

/** Loop counts (N1, N2) per runner: the emulator is 100s of times slower than the host. Its
    N2 leaves the loop time to warm up: the translator compiles a block after 50,000 runs. */
function loopCounts(runner: RunnerName, scale: number): [number, number] {
  return runner === 'emu' ? [Math.round(20000 * scale), Math.round(200000 * scale)] : [50000, 500000];
}

const STARTUP = ['hello-glibc', 'hello-musl'];

function sized(base: number, scale: number): string {
  return String(Math.max(1, Math.round(base * scale)));
}

// ---------------------------------------------------------------------------------------
// Running one process

interface RunResult {
  /** Whole-process wall time, spawn to exit, seconds. */
  wall: number;
  /** user + system CPU seconds of the process, when known. */
  cpu: number | null;
  /** Peak resident set, KiB, when known. */
  maxRssKiB: number | null;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The emulator's --stats-json, for emulator runs. */
  stats: EmuStats | null;
}

interface EmuStats {
  instructions: { total: number; user: number; kernel: number };
  wallSeconds: number;
  mips: number;
  syscalls: { total: number };
  vdsoCalls: Record<string, number>;
  pageFaults: number;
}

interface Host {
  tmp: string;
  preload: string;
  cli: string;
  gnuTime: boolean;
  native: boolean;
  qemu: string | null;
  qemuVersion: string | null;
}

let runCounter = 0;

function runProcess(host: Host, runner: RunnerName, binary: string, args: string[]): RunResult {
  const id = ++runCounter;
  const statsFile = join(host.tmp, `stats-${id}.json`);
  const rusageFile = join(host.tmp, `rusage-${id}.json`);
  let command: string;
  let argv: string[];
  const env = { ...process.env };
  if (runner === 'emu') {
    command = process.execPath;
    argv = ['--import', pathToFileURL(host.preload).href, host.cli, 'run', '--stats-json', statsFile, binary, ...args];
    env['X64EMU_BENCH_RUSAGE'] = rusageFile;
  } else {
    const target = runner === 'qemu' ? [host.qemu!, binary, ...args] : [binary, ...args];
    if (host.gnuTime) {
      command = '/usr/bin/time';
      argv = ['-f', '%e %U %S %M', '-o', rusageFile, ...target];
    } else {
      command = target[0]!;
      argv = target.slice(1);
    }
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, argv, { env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`${runner} ${binary}: ${r.error.message}`);
  let cpu: number | null = null;
  let maxRssKiB: number | null = null;
  let stats: EmuStats | null = null;
  if (existsSync(rusageFile)) {
    const text = readFileSync(rusageFile, 'utf8');
    if (runner === 'emu') {
      const u = JSON.parse(text) as { user: number; system: number; maxRSS: number };
      cpu = (u.user + u.system) / 1e6;
      maxRssKiB = u.maxRSS;
    } else {
      // GNU time writes "Command exited with non-zero status N" first when it did.
      const last = text.trim().split('\n').pop() ?? '';
      const f = last.split(' ').map(Number);
      if (f.length === 4 && f.every(Number.isFinite)) {
        cpu = f[1]! + f[2]!;
        maxRssKiB = f[3]!;
      }
    }
    rmSync(rusageFile, { force: true });
  }
  if (existsSync(statsFile)) {
    stats = JSON.parse(readFileSync(statsFile, 'utf8')) as EmuStats;
    rmSync(statsFile, { force: true });
  }
  return { wall, cpu, maxRssKiB, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, stats };
}

function describeFailure(r: RunResult): string {
  const why = r.signal ? `signal ${r.signal}` : `status ${r.status}`;
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ');
  return `${why}${tail ? `: ${tail}` : ''}`;
}

// ---------------------------------------------------------------------------------------
// Statistics

interface Summary { median: number; min: number; max: number; n: number }

function summarize(values: (number | null | undefined)[]): Summary | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

// ---------------------------------------------------------------------------------------
// Results

interface RunnerRuns {
  runs: number;
  failures: string[];
  /** The first run's stdout (the checksum or summary line). */
  output: string | null;
  wall: Summary | null;
  cpu: Summary | null;
  maxRssMiB: Summary | null;
  /** Every run's whole-process wall time, seconds, in the order they ran (failed runs: null). */
  wallRuns: (number | null)[];
}

interface EmuRuns extends RunnerRuns {
  instructions: Summary | null;
  /** The emulator's own wall clock, first guest instruction to exit. */
  guestSeconds: Summary | null;
  /** instructions / guestSeconds, per run. */
  mips: Summary | null;
  /** CPU seconds / wall seconds of the whole process: below ~0.9 the run waited for a core. */
  cpuShare: Summary | null;
  syscalls: Summary | null;
  vdsoCalls: Summary | null;
  pageFaults: Summary | null;
  /** Every run's emulator clock (first guest instruction to exit), seconds, in order. */
  guestSecondsRuns: (number | null)[];
}

interface ThroughputResult {
  name: string;
  kind: Kind;
  libc: Libc;
  binary: string;
  args: string[];
  what: string;
  loadavg: number[];
  emu: EmuRuns;
  native: RunnerRuns | null;
  qemu: RunnerRuns | null;
  /** Same stdout as the native run (or qemu's when the host cannot run it). */
  outputMatches: boolean | null;
  /** Guest instructions (the emulator's count) per second of each runner's whole-process wall. */
  nativeMips: number | null;
  qemuMips: number | null;
  /** Emulator whole-process wall / native whole-process wall. */
  slowdownVsNative: number | null;
  slowdownVsQemu: number | null;
  /** Guest instructions / (median process CPU time − the median CPU time of the emulator's
      hello-musl run, i.e. start-up and exit): a rate that the machine's load barely moves. */
  mipsCpu: number | null;
}

interface PerCallPoint {
  n: number;
  emu?: EmuRuns;
  other?: RunnerRuns;
  /** The loop's mean time per call, as the guest measured it (its CLOCK_MONOTONIC). */
  guestNs: Summary | null;
  /** Its fastest 256 consecutive calls, per call: the warm cost, free of waits for a CPU. */
  guestBestNs: Summary | null;
}

interface PerCallRunner {
  n1: number;
  n2: number;
  /** ns per call: for the emulator from the medians of its own clock (first guest instruction
      to exit, which leaves out Node's start-up and its noise), for the others from the medians
      of whole-process wall time. */
  ns: number | null;
  /** ns per call from the medians of whole-process wall time. */
  nsWall: number | null;
  /** ns per call from the medians of process CPU time. */
  nsCpu: number | null;
  /** ns per call the guest measured itself around the N2 loop (its CLOCK_MONOTONIC), median. */
  guestNs: number | null;
  /** The fastest 256-call chunk at N2, ns per call, median over the runs (min/max in points). */
  bestNs: number | null;
  points: PerCallPoint[];
  failures: string[];
}

interface PerCallResult {
  name: string;
  libc: Libc;
  binary: string;
  what: string;
  loadavg: number[];
  emu: PerCallRunner;
  native: PerCallRunner | null;
  qemu: PerCallRunner | null;
  /** For the vDSO loop: vDSO calls (or, for the trap loop and getpid, system calls) per iteration. */
  emuEventsPerCall: number | null;
  /** Guest instructions per iteration (user and kernel), from the two loop counts. */
  emuInsnsPerCall: number | null;
  outputMatches: boolean | null;
}

interface StartupResult {
  name: string;
  binary: string;
  loadavg: number[];
  emu: EmuRuns;
  native: RunnerRuns | null;
  qemu: RunnerRuns | null;
  outputMatches: boolean | null;
}

interface Target {
  what: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

interface Results {
  version: 1;
  started: string;
  finished: string;
  machine: {
    cpu: string;
    logicalCpus: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    v8: string;
    qemu: string | null;
    loadavgStart: number[];
    loadavgEnd: number[];
  };
  emulator: { commit: string | null; srcDirty: boolean | null };
  settings: { runs: number; scale: number; libcs: Libc[]; native: boolean; qemu: boolean };
  throughput: ThroughputResult[];
  perCall: PerCallResult[];
  startup: StartupResult[];
  /** `node -e 0`, the floor under the emulator's start-up, measured beside it. */
  nodeAlone: RunnerRuns | null;
  targets: Target[];
}

function collect(runs: RunResult[], failures: string[]): RunnerRuns {
  const ok = runs.filter((r) => r.status === 0);
  return {
    runs: runs.length,
    failures,
    output: ok[0]?.stdout.trim() ?? null,
    wall: summarize(ok.map((r) => r.wall)),
    cpu: summarize(ok.map((r) => r.cpu)),
    maxRssMiB: summarize(ok.map((r) => (r.maxRssKiB === null ? null : r.maxRssKiB / 1024))),
    wallRuns: runs.map((r) => (r.status === 0 ? round6(r.wall) : null)),
  };
}

function collectEmu(runs: RunResult[], failures: string[]): EmuRuns {
  const ok = runs.filter((r) => r.status === 0 && r.stats);
  const base = collect(runs, failures);
  return {
    ...base,
    instructions: summarize(ok.map((r) => r.stats!.instructions.total)),
    guestSeconds: summarize(ok.map((r) => r.stats!.wallSeconds)),
    mips: summarize(ok.map((r) => (r.stats!.wallSeconds > 0 ? r.stats!.instructions.total / r.stats!.wallSeconds / 1e6 : null))),
    cpuShare: summarize(ok.map((r) => (r.cpu === null ? null : r.cpu / r.wall))),
    syscalls: summarize(ok.map((r) => r.stats!.syscalls.total)),
    vdsoCalls: summarize(ok.map((r) => Object.values(r.stats!.vdsoCalls ?? {}).reduce((a, b) => a + b, 0))),
    pageFaults: summarize(ok.map((r) => r.stats!.pageFaults)),
    guestSecondsRuns: runs.map((r) => (r.status === 0 && r.stats ? round6(r.stats.wallSeconds) : null)),
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function guestNsFrom(stderr: string): number | null {
  const m = /guest-measured ([0-9.]+) ns\/call/.exec(stderr);
  return m ? Number(m[1]) : null;
}

function guestBestNsFrom(stderr: string): number | null {
  const m = /best \d+-call chunk ([0-9.]+) ns\/call/.exec(stderr);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------------------
// The measurements

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function runnersFor(host: Host): RunnerName[] {
  const list: RunnerName[] = [];
  if (host.native) list.push('native');
  if (host.qemu) list.push('qemu');
  list.push('emu');
  return list;
}

/** Runs every runner `runs` times, interleaved (native, qemu, emu, native, ...), so that a
    change in the machine's load hits all of them alike. */
function measure(host: Host, runs: number, binary: string, argsFor: (r: RunnerName) => string[], label: string):
    Map<RunnerName, { results: RunResult[]; failures: string[] }> {
  const out = new Map<RunnerName, { results: RunResult[]; failures: string[] }>();
  for (const r of runnersFor(host)) out.set(r, { results: [], failures: [] });
  for (let i = 0; i < runs; i++) {
    for (const runner of runnersFor(host)) {
      const slot = out.get(runner)!;
      const res = runProcess(host, runner, binary, argsFor(runner));
      slot.results.push(res);
      if (res.status !== 0) slot.failures.push(describeFailure(res));
    }
    const emu = out.get('emu')!.results[i]!;
    log(`  ${label} run ${i + 1}/${runs}: emu ${emu.wall.toFixed(3)} s` +
      (emu.stats ? `, ${(emu.stats.instructions.total / emu.stats.wallSeconds / 1e6).toFixed(1)} MIPS` : '') +
      (emu.status !== 0 ? ` FAILED (${describeFailure(emu)})` : ''));
  }
  return out;
}

function sameOutput(emu: string | null, native: RunnerRuns | null, qemu: RunnerRuns | null): boolean | null {
  const ref = native?.output ?? qemu?.output ?? null;
  if (emu === null) return false;
  if (ref === null) return null;
  return emu === ref;
}

function runThroughput(host: Host, o: Options, w: Throughput, libc: Libc): ThroughputResult {
  const binary = join(ROOT, 'bench', 'bin', `${w.program}-${libc}`);
  const args = w.args(o.scale);
  const load = loadavg();
  log(`${w.name}-${libc} ${args.join(' ')} (load ${load.map((x) => x.toFixed(2)).join(' ')})`);
  const m = measure(host, o.runs, binary, () => args, `${w.name}-${libc}`);
  const emu = collectEmu(m.get('emu')!.results, m.get('emu')!.failures);
  const native = m.has('native') ? collect(m.get('native')!.results, m.get('native')!.failures) : null;
  const qemu = m.has('qemu') ? collect(m.get('qemu')!.results, m.get('qemu')!.failures) : null;
  const insns = emu.instructions?.median ?? null;
  return {
    name: w.name, kind: w.kind, libc, binary: relative(binary), args, what: w.what, loadavg: load,
    emu, native, qemu,
    outputMatches: sameOutput(emu.output, native, qemu),
    nativeMips: insns !== null && native?.wall ? insns / native.wall.median / 1e6 : null,
    qemuMips: insns !== null && qemu?.wall ? insns / qemu.wall.median / 1e6 : null,
    slowdownVsNative: emu.wall && native?.wall ? emu.wall.median / native.wall.median : null,
    slowdownVsQemu: emu.wall && qemu?.wall ? emu.wall.median / qemu.wall.median : null,
    mipsCpu: null,
  };
}

function perCallRunner(runner: RunnerName, n1: number, n2: number, at1: RunResult[], at2: RunResult[], f1: string[], f2: string[]): PerCallRunner {
  const point = (n: number, runs: RunResult[]): PerCallPoint => {
    const ok = runs.filter((r) => r.status === 0);
    return { n, guestNs: summarize(ok.map((r) => guestNsFrom(r.stderr))), guestBestNs: summarize(ok.map((r) => guestBestNsFrom(r.stderr))) };
  };
  const p1 = point(n1, at1);
  const p2 = point(n2, at2);
  if (runner === 'emu') { p1.emu = collectEmu(at1, f1); p2.emu = collectEmu(at2, f2); }
  else { p1.other = collect(at1, f1); p2.other = collect(at2, f2); }
  const c1 = p1.emu ?? p1.other!;
  const c2 = p2.emu ?? p2.other!;
  const diff = (a: Summary | null, b: Summary | null): number | null =>
    a && b ? ((b.median - a.median) / (n2 - n1)) * 1e9 : null;
  const nsWall = diff(c1.wall, c2.wall);
  return {
    n1, n2,
    ns: p1.emu && p2.emu ? diff(p1.emu.guestSeconds, p2.emu.guestSeconds) : nsWall,
    nsWall,
    nsCpu: diff(c1.cpu, c2.cpu),
    guestNs: p2.guestNs?.median ?? null,
    bestNs: p2.guestBestNs?.median ?? null,
    points: [p1, p2],
    failures: [...f1, ...f2],
  };
}

function runPerCall(host: Host, o: Options, p: PerCall, libc: Libc): PerCallResult {
  const binary = join(ROOT, 'bench', 'bin', `${p.program}-${libc}`);
  const load = loadavg();
  log(`${p.name}-${libc} (load ${load.map((x) => x.toFixed(2)).join(' ')})`);
  const at = [0, 1].map((k) =>
    measure(host, o.runs, binary, (r) => [p.mode, String(loopCounts(r, o.scale)[k])], `${p.name}-${libc} N${k + 1}`));
  const one = (r: RunnerName): PerCallRunner | null => {
    if (!at[0]!.has(r)) return null;
    const [n1, n2] = loopCounts(r, o.scale);
    const a = at[0]!.get(r)!;
    const b = at[1]!.get(r)!;
    return perCallRunner(r, n1, n2, a.results, b.results, a.failures, b.failures);
  };
  const emu = one('emu')!;
  const native = one('native');
  const qemu = one('qemu');
  // What the emulator saw per loop iteration: vDSO calls for the vDSO loop, kernel entries otherwise.
  const e1 = emu.points[0]!.emu!;
  const e2 = emu.points[1]!.emu!;
  const ev = (s1: Summary | null, s2: Summary | null): number | null =>
    s1 && s2 ? (s2.median - s1.median) / (emu.n2 - emu.n1) : null;
  const emuEventsPerCall = p.mode === 'vdso' ? ev(e1.vdsoCalls, e2.vdsoCalls) : ev(e1.syscalls, e2.syscalls);
  const emuInsnsPerCall = ev(e1.instructions, e2.instructions);
  // Outputs name N, which differs between runners: compare the emulator's with a native run of
  // the same N only when one exists (the line says "monotonic"/"ok" either way).
  const ok = (s: string | null): boolean => s !== null && /: (monotonic|ok)$/.test(s);
  const outputMatches = ok(e1.output) && ok(e2.output);
  return { name: p.name, libc, binary: relative(binary), what: p.what, loadavg: load, emu, native, qemu, emuEventsPerCall, emuInsnsPerCall, outputMatches };
}

function runNodeAlone(host: Host): RunResult {
  const rusageFile = join(host.tmp, `rusage-node-${++runCounter}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(host.preload).href, '-e', '0'],
    { env: { ...process.env, X64EMU_BENCH_RUSAGE: rusageFile }, encoding: 'utf8', timeout: 60_000 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpu: number | null = null;
  let maxRssKiB: number | null = null;
  if (existsSync(rusageFile)) {
    const u = JSON.parse(readFileSync(rusageFile, 'utf8')) as { user: number; system: number; maxRSS: number };
    cpu = (u.user + u.system) / 1e6;
    maxRssKiB = u.maxRSS;
    rmSync(rusageFile, { force: true });
  }
  return { wall, cpu, maxRssKiB, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, stats: null };
}

function runStartup(host: Host, o: Options, name: string): StartupResult {
  const binary = join(ROOT, 'fixtures', 'bin', name);
  const load = loadavg();
  log(`start-up ${name} (load ${load.map((x) => x.toFixed(2)).join(' ')})`);
  const m = measure(host, o.runs, binary, () => [], `start-up ${name}`);
  const emu = collectEmu(m.get('emu')!.results, m.get('emu')!.failures);
  const native = m.has('native') ? collect(m.get('native')!.results, m.get('native')!.failures) : null;
  const qemu = m.has('qemu') ? collect(m.get('qemu')!.results, m.get('qemu')!.failures) : null;
  return { name, binary: relative(binary), loadavg: load, emu, native, qemu, outputMatches: sameOutput(emu.output, native, qemu) };
}

// ---------------------------------------------------------------------------------------
// Targets (issue 6)

function evaluateTargets(res: Results): Target[] {
  const t: Target[] = [];
  const mipsOf = (name: string): { text: string; worst: number | null } => {
    const rows = res.throughput.filter((w) => w.name === name);
    const parts = rows.map((w) => `${w.libc} ${num(w.emu.mips?.median ?? null, 1)}`);
    const worst = rows.length && rows.every((w) => w.emu.mips) ? Math.min(...rows.map((w) => w.emu.mips!.median)) : null;
    return { text: parts.join(', ') + ' MIPS', worst };
  };
  const mipsTarget = (name: string, label: string, goal: number): void => {
    if (!res.throughput.some((w) => w.name === name)) return;
    const m = mipsOf(name);
    t.push({ what: `${label} (${name})`, goal: `≥ ${goal} guest MIPS`, measured: m.text, met: m.worst === null ? null : m.worst >= goal });
  };
  mipsTarget('sha256', 'Integer kernel', 150);
  mipsTarget('bytecode', 'Branchy kernel', 100);
  mipsTarget('qsort', 'Branchy kernel', 100);
  mipsTarget('memory', 'Memory kernel', 100);
  for (const libc of res.settings.libcs) {
    // The guest's best-chunk figure: on the shared 2-core machine the difference of two noisy
    // medians can be off by more than the signal (docs/performance.md).
    const v = res.perCall.find((p) => p.name === 'clock-vdso' && p.libc === libc)?.emu.bestNs ?? null;
    const tr = res.perCall.find((p) => p.name === 'clock-trap' && p.libc === libc)?.emu.bestNs ?? null;
    if (v === null && tr === null) continue;
    const ratio = v !== null && tr !== null && v > 0 ? tr / v : null;
    t.push({
      what: `Clock read through the vDSO (${libc})`, goal: '≥ 5× cheaper than the trap, < 1 µs',
      measured: `${num(v, 0)} ns vs ${num(tr, 0)} ns through syscall (${num(ratio, 1)}×)`,
      met: ratio === null || v === null ? null : ratio >= 5 && v < 1000,
    });
  }
  for (const s of res.startup) {
    t.push({ what: `Start-up, ${s.name}`, goal: '< 250 ms wall, start to exit', measured: `${num(s.emu.wall ? s.emu.wall.median * 1000 : null, 0)} ms`, met: s.emu.wall ? s.emu.wall.median < 0.25 : null });
    t.push({ what: `Peak memory, ${s.name}`, goal: '< 150 MB', measured: `${num(s.emu.maxRssMiB?.median ?? null, 1)} MiB max RSS`, met: s.emu.maxRssMiB ? s.emu.maxRssMiB.median * 1048576 < 150e6 : null });
  }
  return t;
}

// ---------------------------------------------------------------------------------------
// Output

function num(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

/** Significant-figure formatting for times and rates of very different sizes. */
function sig(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function range(s: Summary | null, f: (x: number) => string): string {
  if (!s) return '–';
  return s.n > 1 ? `${f(s.median)} [${f(s.min)}–${f(s.max)}]` : f(s.median);
}

function ms(x: number): string { return sig(x * 1000); }
function sec(x: number): string { return x >= 10 ? x.toFixed(1) : x.toFixed(2); }
function mib(x: number): string { return x.toFixed(0); }
function check(m: boolean | null): string { return m === null ? '?' : m ? 'ok' : 'DIFFERS'; }
function metText(m: boolean | null): string { return m === null ? 'not measured' : m ? 'met' : 'NOT MET'; }

/** A table; `left` columns are text (left-aligned), the others numbers. */
type Table = { title: string; head: string[]; rows: string[][]; notes?: string[]; left?: number[] };

function tables(res: Results): Table[] {
  const out: Table[] = [];
  const hasNative = res.settings.native && res.throughput.some((w) => w.native) || res.startup.some((s) => s.native);
  const hasQemu = res.machine.qemu !== null;
  if (res.throughput.length) {
    const head = ['workload', 'emu wall s', 'guest insns', 'guest MIPS', 'MIPS (cpu)', 'cpu share', 'max RSS MiB'];
    if (hasNative) head.push('native s', 'native MIPS', '× native');
    if (hasQemu) head.push('qemu s', 'qemu MIPS', '× qemu');
    head.push('output');
    out.push({
      title: 'Throughput (whole process, median [min–max])',
      head,
      rows: res.throughput.map((w) => {
        const row = [
          `${w.name}-${w.libc} ${w.args.join(' ')}`,
          range(w.emu.wall, sec),
          w.emu.instructions ? (w.emu.instructions.median / 1e6).toFixed(1) + 'M' : '–',
          range(w.emu.mips, (x) => x.toFixed(1)),
          sig(w.mipsCpu ?? null),
          num(w.emu.cpuShare?.median, 2),
          num(w.emu.maxRssMiB?.median, 0),
        ];
        if (hasNative) row.push(range(w.native?.wall ?? null, (x) => x.toFixed(3)), sig(w.nativeMips), sig(w.slowdownVsNative));
        if (hasQemu) row.push(range(w.qemu?.wall ?? null, (x) => x.toFixed(3)), sig(w.qemuMips), sig(w.slowdownVsQemu));
        row.push(check(w.outputMatches) + (w.emu.failures.length ? ` (${w.emu.failures.length} failed)` : ''));
        return row;
      }),
      notes: [
        'guest MIPS: the emulator\'s instructions retired / its own wall clock from the first guest instruction to exit (--stats-json).',
        'native/qemu MIPS: the same instruction count / their whole-process wall time (glibc picks routines by CPUID, so the host may run other code).',
        '× native, × qemu: emulator whole-process wall / theirs. cpu share: the emulator\'s CPU time / wall time (below ~0.9: it waited for a core).',
        'MIPS (cpu): guest instructions / (the run\'s median CPU time − that of the emulator\'s hello-musl run): barely moved by the load; needs the start-up measurement.',
      ],
    });
  }
  if (res.perCall.length) {
    const head = ['per call', 'emu best', 'emu Δ clock', 'emu Δ wall', 'emu Δ cpu', 'emu mean', 'events/iter', 'insns/iter'];
    if (hasNative) head.push('native best');
    if (hasQemu) head.push('qemu best');
    head.push('output');
    out.push({
      title: 'Per-call costs, ns per call',
      head,
      rows: res.perCall.map((p) => {
        const row = [
          `${p.name}-${p.libc}`, range(p.emu.points[1]!.guestBestNs ?? null, sig), sig(p.emu.ns), sig(p.emu.nsWall), sig(p.emu.nsCpu), sig(p.emu.guestNs),
          num(p.emuEventsPerCall, 2), num(p.emuInsnsPerCall ?? null, 1),
        ];
        if (hasNative) row.push(p.native ? `${sig(p.native.bestNs)} (Δ ${sig(p.native.ns)})` : '–');
        if (hasQemu) row.push(p.qemu ? `${sig(p.qemu.bestNs)} (Δ ${sig(p.qemu.ns)})` : '–');
        row.push(check(p.outputMatches));
        return row;
      }),
      notes: [
        'best: the fastest 256 consecutive calls of the N2 loop, timed by the guest with its own CLOCK_MONOTONIC (the warm cost, free of waits for a CPU); median [min–max] over the runs. mean: the whole N2 loop, same clock.',
        `Δ: (T(N2) − T(N1)) / (N2 − N1) from median times, N1/N2 = ${p0(res, 'emu')} in the emulator, ${p0(res, 'native')} native and under qemu. T is the emulator's own clock (first guest instruction to exit), the whole process's wall time or its CPU time; native and qemu: whole-process wall.`,
        'events/iter: vDSO calls per iteration for the vDSO loop (0 kernel entries), system calls per iteration for the others; insns/iter: guest instructions per iteration, user and kernel (all from --stats-json).',
      ],
    });
  }
  if (res.startup.length) {
    const head = ['start-up', 'emu wall ms', 'emu cpu ms', 'max RSS MiB', 'guest insns'];
    if (hasNative) head.push('native ms');
    if (hasQemu) head.push('qemu ms', 'qemu RSS MiB');
    head.push('output');
    out.push({
      title: 'Start-up of a static hello world, start to exit (whole process, median [min–max])',
      head,
      rows: res.startup.map((s) => {
        const row = [s.name, range(s.emu.wall, ms), range(s.emu.cpu, ms), range(s.emu.maxRssMiB, mib),
          s.emu.instructions ? String(s.emu.instructions.median) : '–'];
        if (hasNative) row.push(range(s.native?.wall ?? null, ms));
        if (hasQemu) row.push(range(s.qemu?.wall ?? null, ms), num(s.qemu?.maxRssMiB?.median, 0));
        row.push(check(s.outputMatches));
        return row;
      }).concat(res.nodeAlone ? [[
        'node -e 0 (Node alone)', range(res.nodeAlone.wall, ms), range(res.nodeAlone.cpu, ms), range(res.nodeAlone.maxRssMiB, mib), '–',
        ...(hasNative ? ['–'] : []), ...(hasQemu ? ['–', '–'] : []), '',
      ]] : []),
    });
  }
  if (res.targets.length) {
    out.push({
      title: 'Targets (issue 6)',
      head: ['target', 'goal', 'measured', ''],
      left: [0, 1, 2, 3],
      rows: res.targets.map((t) => [t.what, t.goal, t.measured, metText(t.met)]),
    });
  }
  return out;
}

function p0(res: Results, runner: 'emu' | 'native'): string {
  const p = res.perCall[0];
  const r = p ? (runner === 'emu' ? p.emu : p.native ?? p.qemu) : null;
  return r ? `${r.n1}/${r.n2}` : '–';
}

function machineLines(res: Results): string[] {
  const m = res.machine;
  return [
    `machine: ${m.cpu}, ${m.logicalCpus} logical CPUs, ${m.memoryGiB.toFixed(0)} GiB; Linux ${m.kernel}; Node ${m.node} (V8 ${m.v8})` +
      (m.qemu ? `; ${m.qemu}` : '; qemu-x86_64 not installed'),
    `load average (1/5/15 min): ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at the end`,
    `emulator: ${res.emulator.commit ?? 'unknown commit'}${res.emulator.srcDirty ? ' + uncommitted changes in src/' : ''}; ` +
      `${res.settings.runs} runs each, scale ${res.settings.scale}; ${res.started} to ${res.finished}`,
  ];
}

function renderText(res: Results): string {
  const lines: string[] = [...machineLines(res), ''];
  for (const t of tables(res)) {
    lines.push(t.title);
    const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
    const left = new Set(t.left ?? [0]);
    const fmt = (r: string[]): string => r.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    lines.push(fmt(t.head), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of t.rows) lines.push(fmt(r));
    for (const n of t.notes ?? []) lines.push(`  ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Every run's time, for the record: whole-process wall per runner, and the emulator's own clock. */
function rawTable(res: Results): Table {
  const rows: string[][] = [];
  const fmt = (xs: (number | null)[] | undefined): string => (xs ?? []).map((x) => (x === null ? 'failed' : x.toFixed(3))).join(', ');
  const add = (label: string, emu: EmuRuns, native: RunnerRuns | null | undefined, qemu: RunnerRuns | null | undefined): void => {
    rows.push([label, fmt(emu.wallRuns), fmt(emu.guestSecondsRuns), native ? fmt(native.wallRuns) : '–', qemu ? fmt(qemu.wallRuns) : '–']);
  };
  for (const s of res.startup) add(s.name, s.emu, s.native, s.qemu);
  if (res.nodeAlone) rows.push(['node -e 0', fmt(res.nodeAlone.wallRuns), '–', '–', '–']);
  for (const w of res.throughput) add(`${w.name}-${w.libc} ${w.args.join(' ')}`, w.emu, w.native, w.qemu);
  for (const p of res.perCall) {
    const runners = [p.emu, p.native, p.qemu];
    for (const k of [0, 1]) {
      const n = runners.map((r) => (r ? r.points[k]! : null));
      rows.push([`${p.name}-${p.libc} N${k + 1} (emu ${p.emu.points[k]!.n}, others ${p.native?.points[k]!.n ?? p.qemu?.points[k]!.n ?? '–'})`,
        fmt(n[0]!.emu!.wallRuns), fmt(n[0]!.emu!.guestSecondsRuns), n[1] ? fmt(n[1].other!.wallRuns) : '–', n[2] ? fmt(n[2].other!.wallRuns) : '–']);
    }
  }
  return { title: 'Raw runs: seconds, in the order they ran', head: ['measurement', 'emu process wall', 'emu clock (guest run)', 'native wall', 'qemu wall'], rows, left: [0, 1, 2, 3, 4] };
}

function renderMarkdown(res: Results): string {
  const lines: string[] = machineLines(res).map((l) => `${l}  `);
  lines.push('');
  for (const t of [...tables(res), rawTable(res)]) {
    const left = new Set(t.left ?? [0]);
    lines.push(`**${t.title}**`, '', `| ${t.head.join(' | ')} |`, `| ${t.head.map((_, i) => (left.has(i) ? '---' : '---:')).join(' | ')} |`);
    for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
    for (const n of t.notes ?? []) lines.push(`- ${n}`);
    if (t.notes?.length) lines.push('');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// The host

function relative(p: string): string {
  return p.startsWith(ROOT + '/') ? p.slice(ROOT.length + 1) : p;
}

function which(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? (r.stdout.trim().split('\n')[0] ?? null) : null;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch { /* not Linux */ }
  return cpus()[0]?.model ?? 'unknown CPU';
}

function setUpHost(o: Options): Host {
  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) usage(`${relative(cli)} is missing: run \`npm run build\` (npm run bench builds it)`);
  const tmp = mkdtempSync(join(tmpdir(), 'x64emu-bench-'));
  const preload = join(tmp, 'rusage.mjs');
  // Loaded into the emulator's process with --import: at exit, its own CPU time and peak RSS.
  writeFileSync(preload, [
    "import { writeFileSync } from 'node:fs';",
    "const out = process.env.X64EMU_BENCH_RUSAGE;",
    "if (out) process.on('exit', () => { const u = process.resourceUsage();",
    "  writeFileSync(out, JSON.stringify({ user: u.userCPUTime, system: u.systemCPUTime, maxRSS: u.maxRSS })); });",
    '',
  ].join('\n'));
  const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  let native = false;
  if (o.native && process.platform === 'linux' && process.arch === 'x64') {
    const r = spawnSync(join(ROOT, 'fixtures', 'bin', 'hello-musl'), [], { encoding: 'utf8' });
    native = r.status === 0;
  }
  let qemu: string | null = null;
  let qemuVersion: string | null = null;
  if (o.qemu) {
    qemu = o.qemuPath ?? which('qemu-x86_64') ?? which('qemu-x86_64-static');
    if (qemu) {
      qemuVersion = firstLine(qemu, ['--version']);
      if (!qemuVersion) qemu = null;
    }
  }
  return { tmp, preload, cli, gnuTime, native, qemu, qemuVersion };
}

// ---------------------------------------------------------------------------------------

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  if (o.report) {
    const res = JSON.parse(readFileSync(o.report, 'utf8')) as Results;
    process.stdout.write(renderText(res));
    if (o.markdown) writeFileSync(o.markdown, renderMarkdown(res));
    return;
  }
  const host = setUpHost(o);
  const want = (name: string): boolean => o.only === null || o.only.has(name);
  const started = new Date();
  const loadavgStart = loadavg();
  const commit = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = commit ? spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '' : null;
  log(`bench: ${o.runs} runs each; native ${host.native ? 'yes' : 'no'}; qemu ${host.qemu ?? 'no'}; ` +
    `${host.gnuTime ? '/usr/bin/time for native/qemu CPU and RSS' : 'no /usr/bin/time: wall time only for native/qemu'}`);
  const res: Results = {
    version: 1,
    started: started.toISOString(),
    finished: '',
    machine: {
      cpu: cpuModel(), logicalCpus: cpus().length, memoryGiB: totalmem() / 2 ** 30, kernel: release(),
      node: process.version, v8: process.versions.v8, qemu: host.qemuVersion, loadavgStart, loadavgEnd: [],
    },
    emulator: { commit, srcDirty: dirty },
    settings: { runs: o.runs, scale: o.scale, libcs: o.libcs, native: host.native, qemu: host.qemu !== null },
    throughput: [],
    perCall: [],
    startup: [],
    nodeAlone: null,
    targets: [],
  };
  try {
    if (want('startup')) {
      for (const name of STARTUP) if (o.libcs.some((l) => name.endsWith(l))) res.startup.push(runStartup(host, o, name));
      const runs: RunResult[] = [];
      for (let i = 0; i < o.runs; i++) runs.push(runNodeAlone(host));
      res.nodeAlone = collect(runs, runs.filter((r) => r.status !== 0).map(describeFailure));
    }
    for (const w of THROUGHPUT) if (want(w.name)) for (const libc of o.libcs) res.throughput.push(runThroughput(host, o, w, libc));
    for (const p of PER_CALL) if (want(p.group) || want(p.name)) for (const libc of o.libcs) res.perCall.push(runPerCall(host, o, p, libc));
  } finally {
    rmSync(host.tmp, { recursive: true, force: true });
  }
  res.machine.loadavgEnd = loadavg();
  res.finished = new Date().toISOString();
  const startCpu = res.startup.find((s) => s.name === 'hello-musl')?.emu.cpu?.median ?? null;
  for (const w of res.throughput) {
    const cpu = w.emu.cpu?.median ?? null;
    const insns = w.emu.instructions?.median ?? null;
    w.mipsCpu = startCpu !== null && cpu !== null && insns !== null && cpu > startCpu ? insns / (cpu - startCpu) / 1e6 : null;
  }
  res.targets = evaluateTargets(res);
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, JSON.stringify(res, null, 2) + '\n');
  process.stdout.write('\n' + renderText(res));
  process.stdout.write(`results: ${relative(o.json)}\n`);
  if (o.markdown) writeFileSync(o.markdown, renderMarkdown(res));
  const broken = [...res.throughput, ...res.perCall, ...res.startup].filter((r) => r.outputMatches === false || r.emu.failures.length > 0);
  if (broken.length) {
    process.stderr.write(`bench: wrong output or failed runs in the emulator: ${broken.map((b) => `${b.name}${'libc' in b ? `-${b.libc}` : ''}`).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main();
