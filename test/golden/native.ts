/**
 * The host side of the golden vectors: the request line the native harness
 * (tools/golden/golden.c) reads, running it, and turning its answer into the committed
 * record with the undefined flags masked. Used by the generator and by the spot-check test.
 */
import { spawnSync } from 'node:child_process';
import {
  bytesToHex, COMPARED_FLAGS, defaultFx, defaultGpr, FX_NAMES, fxGet, fxSet, GPR_NAMES, hex64, hexToBytes, parseWindow,
} from './layout.js';
import type { GoldenVector } from './layout.js';
import { undefinedFlags } from './undefined-flags.js';

/** One snippet with its complete input state. */
export interface NativeInput {
  code: ArrayLike<number>;
  gpr: bigint[];
  flags: number;
  /** Memory window relative to DATA_BASE, or null. */
  window: { offset: number; bytes: Uint8Array } | null;
  /** FXSAVE64 image. */
  fx: Uint8Array;
  /** Masked count, for the undefined-flags table. */
  k?: number;
  /** Opcode-table key of the first instruction. */
  key?: string;
}

export interface FormInfo {
  id: string;
  mnemonic: string;
  size: number;
}

export function requestLine(x: NativeInput): string {
  const mem = x.window ? `${x.window.offset.toString(16)}:${bytesToHex(x.window.bytes)}` : '-';
  return [bytesToHex(x.code), ...x.gpr.map(hex64), x.flags.toString(16), mem, bytesToHex(x.fx)].join(' ');
}

/** Runs request lines through the harness binary; one answer per line. */
export function runHarness(binary: string, lines: string[]): string[] {
  const res = spawnSync(binary, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`golden harness failed (status ${res.status}): ${res.stderr}`);
  const out = res.stdout.trimEnd().split('\n');
  if (out.length !== lines.length) throw new Error(`golden harness answered ${out.length} of ${lines.length} requests`);
  return out;
}

/** Turns a harness answer into the committed record (undefined flags cleared, unchanged state left out). */
export function toRecord(form: FormInfo, x: NativeInput, answer: string): GoldenVector {
  const f = answer.split(' ');
  const rec: GoldenVector = { f: form.id, m: form.mnemonic, sz: form.size, b: bytesToHex(x.code), in: {}, fl: x.flags, out: {}, ofl: 0 };
  if (x.k !== undefined) rec.k = x.k;
  if (x.key !== undefined && !form.mnemonic.startsWith('=')) rec.key = x.key;
  for (let r = 0; r < 16; r++) if (x.gpr[r] !== defaultGpr(r)) rec.in[GPR_NAMES[r]] = hex64(x.gpr[r]);
  const fx0 = defaultFx();
  for (const name of FX_NAMES) if (fxGet(x.fx, name) !== fxGet(fx0, name)) rec.in[name] = fxGet(x.fx, name);
  if (x.window) rec.mem = `${x.window.offset.toString(16)}:${bytesToHex(x.window.bytes)}`;
  if (f[0] !== 'ok') {
    const [, trap, err, addr, rip] = f[0].split(':');
    rec.exc = { v: parseInt(trap, 10), e: parseInt(err, 16), r: parseInt(rip, 16) };
    if (rec.exc.v === 14) rec.exc.a = parseInt(addr, 16).toString(16);
  }
  for (let r = 0; r < 16; r++) if (f[1 + r] !== hex64(x.gpr[r])) rec.out[GPR_NAMES[r]] = f[1 + r];
  rec.ofl = parseInt(f[17], 16) & COMPARED_FLAGS & ~undefinedFlags(form.mnemonic, form.size, x.k);
  if (f[18] !== '-' && rec.mem !== f[18]) rec.omem = f[18].slice(f[18].indexOf(':') + 1);
  const fxOut = hexToBytes(f[19]);
  for (const name of FX_NAMES) if (fxGet(fxOut, name) !== fxGet(x.fx, name)) rec.out[name] = fxGet(fxOut, name);
  return rec;
}

/** The complete input state a committed record describes. */
export function inputOf(v: GoldenVector): NativeInput {
  const gpr = GPR_NAMES.map((name, r) => (name in v.in ? BigInt('0x' + v.in[name]) : defaultGpr(r)));
  const fx = defaultFx();
  for (const name of FX_NAMES) if (name in v.in) fxSet(fx, name, v.in[name]);
  return { code: hexToBytes(v.b), gpr, flags: v.fl, window: v.mem ? parseWindow(v.mem) : null, fx, k: v.k, key: v.key };
}
