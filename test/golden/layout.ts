/**
 * What the native harness (tools/golden/golden.c) and the emulator's golden test agree
 * on: the guest address layout, the default register contents, and the record format of
 * the committed vectors (test/golden/data/*.jsonl.gz).
 */

/** Snippet code: two pages, RWX on the host; the snippet starts at CODE_BASE. */
export const CODE_BASE = 0x1000_0000;
export const CODE_SIZE = 0x2000;
/** Two read-write data pages. */
export const DATA_BASE = 0x2000_0000;
export const DATA_SIZE = 0x2000;
/** One page that is not mapped (a not-present #PF). */
export const GUARD_BASE = DATA_BASE + 0x2000;
/** One read-only page holding RO_PATTERN (a protection #PF on write). */
export const RO_BASE = DATA_BASE + 0x3000;
export const roByte = (k: number): number => (k * 7 + 3) & 0xff;
/** GS base on both sides, so GS-relative operands land in the data pages (FS stays glibc's on the host: not used). */
export const GS_BASE = DATA_BASE + 0x100;
/** RSP unless a vector says otherwise: inside the data pages, so pushes land in memory both sides see. */
export const DEFAULT_RSP = BigInt(DATA_BASE + 0x1800);

/** RFLAGS bits the test compares: the status flags, IF, DF, IOPL, NT, ID and the fixed bit 1 (not TF, RF, AC, VM...). */
export const COMPARED_FLAGS = 0x207ed7;
/** User-mode RFLAGS always has IF set; the emulator starts each vector with it too. */
export const IF_FLAG = 0x200;

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Register contents a vector does not mention: distinct, with both halves non-zero. */
export function defaultGpr(n: number): bigint {
  if (n === 4) return DEFAULT_RSP;
  return 0xf0e1d2c3b4a59687n ^ (BigInt(n + 1) * 0x1111111111111111n);
}

export function defaultXmm(n: number): Uint8Array {
  const b = new Uint8Array(16);
  for (let k = 0; k < 16; k++) b[k] = ((n << 4) | k) ^ 0x5a;
  return b;
}

/**
 * The x87/SSE state travels as an FXSAVE64 image (SDM Vol. 1 §10.5.1, Table 10-2); records
 * name its architectural fields. FOP, FIP, FDP and MXCSR_MASK are implementation details
 * and never compared.
 */
export const FX_FIELDS: Array<[name: string, offset: number, size: number]> = [
  ['fcw', 0, 2],
  ['fsw', 2, 2],
  ['ftw', 4, 1], // the abridged tag byte: bit i set when physical register i is not empty
  ['mxcsr', 24, 4],
  ...Array.from({ length: 8 }, (_, i): [string, number, number] => [`st${i}`, 32 + 16 * i, 10]),
  ...Array.from({ length: 16 }, (_, x): [string, number, number] => [`xmm${x}`, 160 + 16 * x, 16]),
];

/**
 * A field's value as text: XMM registers in memory byte order; the others as numbers in hex
 * (ST registers as 20 digits, sign and exponent first).
 */
export function fxGet(fx: Uint8Array, name: string): string {
  const f = FX_FIELDS.find(([n]) => n === name)!;
  const bytes = fx.subarray(f[1], f[1] + f[2]);
  if (name.startsWith('xmm')) return bytesToHex(bytes);
  return bytesToHex(Uint8Array.from(bytes).reverse());
}

export function fxSet(fx: Uint8Array, name: string, value: string): void {
  const f = FX_FIELDS.find(([n]) => n === name)!;
  let b = hexToBytes(value.padStart(2 * f[2], '0'));
  if (!name.startsWith('xmm')) b = b.reverse();
  fx.set(b, f[1]);
}

export function defaultFx(): Uint8Array {
  const fx = new Uint8Array(512);
  fxSet(fx, 'fcw', '037f');
  fxSet(fx, 'mxcsr', '00001f80');
  for (let x = 0; x < 16; x++) fx.set(defaultXmm(x), 160 + 16 * x);
  return fx;
}

export const FX_NAMES = FX_FIELDS.map(([n]) => n);

/** An exception the snippet raised: vector, error code, CR2 (for #PF) and the faulting instruction's offset. */
export interface GoldenException {
  v: number;
  e: number;
  /** Faulting linear address, hex, #PF only. */
  a?: string;
  /** RIP of the faulting instruction minus CODE_BASE. */
  r: number;
}

/**
 * One golden vector as committed (one JSON object per line).
 * Register values are 16 hex digits, XMM values 32 hex digits in memory byte order.
 */
export interface GoldenVector {
  /** Form id: mnemonic, operand codes, operand size and register/memory kind. */
  f: string;
  /** Mnemonic for the undefined-flags table. */
  m: string;
  /** Operand size in bytes for the undefined-flags table. */
  sz: number;
  /** Masked shift/rotate count, for the undefined-flags table. */
  k?: number;
  /** Opcode-table key of the first instruction (absent for hand-written snippets). */
  key?: string;
  /** Snippet bytes, hex. */
  b: string;
  /** Inputs that differ from the defaults: gpr names, and the FX_FIELDS (xmm0..15, st0..7, fcw, fsw, ftw, mxcsr). */
  in: Record<string, string>;
  /** Input RFLAGS. */
  fl: number;
  /** Input memory window "offset:hex" relative to DATA_BASE. */
  mem?: string;
  /** Registers whose value changed. */
  out: Record<string, string>;
  /** Output RFLAGS & COMPARED_FLAGS with the undefined flags cleared. */
  ofl: number;
  /** The window after the snippet, when it changed. */
  omem?: string;
  exc?: GoldenException;
}

export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

export function bytesToHex(b: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] & 0xff).toString(16).padStart(2, '0');
  return s;
}

export function hexToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function parseWindow(w: string): { offset: number; bytes: Uint8Array } {
  const colon = w.indexOf(':');
  return { offset: parseInt(w.slice(0, colon), 16), bytes: hexToBytes(w.slice(colon + 1)) };
}
