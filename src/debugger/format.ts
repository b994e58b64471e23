/**
 * Number formatting for the debugger's views. Addresses are the emulator's signed
 * canonical numbers (the kernel half is negative, see src/mmu/mmu.ts); people read them
 * as unsigned 64-bit hex, so every view goes through these helpers.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_64 = 2n ** 64n;

/** A signed canonical address (or any exact integer) as an unsigned 64-bit BigInt. */
export function toU64(n: number): bigint {
  const b = BigInt(Math.trunc(n));
  return b < 0n ? b + TWO_POW_64 : b;
}

/** `0x401000`, `0xffffffff81000000`: an address without padding. */
export function hexAddr(n: number): string {
  return '0x' + toU64(n).toString(16);
}

/** A 64-bit register from its halves. */
export function u64Of(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** A 64-bit register from its halves as a signed number (exact within ±2^53, as addresses are). */
export function signedOf(lo: number, hi: number): number {
  return (hi | 0) * TWO_POW_32 + (lo >>> 0);
}

/** 16 hex digits, zero-padded: `0x0000000000401000`. */
export function hex64(v: bigint | number): string {
  const u = typeof v === 'bigint' ? BigInt.asUintN(64, v) : toU64(v);
  return '0x' + u.toString(16).padStart(16, '0');
}

/** Hex of a small unsigned value: `0x33`. */
export function hexSmall(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** A signed canonical number from an unsigned 64-bit BigInt (the kernel half becomes negative). */
export function fromU64(u: bigint): number {
  const v = BigInt.asUintN(64, u);
  return Number(v >= 1n << 63n ? v - TWO_POW_64 : v);
}

/** `"text\n"` with C escapes, as strace and gdb quote strings; `max` bytes at most, then `...`. */
export function quoteBytes(bytes: Uint8Array, max = 64): string {
  let s = '"';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0x0a) s += '\\n';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  s += '"';
  if (bytes.length > max) s += '...';
  return s;
}

/** Space-separated hex bytes: `48 89 e5`. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** English ordinal for hit counts: 1st, 2nd, 3rd, 4th, 11th. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** `1 instruction`, `3 instructions`. */
export function plural(n: number, word: string, many = word + 's'): string {
  return `${n} ${n === 1 ? word : many}`;
}
