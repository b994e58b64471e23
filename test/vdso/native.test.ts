/**
 * THE oracle for the vDSO code: run it natively on this x86-64 host.
 *
 * native/vdso-harness.c maps the data area and the image exactly as the kernel lays them
 * out (the image at data start + VDSO_DATA_SIZE, the time page at its offset, every other
 * data page inaccessible), fills the time page with pages produced here by VvarWriter,
 * patches cycle_last with a fresh host TSC reading (the host TSC cannot be set), and calls
 * every exported function through the symbol offsets of the built image. Results are
 * checked against values computed here from the vvar contents and the TSC readings taken
 * right before and after each call, against the host kernel for every id the vDSO passes
 * on to the syscall, and against LSL/sched_getcpu for getcpu.
 *
 * Needs linux/x64 and gcc; otherwise every test is skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVdso64, type Vdso64Image } from '../../src/vdso/image.js';
import {
  CS_HRES_COARSE, CS_RAW, LOW_RES_NSEC, PAGE_SIZE, VD_CYCLE_LAST, VD_SEQ, VDSO_CLOCKMODE_NONE,
  VDSO_DATA_SIZE, VDSO_TIME_DATA_PAGE_OFFSET, VDSO_TIME_PAGE, vvarRecordOffset, tscMultShift,
} from '../../src/vdso/vvar-layout.js';
import { readVvar, vdsoClockGettime, vvarMemory, VvarWriter, type VvarSnapshot, type VvarTime, type VvarUpdate } from '../../src/vdso/vvar-writer.js';
import { INTEL_MODEL } from '../../src/cpu/cpu-model.js';

const here = join(dirname(fileURLToPath(import.meta.url)), 'native');
const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso64-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NS = 1_000_000_000n;

function skipReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `host is ${process.platform}/${process.arch}, not linux/x64`;
  const cc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return 'gcc is not installed';
  return null;
}

function buildHarness(): string | null {
  const why = skipReason();
  if (why) { console.log(`skipping the native vDSO harness: ${why}`); return null; }
  const out = join(dir, 'vdso-harness');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-pthread', '-o', out, join(here, 'vdso-harness.c')], { encoding: 'utf8' });
  if (r.status !== 0) { console.log(`skipping the native vDSO harness: cannot build it: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`); return null; }
  return out;
}
const harness = buildHarness();

// ---- the vvar states, produced by the kernel's writer ------------------------------------------

const { mult, shift } = tscMultShift(INTEL_MODEL.tscHz);
const stateA: VvarUpdate = {
  cycleLast: 0n, // patched by the harness
  mult, shift,
  realtime: { sec: 1_700_000_000, nsec: 123_456_789 },
  // just below a second boundary, with a full sub-ns fraction: a short delta carries into sec
  monotonic: { sec: 12_345, snsec: (999_999_999n << BigInt(shift)) | ((1n << BigInt(shift)) - 1n) },
  boottime: { sec: 12_400, nsec: 5 },
  tai: { sec: 1_700_000_037, nsec: 123_456_789 },
  raw: { sec: 12_340, nsec: 500_000_000 },
  realtimeCoarse: { sec: 1_700_000_000, nsec: 120_000_000 },
  monotonicCoarse: { sec: 12_345, nsec: 996_000_000 },
  hrtimerRes: 1,
};
// the spin test's second state: every clock 1000 s later, so a reader of stale data is caught
const later = (t: VvarTime): VvarTime => ({ ...t, sec: BigInt(t.sec) + 1000n }) as VvarTime;
const stateB: VvarUpdate = {
  ...stateA,
  realtime: later(stateA.realtime),
  monotonic: later(stateA.monotonic),
  boottime: later(stateA.boottime!),
  tai: later(stateA.tai!),
  raw: later(stateA.raw),
  realtimeCoarse: later(stateA.realtimeCoarse!),
  monotonicCoarse: later(stateA.monotonicCoarse!),
};

function page(update: (w: VvarWriter) => void, from?: Uint8Array): Uint8Array {
  const p = from ? from.slice() : new Uint8Array(PAGE_SIZE);
  update(new VvarWriter(vvarMemory(p, VDSO_TIME_DATA_PAGE_OFFSET)));
  return p;
}
const pageA = page((w) => { w.update(stateA); w.setTimezone(-120, 1); });
const pageB = page((w) => w.update(stateB), pageA);
const pageNone = page((w) => w.update({ ...stateA, clockMode: VDSO_CLOCKMODE_NONE, hrtimerRes: 3 }), pageA);
// the same nominal 2 GHz with the largest shift: delta * mult passes 2^64 after 2^33 cycles
const STALE_MULT = 0x80000000;
const STALE_SHIFT = 32;
const pageStale = page((w) => w.update({ ...stateA, mult: STALE_MULT, shift: STALE_SHIFT }), pageA);
const snap = (p: Uint8Array): VvarSnapshot => readVvar(vvarMemory(p, VDSO_TIME_DATA_PAGE_OFFSET));
const snapA = snap(pageA);
const snapB = snap(pageB);
const snapNone = snap(pageNone);
const snapStale = snap(pageStale);

/** The snapshot with cycle_last as the harness patched it. */
function withCycleLast(s: VvarSnapshot, cl: bigint): VvarSnapshot {
  return { ...s, records: [{ ...s.records[0], cycleLast: cl }, { ...s.records[1], cycleLast: cl }] };
}

