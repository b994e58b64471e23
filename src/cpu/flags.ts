/** RFLAGS bits (SDM Vol. 1 §3.4.3). */
export const CF = 1 << 0;
export const FIXED_1 = 1 << 1; // always reads 1
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const IOPL = 3 << 12;
export const NT = 1 << 14;
export const RF = 1 << 16;
export const VM = 1 << 17;
export const AC = 1 << 18;
export const VIF = 1 << 19;
export const VIP = 1 << 20;
export const ID = 1 << 21;

/** The six status flags that arithmetic computes (kept lazily, see cpu.ts). */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;

/** Bits POPF may change at CPL 3 with IOPL 0: not IF, IOPL, VM, VIF, VIP (SDM Vol. 2B, POPF). */
export const POPF_USER_MASK = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
/** Bits POPF may change at CPL 0 in 64-bit mode (VM, VIF, VIP and RF are never set by it). */
export const POPF_KERNEL_MASK = POPF_USER_MASK | IF | IOPL;

/** PF: set when the low byte of the result has an even number of one bits. */
export const PARITY_EVEN = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b; b >>= 1) bits += b & 1;
  PARITY_EVEN[i] = bits & 1 ? 0 : 1;
}

export function describeFlags(rflags: number): string {
  const names: Array<[number, string]> = [
    [CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [TF, 'TF'], [IF, 'IF'], [DF, 'DF'], [OF, 'OF'],
    [NT, 'NT'], [RF, 'RF'], [AC, 'AC'], [ID, 'ID'],
  ];
  const set = names.filter(([bit]) => rflags & bit).map(([, n]) => n);
  const iopl = (rflags >> 12) & 3;
  if (iopl) set.push(`IOPL=${iopl}`);
  return `[ ${set.join(' ')} ]`;
}
