import type { OpcodeTable } from '../opcode-table.js';
import {
  f2xm1Insn, fArithMem, fArithReg, fbinary, fcmov, fcomi, fcomSti, ffree, fincdecstp, fldConst, fldcw, fldenv, fldMem,
  fldSti, fnclex, fninit, fnop, fnopNoWait, fnsave, fnstcw, fnstenv, fnstsw, frndint, frstor, fsign, fsqrt, fstMem, fstSti, ftrig,
  ftst, fwait, fxam, fxch, fxrstor, fxsave, fxtractInsn,
} from '../ops/x87.js';

/**
 * x87 FPU instructions: the D8-DF escapes, FWAIT, FXSAVE/FXRSTOR (SDM Vol. 2D Appendix
 * A.4, "Escape Opcode Instructions"). Operand codes beyond Appendix A.2: "st" is ST(0),
 * "STi" the stack register in ModRM.rm; memory operands are Mw/Md/Mq, "Mt" for the
 * 80-bit formats (m80fp, m80bcd, printed TBYTE) and "M" for the environment and save
 * areas. Mnemonics are Intel's (DC E0+i is FSUBR ST(i),ST(0), as objdump -M intel
 * prints it). The undocumented aliases that real CPUs execute (FSTP1, FCOM2, FCOMP3,
 * FXCH4, FCOMP5, FXCH7, FSTP8, FSTP9, FFREEP) are included; the golden vectors check
 * them on the host.
 */

/** Memory operand types (the `sub` of loads, stores and memory arithmetic). */
const M32FP = 0;
const M64FP = 1;
const M80FP = 2;
const M16INT = 3;
const M32INT = 4;
const M64INT = 5;
const M80BCD = 6;
const POP = 8;
const TRUNCATE = 16;

