// Helpers that run GNU binutils (as, ld, objcopy, nm) as the oracle for the assembler tests
// and for make-golden.mjs. Plain JavaScript so that `node test/vdso/asm/make-golden.mjs` runs
// without a TypeScript loader; types are in gas.d.mts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why binutils cannot be used here, or null when as/ld/objcopy/nm all run. */
export function gasUnavailableReason() {
  for (const tool of ['as', 'ld', 'objcopy', 'nm']) {
    try {
      run(tool, ['--version']);
    } catch {
      return `GNU ${tool} is not installed (install binutils to run the live comparison)`;
    }
  }
  return null;
}

function withTmp(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'x64emu-asm-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gasRun(dir, source, bits) {
  writeFileSync(join(dir, 't.s'), source);
  try {
    run('as', [`--${bits}`, '-msyntax=intel', '-mnaked-reg', '-o', 't.o', 't.s'], dir);
  } catch (e) {
    const msg = String(e.stderr || e.message);
    throw new Error(`as failed:\n${msg}`);
  }
}

function symbols(dir, file) {
  const out = run('nm', ['-n', file], dir);
  const map = new Map();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+)\s+(\S)\s+(\S+)$/.exec(line.trim());
    if (m && (m[2] === 't' || m[2] === 'T')) map.set(m[3], BigInt('0x' + m[1]));
  }
  return map;
}

function textBytes(dir, file) {
  run('objcopy', ['-O', 'binary', '-j', '.text', file, 't.bin'], dir);
  return readFileSync(join(dir, 't.bin'));
}

/**
 * Assembles each line on its own (in one `as` run, separated by labels) and returns the
 * hex bytes of each line ("48 89 d8"). Throws with the assembler's messages on an error.
 */
export function gasLines(lines, bits = 64) {
  return withTmp((dir) => {
    const src = ['.intel_syntax noprefix', `.code${bits}`];
    lines.forEach((l, i) => src.push(`__g${i}:`, l));
    src.push(`__g${lines.length}:`, '');
    gasRun(dir, src.join('\n'), bits);
    const syms = symbols(dir, 't.o');
    const bytes = textBytes(dir, 't.o');
    return lines.map((_, i) => {
      const a = Number(syms.get(`__g${i}`));
      const b = Number(syms.get(`__g${i + 1}`));
      return hex(bytes.subarray(a, b));
    });
  });
}

/**
 * Assembles a whole program and links it at `origin` (so that absolute references such as
 * `.quad label` are resolved). Returns the .text bytes as hex and the label offsets.
 */
export function gasProgram(source, { bits = 64, origin = 0n } = {}) {
  return withTmp((dir) => {
    gasRun(dir, `.intel_syntax noprefix\n.code${bits}\n${source}\n`, bits);
    run('ld', ['-m', bits === 64 ? 'elf_x86_64' : 'elf_i386', `-Ttext=0x${BigInt(origin).toString(16)}`, '-e', '0', '-z', 'noexecstack',
      '--no-warn-rwx-segments', '-o', 't.elf', 't.o'], dir);
    const syms = symbols(dir, 't.elf');
    const labels = {};
    for (const [k, v] of syms) if (!k.startsWith('_') && !k.startsWith('.')) labels[k] = Number(v - BigInt(origin));
    return { hex: hex(textBytes(dir, 't.elf')), labels };
  });
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Assembles each line on its own like gasLines, but tolerates lines that GNU as rejects:
 * returns the hex for accepted lines and null for rejected ones.
 */
export function gasLinesLenient(lines, bits = 64) {
  return withTmp((dir) => {
    let keep = lines.map((l, i) => i);
    const rejected = new Set();
    for (let round = 0; ; round++) {
      if (round > 50) throw new Error('as keeps failing');
      const src = ['.intel_syntax noprefix', `.code${bits}`];
      keep.forEach((li, i) => src.push(`__g${i}:`, lines[li]));
      src.push(`__g${keep.length}:`, '');
      writeFileSync(join(dir, 't.s'), src.join('\n'));
      try {
        run('as', [`--${bits}`, '-msyntax=intel', '-mnaked-reg', '-o', 't.o', 't.s'], dir);
      } catch (e) {
        const bad = new Set();
        for (const m of String(e.stderr).matchAll(/t\.s:(\d+): (?:Error|Internal error)/g)) bad.add(Math.floor((Number(m[1]) - 3) / 2));
        if (bad.size === 0) throw new Error(`as failed:\n${e.stderr}`);
        for (const i of bad) rejected.add(keep[i]);
        keep = keep.filter((_, i) => !bad.has(i));
        continue;
      }
      const syms = symbols(dir, 't.o');
      const bytes = textBytes(dir, 't.o');
      const out = lines.map(() => null);
      keep.forEach((li, i) => {
        out[li] = hex(bytes.subarray(Number(syms.get(`__g${i}`)), Number(syms.get(`__g${i + 1}`))));
      });
      return out;
    }
  });
}
