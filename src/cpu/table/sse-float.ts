import type { OpcodeTable } from '../opcode-table.js';
import { approxPs, approxSs } from '../ops/sse-float-approx.js';
import {
  addsubPd, addsubPs, arithPd, arithPs, arithSd, arithSs, dppd, dpps, horizontalPd, horizontalPs, OP_ADD, OP_DIV,
  OP_MAX, OP_MIN, OP_MUL, OP_SQRT, OP_SUB,
} from '../ops/sse-float-arith.js';
import { cmppd, cmpps, cmpsd, cmpss, comis } from '../ops/sse-float-compare.js';
import {
  cvtdq2pd, cvtdq2ps, cvtFromSi, cvtpd2dq, cvtpd2ps, cvtps2dq, cvtps2pd, cvtsd2ss, cvtss2sd, cvtToSi, roundpd, roundps,
  roundsd, roundss,
} from '../ops/sse-float-convert.js';
import {
  blendImm, blendVar, extractps, insertps, movddup, movnti, movntpd, movsdup, shufpd, shufps, unpckFloat,
} from '../ops/sse-float-shuffle.js';

/**
 * SSE/SSE2 floating-point instructions (scalar and packed single/double), the SSE3
 * floating-point ones and the SSE4.1 floating-point ones (SDM Vol. 2D Tables,
 * The moves (MOVAPS/MOVUPS/MOVSS/MOVSD/MOVLPS..., MOVHLPS/MOVLHPS), the logic
 * (ANDPS/ANDNPS/ORPS/XORPS and PD), MOVMSKPS/PD and LDMXCSR/STMXCSR are in opcodes.ts;
 * LDDQU and MASKMOVDQU with the integer SSE in table/sse-extended.ts. The MMX-register
 * conversions (CVTPI2PS, CVTPS2PI, CVTTPS2PI, CVTPI2PD, CVTPD2PI, CVTTPD2PI) are not
 * implemented: there is no MMX state.
 */
