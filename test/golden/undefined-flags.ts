/**
 * The flags the Intel SDM leaves undefined, per instruction: the one table both the
 * vector generator (before it records the host's RFLAGS) and the golden test (before it
 * compares the emulator's) apply. A host CPU may leave anything in these bits — this
 * one is an AMD part, the emulator models an Intel one — so neither side may look at them.
 *
 * References are to the "Flags Affected" paragraph of each instruction in the SDM
 * Vol. 2A-2D (Order No. 325383), which agrees with the AMD APM Vol. 3 for all of these.
 * Flags an instruction leaves unchanged are *defined* (they must keep their value) and are
 * compared; only "undefined" is masked.
 */
const CF = 0x001;
const PF = 0x004;
const AF = 0x010;
const ZF = 0x040;
const SF = 0x080;
const OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

/** Instructions whose undefined flags do not depend on the operands. */
const FIXED: Record<string, number> = {
  // AND, OR, XOR, TEST: "The OF and CF flags are cleared; ... The state of the AF flag is undefined."
  and: AF,
  or: AF,
  xor: AF,
  test: AF,
  // MUL, IMUL: "The SF, ZF, AF, and PF flags are undefined."
  mul: SF | ZF | AF | PF,
  imul: SF | ZF | AF | PF,
  // DIV, IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
  div: STATUS,
  idiv: STATUS,
  // BT, BTS, BTR, BTC: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined."
  bt: OF | SF | AF | PF,
  bts: OF | SF | AF | PF,
  btr: OF | SF | AF | PF,
  btc: OF | SF | AF | PF,
  // BSF, BSR: "The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is
  // cleared. The CF, OF, SF, AF, and PF flags are undefined."
  bsf: CF | OF | SF | AF | PF,
  bsr: CF | OF | SF | AF | PF,
  // TZCNT, LZCNT: "ZF is set to 1 in case of zero output ..., and cleared otherwise. CF is set
  // to 1 if the input was zero and cleared otherwise. OF, SF, PF and AF flags are undefined."
  tzcnt: OF | SF | PF | AF,
  lzcnt: OF | SF | PF | AF,
};

/**
 * Undefined status flags of one execution. `size` is the operand size in bytes; `count`
 * the masked count (COUNT & 1FH, or & 3FH with REX.W) of a shift, rotate or double shift.
 */
export function undefinedFlags(mnemonic: string, size: number, count?: number): number {
  const fixed = FIXED[mnemonic];
  if (fixed !== undefined) return fixed;
  const bits = size * 8;
  switch (mnemonic) {
    case 'shl':
    case 'sal':
    case 'shr':
    case 'sar': {
      // SAL/SAR/SHL/SHR: "The count is masked ... If the count is 0, the flags are not
      // affected. ... The OF flag is affected only on 1-bit shifts. ... For a non-zero count,
      // the AF flag is undefined." and "[CF] is undefined for SHL and SHR instructions where
      // the count is greater than or equal to the size (in bits) of the destination operand."
      if (!count) return 0;
      let u = AF;
      if (count > 1) u |= OF;
      if (mnemonic !== 'sar' && count >= bits) u |= CF;
      return u;
    }
    case 'rol':
    case 'ror':
    case 'rcl':
    case 'rcr':
      // RCL/RCR/ROL/ROR: "If the masked count is 0, the flags are not affected. If the masked
      // count is 1, then the OF flag is affected, otherwise (masked count is 2-31) the OF flag
      // is undefined."
      return count && count > 1 ? OF : 0;
    case 'shld':
    case 'shrd':
      // SHLD/SHRD: "If the count is 1 or greater, the CF flag is filled with the last bit
      // shifted out ... For a 1-bit shift, the OF flag is set if a sign change occurred;
      // otherwise, it is cleared. For shifts greater than 1 bit, the OF flag is undefined. ...
      // If the count operand is 0, the flags are not affected. If the count is greater than
      // the operand size, the flags are undefined." (and so is the result: the generator does
      // not produce such counts). AF: "undefined" for a non-zero count.
      if (!count) return 0;
      if (count > bits) return STATUS;
      return count > 1 ? AF | OF : AF;
    default:
      return 0;
  }
}

/**
 * Destination registers the manual leaves undefined are not produced by the generator
 * rather than masked: SHLD/SHRD with a count above the operand size, BSWAP with a 16-bit
 * operand. BSF/BSR with a zero source are recorded as the host does them: the AMD APM
 * documents the destination as unchanged, and Intel parts behave the same way although
 * the SDM calls it undefined.
 */
export const NOT_GENERATED = ['shld/shrd count > operand size', 'bswap r16'];
