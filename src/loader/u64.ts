// Little-endian u64 values as JavaScript numbers, through 32-bit halves (no BigInt:
// see DESIGN.md, "Rules for the hot path"). A double holds every integer below 2^53
// exactly, and every user address on x86-64 is below 2^47; larger values would be
// rounded silently, so they are reported instead.

const TWO_TO_THE_32 = 0x1_0000_0000;
const HIGHEST_EXACT_HIGH_HALF = 0x1f_ffff; // hi * 2^32 + lo < 2^53 exactly when hi < 2^21

/** The u64 at `offset`, or undefined when it is 2^53 or more and a number would round it. */
export function readU64Exact(view: DataView, offset: number): number | undefined {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  return hi > HIGHEST_EXACT_HIGH_HALF ? undefined : hi * TWO_TO_THE_32 + lo;
}

/** The u64 at `offset` in hex, exact at any size (for error messages). */
export function formatU64Hex(view: DataView, offset: number): string {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  return hi === 0 ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}

export function writeU64(view: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a u64 below 2^53: ${value}`);
  view.setUint32(offset, value % TWO_TO_THE_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_TO_THE_32), true);
}
