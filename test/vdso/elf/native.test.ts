/**
 * Real consumers (optional): when this host is x86-64 Linux with a C compiler, compile
 * the programs in ./native against an image from the writer and run them.
 *  - static glibc: the startup vDSO path (setup_vdso, GNU hash + bloom, no versions);
 *  - static musl (if musl-gcc exists): __vdsosym (DT_HASH, verdef name match);
 *  - dynamic glibc: dlopen + dlvsym/dlsym (full version checks).
 * The dummy functions return sentinels, so "found" and "fell back to the syscall" differ.
 * Every part is skipped, with the reason printed, when its toolchain is missing: the
 * suite itself never needs a compiler.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVdsoImage } from '../../../src/vdso/elf/index.js';
import { SENTINEL, standard64Spec } from './fixtures.js';

const here = join(dirname(fileURLToPath(import.meta.url)), 'native');
const dir = mkdtempSync(join(tmpdir(), 'x64emu-vdso-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = buildVdsoImage(standard64Spec());
const imagePath = join(dir, 'vdso.so');
writeFileSync(imagePath, image.bytes);

function skipReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `host is ${process.platform}/${process.arch}, not linux/x64`;
  return null;
}

/** Compiles a program; returns its path, or null (with the reason printed) if the toolchain can't. */
function compile(cc: string, source: string, out: string, args: string[]): string | null {
  const why = skipReason();
  if (why) { console.log(`skipping native ${cc} consumer: ${why}`); return null; }
  const r = spawnSync(cc, [...args, '-o', join(dir, out), join(here, source)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.log(`skipping native ${cc} consumer (${out}): cannot build: ${r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return join(dir, out);
}

/** Runs a program; returns its output lines keyed by their first word (repeated keys: all rows). */
function runLines(path: string, args: string[] = []): Map<string, string[][]> {
  const r = spawnSync(path, args, { encoding: 'utf8', timeout: 10_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const out = new Map<string, string[][]>();
  for (const line of r.stdout.trim().split('\n')) {
    const [k, ...v] = line.split(' ');
    out.set(k!, [...(out.get(k!) ?? []), v]);
  }
  return out;
}

const staticArgs = ['-O1', '-fno-stack-protector', '-static', '-no-pie', `-DIMAGE="${imagePath}"`, '-Wl,-e,consumer_start'];
const glibcStatic = compile('cc', 'static-consumer.c', 'glibc-static', staticArgs);
const muslStatic = compile('musl-gcc', 'static-consumer.c', 'musl-static', staticArgs);
const glibcDlopen = compile('cc', 'dlopen-consumer.c', 'glibc-dlopen', ['-O1', '-ldl']);

const S = SENTINEL;

describe('native consumers of the image', () => {
  it.skipIf(!glibcStatic)('static glibc uses the image as its vDSO', () => {
    const out = runLines(glibcStatic!);
    if (out.get('patched')?.[0]?.[0] !== '1') { console.log('skipping: the host gave this process no AT_SYSINFO_EHDR (vdso=0?)'); return; }
    expect(out.get('clock_gettime')?.[0]).toEqual(['0', String(S.clockGettimeSec), String(S.clockGettimeNsec)]);
    expect(out.get('gettimeofday')?.[0]).toEqual(['0', String(S.gettimeofdaySec), String(S.gettimeofdayUsec)]);
    expect(out.get('time')?.[0]).toEqual([String(S.time)]);
    expect(out.get('getcpu')?.[0]).toEqual(['0', String(S.getcpu), '0']);
    expect(out.get('dl_iterate_phdr')?.[0]).toEqual(['linux-vdso.so.1', '3']); // named from DT_SONAME
  });

  it.skipIf(!muslStatic)('static musl uses the image as its vDSO', () => {
    const out = runLines(muslStatic!);
    if (out.get('patched')?.[0]?.[0] !== '1') { console.log('skipping: the host gave this process no AT_SYSINFO_EHDR (vdso=0?)'); return; }
    // musl builds gettimeofday and time on clock_gettime.
    expect(out.get('clock_gettime')?.[0]).toEqual(['0', String(S.clockGettimeSec), String(S.clockGettimeNsec)]);
    expect(out.get('gettimeofday')?.[0]).toEqual(['0', String(S.clockGettimeSec), '0']);
    expect(out.get('time')?.[0]).toEqual([String(S.clockGettimeSec)]);
    expect(out.get('sched_getcpu')?.[0]).toEqual([String(S.getcpu)]);
  });

  it.skipIf(!glibcDlopen)('the glibc dynamic loader resolves every versioned symbol', () => {
    const names = [...image.symbols.keys()];
    const out = runLines(glibcDlopen!, [imagePath, ...names]);
    const base = parseInt(out.get('base')![0]![0]!, 16);
    expect(base % 4096).toBe(0);
    expect(base).not.toBe(0);
    const rows = out.get('sym')!;
    expect(rows.length).toBe(names.length);
    for (const [name, v26, v25, any] of rows) {
      const want = (base + image.symbols.get(name!)!).toString(16);
      expect([v26, v25, any], name).toEqual([want, '0', want]); // wrong version: not found
    }
    expect(out.get('call')?.[0]).toEqual(['0', String(S.clockGettimeSec), String(S.clockGettimeNsec)]);
  });
});