const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function registerX87(t: OpcodeTable): void {
  // Arithmetic, in ModRM.reg order: add, mul, com, comp, sub, subr, div, divr.
  const names = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
  for (let op = 0; op < 8; op++) {
    const name = names[op];
    const iname = 'fi' + name.slice(1);
    t.add(`D8 /${op} mem`, name, 'Md', fArithMem, { sub: op | (M32FP << 4) });
    t.add(`DC /${op} mem`, name, 'Mq', fArithMem, { sub: op | (M64FP << 4) });
    t.add(`DA /${op} mem`, iname, 'Md', fArithMem, { sub: op | (M32INT << 4) });
    t.add(`DE /${op} mem`, iname, 'Mw', fArithMem, { sub: op | (M16INT << 4) });
    if (op === 2 || op === 3) continue;
    // D8: ST(0) ← ST(0) op ST(i). DC and DE swap the sub/subr and div/divr rows: the
    // reversed mnemonic sits at /4 and /6 (ST(i) ← ST(0) - ST(i) is FSUBR ST(i),ST(0)).
    const swapped = op >= 4 ? op ^ 1 : op;
    t.add(`D8 /${op} reg`, name, 'st,STi', fArithReg, { sub: op });
    t.add(`DC /${op} reg`, names[swapped], 'STi,st', fArithReg, { sub: swapped | (1 << 4) });
    t.add(`DE /${op} reg`, names[swapped] + 'p', 'STi,st', fArithReg, { sub: swapped | (2 << 4) });
  }

  // Compares. sub = pops | unordered << 2.
  t.add('D8 /2 reg', 'fcom', 'STi', fcomSti, { sub: 0 });
  t.add('D8 /3 reg', 'fcomp', 'STi', fcomSti, { sub: 1 });
  t.add('DC /2 reg', 'fcom2', 'STi', fcomSti, { sub: 0 });
  t.add('DC /3 reg', 'fcomp3', 'STi', fcomSti, { sub: 1 });
  t.add('DE /2 reg', 'fcomp5', 'STi', fcomSti, { sub: 1 });
  t.add('DE modrm=D9', 'fcompp', '', fcomSti, { sub: 2 });
  t.add('DD /4 reg', 'fucom', 'STi', fcomSti, { sub: 4 });
  t.add('DD /5 reg', 'fucomp', 'STi', fcomSti, { sub: 5 });
  t.add('DA modrm=E9', 'fucompp', '', fcomSti, { sub: 6 });
  t.add('DB /5 reg', 'fucomi', 'st,STi', fcomi, { sub: 4 });
  t.add('DB /6 reg', 'fcomi', 'st,STi', fcomi, { sub: 0 });
  t.add('DF /5 reg', 'fucomip', 'st,STi', fcomi, { sub: 5 });
  t.add('DF /6 reg', 'fcomip', 'st,STi', fcomi, { sub: 1 });
  t.add('D9 modrm=E4', 'ftst', '', ftst);
  t.add('D9 modrm=E5', 'fxam', '', fxam);

  // Loads and stores.
  t.add('D9 /0 mem', 'fld', 'Md', fldMem, { sub: M32FP });
  t.add('DD /0 mem', 'fld', 'Mq', fldMem, { sub: M64FP });
  t.add('DB /5 mem', 'fld', 'Mt', fldMem, { sub: M80FP });
  t.add('DF /0 mem', 'fild', 'Mw', fldMem, { sub: M16INT });
  t.add('DB /0 mem', 'fild', 'Md', fldMem, { sub: M32INT });
  t.add('DF /5 mem', 'fild', 'Mq', fldMem, { sub: M64INT });
  t.add('DF /4 mem', 'fbld', 'Mt', fldMem, { sub: M80BCD });
  t.add('D9 /2 mem', 'fst', 'Md', fstMem, { sub: M32FP });
  t.add('D9 /3 mem', 'fstp', 'Md', fstMem, { sub: M32FP | POP });
  t.add('DD /2 mem', 'fst', 'Mq', fstMem, { sub: M64FP });
  t.add('DD /3 mem', 'fstp', 'Mq', fstMem, { sub: M64FP | POP });
  t.add('DB /7 mem', 'fstp', 'Mt', fstMem, { sub: M80FP | POP });
  t.add('DF /2 mem', 'fist', 'Mw', fstMem, { sub: M16INT });
  t.add('DF /3 mem', 'fistp', 'Mw', fstMem, { sub: M16INT | POP });
  t.add('DB /2 mem', 'fist', 'Md', fstMem, { sub: M32INT });
  t.add('DB /3 mem', 'fistp', 'Md', fstMem, { sub: M32INT | POP });
  t.add('DF /7 mem', 'fistp', 'Mq', fstMem, { sub: M64INT | POP });
  t.add('DF /1 mem', 'fisttp', 'Mw', fstMem, { sub: M16INT | POP | TRUNCATE });
  t.add('DB /1 mem', 'fisttp', 'Md', fstMem, { sub: M32INT | POP | TRUNCATE });
  t.add('DD /1 mem', 'fisttp', 'Mq', fstMem, { sub: M64INT | POP | TRUNCATE });
  t.add('DF /6 mem', 'fbstp', 'Mt', fstMem, { sub: M80BCD | POP });
  t.add('D9 /0 reg', 'fld', 'STi', fldSti);
  t.add('DD /2 reg', 'fst', 'STi', fstSti, { sub: 0 });
  t.add('DD /3 reg', 'fstp', 'STi', fstSti, { sub: 1 });
  t.add('D9 /3 reg', 'fstp1', 'STi', fstSti, { sub: 2 });
  t.add('DF /2 reg', 'fstp8', 'STi', fstSti, { sub: 1 });
  t.add('DF /3 reg', 'fstp9', 'STi', fstSti, { sub: 1 });
  const constants = ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'];
  constants.forEach((name, k) => t.add(`D9 modrm=${hex(0xe8 + k)}`, name, '', fldConst, { sub: k }));

  // Stack, sign, conditional moves.
  t.add('D9 /1 reg', 'fxch', 'STi', fxch);
  t.add('DD /1 reg', 'fxch4', 'STi', fxch);
  t.add('DF /1 reg', 'fxch7', 'STi', fxch);
  t.add('DD /0 reg', 'ffree', 'STi', ffree, { sub: 0 });
  t.add('DF /0 reg', 'ffreep', 'STi', ffree, { sub: 1 });
  t.add('D9 modrm=F7', 'fincstp', '', fincdecstp, { sub: 1 });
  t.add('D9 modrm=F6', 'fdecstp', '', fincdecstp, { sub: 7 });
  t.add('D9 modrm=E0', 'fchs', '', fsign, { sub: 0 });
  t.add('D9 modrm=E1', 'fabs', '', fsign, { sub: 1 });
  t.add('D9 modrm=D0', 'fnop', '', fnop);
  // The 8087's and 287's FNENI, FNDISI, FNSETPM: no-ops since the 387 (the host agrees).
  t.add('DB modrm=E0', 'fneni', '', fnopNoWait);
  t.add('DB modrm=E1', 'fndisi', '', fnopNoWait);
  t.add('DB modrm=E4', 'fnsetpm', '', fnopNoWait);
  // FCMOVcc: sub is the condition in Jcc's tttn encoding (B, E, BE, U and negations).
  const cmov: Array<[string, string, number]> = [
    ['DA /0 reg', 'fcmovb', 2], ['DA /1 reg', 'fcmove', 4], ['DA /2 reg', 'fcmovbe', 6], ['DA /3 reg', 'fcmovu', 10],
    ['DB /0 reg', 'fcmovnb', 3], ['DB /1 reg', 'fcmovne', 5], ['DB /2 reg', 'fcmovnbe', 7], ['DB /3 reg', 'fcmovnu', 11],
  ];
  for (const [key, name, cc] of cmov) t.add(key, name, 'st,STi', fcmov, { sub: cc });

  // Arithmetic on ST(0) and ST(1).
  t.add('D9 modrm=FA', 'fsqrt', '', fsqrt);
  t.add('D9 modrm=FC', 'frndint', '', frndint);
  t.add('D9 modrm=F4', 'fxtract', '', fxtractInsn);
  t.add('D9 modrm=FD', 'fscale', '', fbinary, { sub: 0 });
  t.add('D9 modrm=F8', 'fprem', '', fbinary, { sub: 1 });
  t.add('D9 modrm=F5', 'fprem1', '', fbinary, { sub: 2 });
  t.add('D9 modrm=F1', 'fyl2x', '', fbinary, { sub: 3 });
  t.add('D9 modrm=F9', 'fyl2xp1', '', fbinary, { sub: 4 });
  t.add('D9 modrm=F3', 'fpatan', '', fbinary, { sub: 5 });
  t.add('D9 modrm=F0', 'f2xm1', '', f2xm1Insn);
  t.add('D9 modrm=FE', 'fsin', '', ftrig, { sub: 0 });
  t.add('D9 modrm=FF', 'fcos', '', ftrig, { sub: 1 });
  t.add('D9 modrm=F2', 'fptan', '', ftrig, { sub: 2 });
  t.add('D9 modrm=FB', 'fsincos', '', ftrig, { sub: 3 });

  // Control, status, environment.
  t.add('9B', 'fwait', '', fwait);
  t.add('D9 /7 mem', 'fnstcw', 'Mw', fnstcw);
  t.add('D9 /5 mem', 'fldcw', 'Mw', fldcw);
  t.add('DD /7 mem', 'fnstsw', 'Mw', fnstsw, { sub: 0 });
  t.add('DF modrm=E0', 'fnstsw', 'ax', fnstsw, { sub: 1 });
  t.add('DB modrm=E2', 'fnclex', '', fnclex);
  t.add('DB modrm=E3', 'fninit', '', fninit);
  t.add('D9 /6 mem', 'fnstenv', 'M', fnstenv);
  t.add('D9 /4 mem', 'fldenv', 'M', fldenv);
  t.add('DD /6 mem', 'fnsave', 'M', fnsave);
  t.add('DD /4 mem', 'frstor', 'M', frstor);
  t.add('NP 0F AE /0 mem', 'fxsave/fxsave64', 'M', fxsave);
  t.add('NP 0F AE /1 mem', 'fxrstor/fxrstor64', 'M', fxrstor);
}
