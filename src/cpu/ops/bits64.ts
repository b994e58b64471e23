/**
 * 64-bit shifts on (lo, hi) int32 halves. Each returns the low half and leaves the
 * high half in `out.hi`, so no object is allocated per operation.
 */
export const out = { hi: 0 };

/** (lo,hi) << c for 0 <= c < 64. */
export function shl64(lo: number, hi: number, c: number): number {
  if (c === 0) { out.hi = hi; return lo; }
  if (c < 32) { out.hi = (hi << c) | (lo >>> (32 - c)); return lo << c; }
  out.hi = lo << (c - 32);
  return 0;
}

/** Logical (lo,hi) >>> c for 0 <= c < 64. */
export function shr64(lo: number, hi: number, c: number): number {
  if (c === 0) { out.hi = hi; return lo; }
  if (c < 32) { out.hi = hi >>> c | 0; return (lo >>> c) | (hi << (32 - c)); }
  out.hi = 0;
  return (hi >>> (c - 32)) | 0;
}

/** Arithmetic (lo,hi) >> c for 0 <= c < 64. */
export function sar64(lo: number, hi: number, c: number): number {
  if (c === 0) { out.hi = hi; return lo; }
  if (c < 32) { out.hi = hi >> c; return (lo >>> c) | (hi << (32 - c)); }
  out.hi = hi >> 31;
  return hi >> (c - 32);
}

/** Bit n (0..63) of (lo,hi). */
export function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}