/**
 * The expected reading in ns (sec * 1e9 + nsec), written out independently of the
 * writer module's model: coarse = basetime; hres/raw = basetime.sec * 1e9 +
 * ((delta * mult + basetime.nsec) >> shift) with delta clamped at 0.
 */
function expectedNs(s: VvarSnapshot, clk: number, tsc: bigint): bigint {
  if (clk === 5 || clk === 6) {
    const b = s.records[CS_HRES_COARSE].basetime[clk]!;
    return b.sec * NS + b.nsec;
  }
  const r = s.records[clk === 4 ? CS_RAW : CS_HRES_COARSE];
  const b = r.basetime[clk]!;
  const delta = tsc > r.cycleLast ? tsc - r.cycleLast : 0n;
  return b.sec * NS + ((delta * BigInt(r.mult) + b.nsec) >> BigInt(r.shift));
}

// ---- running the harness ----------------------------------------------------------------------

type Lines = Map<string, string[][]>;

function run(image: Vdso64Image, tag: string): Lines {
  const f = (name: string, bytes: Uint8Array): string => { const p = join(dir, `${tag}-${name}`); writeFileSync(p, bytes); return p; };
  const sym = (n: string): string => '0x' + image.symbols.get(n)!.toString(16);
  const args = [
    `image=${f('vdso.so', image.bytes)}`,
    `vvar=${f('vvar-a', pageA)}`, `vvar2=${f('vvar-b', pageB)}`, `vvar_none=${f('vvar-none', pageNone)}`,
    `vvar_stale=${f('vvar-stale', pageStale)}`,
    `data_size=${VDSO_DATA_SIZE}`, `time_page=${VDSO_TIME_PAGE * PAGE_SIZE}`,
    `clock_gettime=${sym('__vdso_clock_gettime')}`, `gettimeofday=${sym('__vdso_gettimeofday')}`,
    `time=${sym('__vdso_time')}`, `clock_getres=${sym('__vdso_clock_getres')}`, `getcpu=${sym('__vdso_getcpu')}`,
    `seq=${VDSO_TIME_DATA_PAGE_OFFSET + vvarRecordOffset(CS_HRES_COARSE, VD_SEQ)},${VDSO_TIME_DATA_PAGE_OFFSET + vvarRecordOffset(CS_RAW, VD_SEQ)}`,
    `cycle_last=${VDSO_TIME_DATA_PAGE_OFFSET + vvarRecordOffset(CS_HRES_COARSE, VD_CYCLE_LAST)},${VDSO_TIME_DATA_PAGE_OFFSET + vvarRecordOffset(CS_RAW, VD_CYCLE_LAST)}`,
  ];
  const r = spawnSync(harness!, args, { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, `harness: ${r.stderr}${r.error?.message ?? ''}`).toBe(0);
  const out: Lines = new Map();
  for (const line of r.stdout.trim().split('\n')) {
    const [k, ...v] = line.split(' ');
    out.set(k!, [...(out.get(k!) ?? []), v]);
  }
  return out;
}

const big = BigInt;
const tsNs = (sec: string, nsec: string): bigint => big(sec) * NS + big(nsec);

const images = harness ? { rdtscp: buildVdso64(), lfence: buildVdso64({ tscRead: 'lfence' }) } : null;
const results = new Map<string, Lines>();
const get = (tag: string): Lines => {
  if (!results.has(tag)) results.set(tag, run(images![tag as 'rdtscp']!, tag));
  return results.get(tag)!;
};

describe.skipIf(!harness)('the 64-bit vDSO running natively on the host', () => {
  for (const tag of ['rdtscp', 'lfence'] as const) {
    describe(`TSC read with ${tag}`, () => {
      it('runs to the end, preserving rbx/rbp/r12-r15/rsp and writing nothing below the return address', () => {
        const out = get(tag);
        expect(out.get('done')).toBeDefined();
        expect(out.get('abi_violations')).toEqual([['0']]);
      });

      it('clock_gettime of the HRES/RAW/COARSE clocks follows the formula between the TSC readings around the call', () => {
        const out = get(tag);
        const rows = out.get('cgt')!;
        expect(rows.length).toBe(3 * 4 * 7);
        const last = new Map<string, bigint>();
        let figures = '';
        for (const [scen, clkS, r, sec, nsec, t0, t1, cl] of rows) {
          const clk = Number(clkS);
          expect(r, `clock ${clk}`).toBe('0');
          expect(big(nsec!) >= 0n && big(nsec!) < NS, `nsec ${nsec}`).toBe(true);
          const s = withCycleLast(scen === 'stale' ? snapStale : snapA, big(cl!));
          const got = tsNs(sec!, nsec!);
          const lo = expectedNs(s, clk, big(t0!));
          const hi = expectedNs(s, clk, big(t1!));
          expect(got >= lo && got <= hi, `${scen} clock ${clk}: ${got} not in [${lo}, ${hi}]`).toBe(true);
          // the writer module's model of the reader agrees with the formula
          const m = vdsoClockGettime(s, clk, big(t0!))!;
          expect(m.sec * NS + m.nsec).toBe(lo);
          // monotonic within a scenario
          const key = `${scen}/${clk}`;
          if (last.has(key)) expect(got >= last.get(key)!, `${key} went backwards`).toBe(true);
          last.set(key, got);
          if (scen === 'future' || clk === 5 || clk === 6) expect(got).toBe(expectedNs(s, clk, 0n)); // delta 0 / coarse: the base
          if (clk === 0 && !figures.includes(scen)) figures += ` ${scen}: ${sec}.${nsec.padStart(9, '0')} (${big(t1!) - big(t0!)} cycles around the call)`;
        }
        console.log(`[${tag}] CLOCK_REALTIME readings:${figures}`);
      });

      it('keeps large deltas exact: delta * mult beyond 2^64 uses the 128-bit product', () => {
        const out = get(tag);
        for (const clk of ['0', '1', '4', '7', '11']) {
          const row = out.get('cgt')!.find((r) => r[0] === 'stale' && r[1] === clk)!;
          const [, , , sec, nsec, t0, , cl] = row;
          const delta = big(t0!) - big(cl!);
          expect(delta > 0n, 'the host TSC is below 2^34: booted seconds ago?').toBe(true);
          expect(delta * big(STALE_MULT) >= 1n << 64n).toBe(true);
          const b = snapStale.records[clk === '4' ? 1 : 0].basetime[Number(clk)]!;
          const wrapped = b.sec * NS + ((((delta * big(STALE_MULT)) & ((1n << 64n) - 1n)) + b.nsec) >> big(STALE_SHIFT));
          const got = tsNs(sec!, nsec!);
          expect(got - wrapped > 1_000_000_000n, `clock ${clk}`).toBe(true); // a 64-bit product would be seconds off
          expect(got - (b.sec * NS + (b.nsec >> big(STALE_SHIFT))) >= (1n << 33n) - 1n).toBe(true); // 2^34 cycles at 2 GHz: ~8.6 s
        }
      });

      it('treats the clock id as an int (upper half of rdi ignored)', () => {
        const [[clk, r, sec, nsec, t0, t1, cl]] = get(tag).get('cgt_hi')! as [string[]];
        expect([clk, r]).toEqual(['1', '0']);
        const s = withCycleLast(snapA, big(cl!));
        const got = tsNs(sec!, nsec!);
        expect(got >= expectedNs(s, 1, big(t0!)) && got <= expectedNs(s, 1, big(t1!))).toBe(true);
      });

      it('gettimeofday: REALTIME in microseconds, tz copied, NULL pointers skipped', () => {
        const out = get(tag);
        const check = (sec: string, usec: string, t0: string, t1: string, cl: string): void => {
          const s = withCycleLast(snapA, big(cl));
          const us = big(sec) * 1_000_000n + big(usec);
          expect(big(usec) < 1_000_000n).toBe(true);
          expect(us >= expectedNs(s, 0, big(t0)) / 1000n && us <= expectedNs(s, 0, big(t1)) / 1000n).toBe(true);
        };
        const [[r, sec, usec, t0, t1, cl, mw, dst]] = out.get('gtod')! as [string[]];
        expect(r).toBe('0');
        check(sec!, usec!, t0!, t1!, cl!);
        expect([mw, dst]).toEqual(['-120', '1']);
        expect(out.get('gtod_null_tv')).toEqual([['0', '-120', '1']]);
        const [[r2, sec2, usec2, t02, t12, cl2]] = out.get('gtod_null_tz')! as [string[]];
        expect(r2).toBe('0');
        check(sec2!, usec2!, t02!, t12!, cl2!);
        expect(out.get('gtod_null_both')).toEqual([['0']]);
      });

      it('time: basetime[REALTIME].sec, stored through a non-NULL pointer', () => {
        const out = get(tag);
        expect(out.get('time')).toEqual([['1700000000', '1700000000']]);
        expect(out.get('time_null')).toEqual([['1700000000']]);
      });

      it('clock_getres: hrtimer_res for HRES/RAW, LOW_RES_NSEC for COARSE, the host kernel for the rest', () => {
        const out = get(tag);
        for (const [clkS, vr, vsec, vnsec, sr, ssec, snsec] of out.get('getres')!) {
          const clk = Number(clkS);
          if ([0, 1, 4, 7, 11].includes(clk)) expect([vr, vsec, vnsec], `clock ${clk}`).toEqual(['0', '0', '1']);
          else if (clk === 5 || clk === 6) expect([vr, vsec, vnsec], `clock ${clk}`).toEqual(['0', '0', String(LOW_RES_NSEC)]);
          else {
            expect(vr, `clock ${clk}`).toBe(sr);
            if (vr === '0') expect([vsec, vnsec]).toEqual([ssec, snsec]);
            else expect([vsec, vnsec]).toEqual(['-1', '-1']); // untouched
          }
        }
        expect(out.get('getres')!.find((r) => r[0] === '-1')![1]).toBe('-22'); // -EINVAL from the kernel
        expect(out.get('getres')!.find((r) => r[0] === '16')![1]).toBe('-22');
        for (const [clkS, vn, sn] of out.get('getres_null')!) {
          if ([0, 1, 4, 5, 6, 7, 11].includes(Number(clkS))) expect(vn).toBe('0');
          else expect(vn, `clock ${clkS}`).toBe(sn);
        }
      });

      it('clock_gettime passes every other id to the kernel: same errors, CPU times in between', () => {
        const out = get(tag);
        const rows = out.get('fallback')!;
        const byId = new Map(rows.map((r) => [r[0]!, r]));
        for (const [clk, s1, as, an, v, bs, bn, s2, cs, cn] of rows) {
          expect(v, `clock ${clk}`).toBe(s1);
          expect(s2, `clock ${clk}`).toBe(s1);
          if (v === '0') {
            const a = tsNs(as!, an!), b = tsNs(bs!, bn!), c = tsNs(cs!, cn!);
            expect(a <= b && b <= c, `clock ${clk}: ${a} ${b} ${c}`).toBe(true);
          } else {
            expect([bs, bn]).toEqual(['-1', '-1']);
          }
        }
        for (const id of ['-1', '16', '17', '100', '10', '12', '15', '2147483647', '-2147483648']) expect(byId.get(id)![4], `clock ${id}`).toBe('-22');
        expect(byId.get('2')![4]).toBe('0'); // CLOCK_PROCESS_CPUTIME_ID: a real CPU time
        expect(byId.get('3')![4]).toBe('0');
        expect(byId.get('-2')![4]).toBe('0'); // a dynamic CPU clock id (this process)
        const cpu = byId.get('2')!;
        console.log(`[${tag}] CLOCK_PROCESS_CPUTIME_ID through the vDSO: ${cpu[5]}.${cpu[6]!.padStart(9, '0')} s (syscall before ${cpu[2]}.${cpu[3]!.padStart(9, '0')}, after ${cpu[8]}.${cpu[9]!.padStart(9, '0')})`);
      });

      it('clock_mode NONE: counter clocks and gettimeofday take the syscall; coarse, time and getres stay in the vDSO', () => {
        const out = get(tag);
        for (const [clk, s1, as, an, v, bs, bn, s2, cs, cn] of out.get('none')!) {
          expect([s1, v, s2], `clock ${clk}`).toEqual(['0', '0', '0']);
          const b = tsNs(bs!, bn!);
          if (clk === '5' || clk === '6') {
            expect(b).toBe(expectedNs(snapNone, Number(clk), 0n));
          } else {
            expect(tsNs(as!, an!) <= b && b <= tsNs(cs!, cn!), `clock ${clk}`).toBe(true);
          }
        }
        const [[s1, as, au, v, bs, bu, s2, cs, cu]] = out.get('none_gtod')! as [string[]];
        expect([s1, v, s2]).toEqual(['0', '0', '0']);
        const us = (s: string, u: string): bigint => big(s) * 1_000_000n + big(u);
        expect(us(as!, au!) <= us(bs!, bu!) && us(bs!, bu!) <= us(cs!, cu!)).toBe(true);
        expect(out.get('none_time')).toEqual([['1700000000']]);
        expect(out.get('none_getres')).toEqual([['0', '0', '0', '3']]);
      });

      it('an odd seq makes the reader spin until the writer finishes, then it reads the new data', () => {
        const out = get(tag);
        const rows = out.get('spin')!;
        expect(rows.map((r) => r[0])).toEqual(['0', '4', '5']);
        for (const [clkS, r, sec, nsec, elapsed, clB, t1] of rows) {
          const clk = Number(clkS);
          expect(r).toBe('0');
          expect(big(elapsed!) >= 100_000_000n, `clock ${clk} returned after ${elapsed} ns`).toBe(true);
          const s = withCycleLast(snapB, big(clB!));
          const got = tsNs(sec!, nsec!);
          expect(got >= expectedNs(s, clk, big(clB!)) && got <= expectedNs(s, clk, big(t1!)), `clock ${clk}`).toBe(true);
        }
        console.log(`[${tag}] seqlock spin: readers returned after ${rows.map((r) => `${(Number(r[4]) / 1e6).toFixed(1)} ms`).join(', ')} (writer held seq odd for 150 ms)`);
      });

      it('getcpu returns the LSL limit of selector 0x7b: the CPU we are pinned to and its node', () => {
        const out = get(tag);
        const rows = out.get('getcpu')!;
        expect(rows.length).toBeGreaterThan(0);
        for (const [cpu, r, c, node, lcpu, lnode, sched] of rows) {
          expect([r, c, node]).toEqual(['0', cpu, lnode]);
          expect([lcpu, sched]).toEqual([cpu, cpu]);
        }
        for (const [cpu, r1, c2, r2, n2, r3] of out.get('getcpu_partial')!) {
          const node = rows.find((x) => x[0] === cpu)![3];
          expect([r1, c2, r2, n2, r3]).toEqual(['0', cpu, '0', node, '0']);
        }
        console.log(`[${tag}] getcpu: ${rows.map((r) => `cpu ${r[0]} -> (${r[2]}, node ${r[3]})`).join(', ')}`);
      });
    });
  }
});