export function registerSseFloat(t: OpcodeTable): void {
  // ---- arithmetic: 0F 51, 58-5F ---------------------------------------------------------
  const arith: Array<[string, string, number]> = [
    ['sqrt', '51', OP_SQRT], ['add', '58', OP_ADD], ['mul', '59', OP_MUL], ['sub', '5C', OP_SUB],
    ['min', '5D', OP_MIN], ['div', '5E', OP_DIV], ['max', '5F', OP_MAX],
  ];
  for (const [name, op, sub] of arith) {
    t.add(`NP 0F ${op} /r`, `${name}ps`, 'Vps,Wps', arithPs, { sub });
    t.add(`66 0F ${op} /r`, `${name}pd`, 'Vpd,Wpd', arithPd, { sub });
    t.add(`F3 0F ${op} /r`, `${name}ss`, 'Vss,Wss', arithSs, { sub });
    t.add(`F2 0F ${op} /r`, `${name}sd`, 'Vsd,Wsd', arithSd, { sub });
  }
  t.add('NP 0F 53 /r', 'rcpps', 'Vps,Wps', approxPs, { sub: 0 });
  t.add('F3 0F 53 /r', 'rcpss', 'Vss,Wss', approxSs, { sub: 0 });
  t.add('NP 0F 52 /r', 'rsqrtps', 'Vps,Wps', approxPs, { sub: 1 });
  t.add('F3 0F 52 /r', 'rsqrtss', 'Vss,Wss', approxSs, { sub: 1 });

  // ---- compares -------------------------------------------------------------------------
  t.add('NP 0F C2 /r', 'cmpps', 'Vps,Wps,Ib', cmpps);
  t.add('66 0F C2 /r', 'cmppd', 'Vpd,Wpd,Ib', cmppd);
  t.add('F3 0F C2 /r', 'cmpss', 'Vss,Wss,Ib', cmpss);
  t.add('F2 0F C2 /r', 'cmpsd', 'Vsd,Wsd,Ib', cmpsd);
  t.add('NP 0F 2F /r', 'comiss', 'Vss,Wss', comis, { sub: 4 | 1 });
  t.add('66 0F 2F /r', 'comisd', 'Vsd,Wsd', comis, { sub: 8 | 1 });
  t.add('NP 0F 2E /r', 'ucomiss', 'Vss,Wss', comis, { sub: 4 });
  t.add('66 0F 2E /r', 'ucomisd', 'Vsd,Wsd', comis, { sub: 8 });

  // ---- conversions ----------------------------------------------------------------------
  t.add('F3 0F 2A /r', 'cvtsi2ss', 'Vss,Ey', cvtFromSi, { sub: 4 });
  t.add('F2 0F 2A /r', 'cvtsi2sd', 'Vsd,Ey', cvtFromSi, { sub: 8 });
  t.add('F3 0F 2D /r', 'cvtss2si', 'Gy,Wss', cvtToSi, { sub: 4 });
  t.add('F2 0F 2D /r', 'cvtsd2si', 'Gy,Wsd', cvtToSi, { sub: 8 });
  t.add('F3 0F 2C /r', 'cvttss2si', 'Gy,Wss', cvtToSi, { sub: 4 | 1 });
  t.add('F2 0F 2C /r', 'cvttsd2si', 'Gy,Wsd', cvtToSi, { sub: 8 | 1 });
  t.add('F3 0F 5A /r', 'cvtss2sd', 'Vsd,Wss', cvtss2sd);
  t.add('F2 0F 5A /r', 'cvtsd2ss', 'Vss,Wsd', cvtsd2ss);
  t.add('NP 0F 5A /r', 'cvtps2pd', 'Vpd,Wq', cvtps2pd);
  t.add('66 0F 5A /r', 'cvtpd2ps', 'Vps,Wpd', cvtpd2ps);
  t.add('NP 0F 5B /r', 'cvtdq2ps', 'Vps,Wdq', cvtdq2ps);
  t.add('66 0F 5B /r', 'cvtps2dq', 'Vdq,Wps', cvtps2dq, { sub: 0 });
  t.add('F3 0F 5B /r', 'cvttps2dq', 'Vdq,Wps', cvtps2dq, { sub: 1 });
  t.add('F3 0F E6 /r', 'cvtdq2pd', 'Vpd,Wq', cvtdq2pd);
  t.add('F2 0F E6 /r', 'cvtpd2dq', 'Vdq,Wpd', cvtpd2dq, { sub: 0 });
  t.add('66 0F E6 /r', 'cvttpd2dq', 'Vdq,Wpd', cvtpd2dq, { sub: 1 });

  // ---- shuffles and unpacks -------------------------------------------------------------
  t.add('NP 0F C6 /r', 'shufps', 'Vps,Wps,Ib', shufps);
  t.add('66 0F C6 /r', 'shufpd', 'Vpd,Wpd,Ib', shufpd);
  t.add('NP 0F 14 /r', 'unpcklps', 'Vps,Wps', unpckFloat, { sub: 0 });
  t.add('NP 0F 15 /r', 'unpckhps', 'Vps,Wps', unpckFloat, { sub: 1 });
  t.add('66 0F 14 /r', 'unpcklpd', 'Vpd,Wpd', unpckFloat, { sub: 2 });
  t.add('66 0F 15 /r', 'unpckhpd', 'Vpd,Wpd', unpckFloat, { sub: 3 });

  // ---- non-temporal stores --------------------------------------------------------------
  t.add('66 0F 2B mem', 'movntpd', 'Mpd,Vpd', movntpd);
  t.add('NP 0F C3 mem', 'movnti', 'My,Gy', movnti);

  // ---- SSE3 -----------------------------------------------------------------------------
  t.add('F2 0F D0 /r', 'addsubps', 'Vps,Wps', addsubPs);
  t.add('66 0F D0 /r', 'addsubpd', 'Vpd,Wpd', addsubPd);
  t.add('F2 0F 7C /r', 'haddps', 'Vps,Wps', horizontalPs, { sub: OP_ADD });
  t.add('66 0F 7C /r', 'haddpd', 'Vpd,Wpd', horizontalPd, { sub: OP_ADD });
  t.add('F2 0F 7D /r', 'hsubps', 'Vps,Wps', horizontalPs, { sub: OP_SUB });
  t.add('66 0F 7D /r', 'hsubpd', 'Vpd,Wpd', horizontalPd, { sub: OP_SUB });
  t.add('F3 0F 12 /r', 'movsldup', 'Vps,Wps', movsdup, { sub: 0 });
  t.add('F3 0F 16 /r', 'movshdup', 'Vps,Wps', movsdup, { sub: 1 });
  t.add('F2 0F 12 /r', 'movddup', 'Vpd,Wsd', movddup);

  // ---- SSE4.1 ---------------------------------------------------------------------------
  t.add('66 0F 3A 08 /r', 'roundps', 'Vps,Wps,Ib', roundps);
  t.add('66 0F 3A 09 /r', 'roundpd', 'Vpd,Wpd,Ib', roundpd);
  t.add('66 0F 3A 0A /r', 'roundss', 'Vss,Wss,Ib', roundss);
  t.add('66 0F 3A 0B /r', 'roundsd', 'Vsd,Wsd,Ib', roundsd);
  t.add('66 0F 3A 0C /r', 'blendps', 'Vps,Wps,Ib', blendImm, { sub: 4 });
  t.add('66 0F 3A 0D /r', 'blendpd', 'Vpd,Wpd,Ib', blendImm, { sub: 8 });
  t.add('66 0F 38 14 /r', 'blendvps', 'Vps,Wps', blendVar, { sub: 4 }); // implicit third operand XMM0
  t.add('66 0F 38 15 /r', 'blendvpd', 'Vpd,Wpd', blendVar, { sub: 8 });
  t.add('66 0F 3A 21 /r', 'insertps', 'Vps,Wss,Ib', insertps);
  t.add('66 0F 3A 17 /r', 'extractps', 'Ed,Vps,Ib', extractps);
  t.add('66 0F 3A 40 /r', 'dpps', 'Vps,Wps,Ib', dpps);
  t.add('66 0F 3A 41 /r', 'dppd', 'Vpd,Wpd,Ib', dppd);
}
