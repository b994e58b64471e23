import type { OpcodeTable } from '../opcode-table.js';
import { movVW } from '../ops/sse.js';
import {
  byteOp, dwordOp, emms, maskmovdqu, OP_ABS, OP_ADD, OP_ADDS, OP_ADDUS, OP_AVG, OP_CMPEQ, OP_CMPGT, OP_MAXS, OP_MAXU,
  OP_MINS, OP_MINU, OP_MULDQ, OP_MULH, OP_MULHRS, OP_MULHU, OP_MULL, OP_MULUDQ, OP_SIGN, OP_SUB, OP_SUBS, OP_SUBUS,
  pack, pextr, pextrwG, pinsr, pmaddwd, pmovmskb, psadbw, pshuf, qwordOp, SH_LDQ, SH_LL, SH_RA, SH_RDQ, SH_RL, shiftImm,
  shiftXmm, unpack, wordOp,
} from '../ops/sse-int.js';
import { palignr, phaddsub, pmaddubsw, pshufb } from '../ops/sse-int-ssse3.js';
import { crc32, mpsadbw, pblendvb, pblendw, phminposuw, pmovx, ptest } from '../ops/sse-int-sse41.js';
import { pcmpstr } from '../ops/sse-string.js';
import type { Handler } from '../insn.js';

/**
 * SSE2 packed integer, SSE3 LDDQU, SSSE3, SSE4.1 integer and SSE4.2 (PCMPGTQ, CRC32,
 * PCMPxSTRx) on XMM registers, in the SDM's notation (Vol. 2D Appendix A, tables A-3 to
 * The MMX (NP, 64-bit register) forms of these opcodes are not implemented; only
 * EMMS is (see ops/sse-int.ts).
 */
export function registerSseExtended(t: OpcodeTable): void {
  const vw = (key: string, mnemonic: string, exec: Handler, sub: number): void => {
    t.add(key, mnemonic, 'Vx,Wx', exec, { sub });
  };

  // ---- SSE2: lane arithmetic, 66 0F xx ---------------------------------------------------
  const sse2: Array<[string, string, Handler, number]> = [
    ['FC', 'paddb', byteOp, OP_ADD], ['FD', 'paddw', wordOp, OP_ADD], ['FE', 'paddd', dwordOp, OP_ADD], ['D4', 'paddq', qwordOp, OP_ADD],
    ['F8', 'psubb', byteOp, OP_SUB], ['F9', 'psubw', wordOp, OP_SUB], ['FA', 'psubd', dwordOp, OP_SUB], ['FB', 'psubq', qwordOp, OP_SUB],
    ['74', 'pcmpeqb', byteOp, OP_CMPEQ], ['75', 'pcmpeqw', wordOp, OP_CMPEQ], ['76', 'pcmpeqd', dwordOp, OP_CMPEQ],
    ['64', 'pcmpgtb', byteOp, OP_CMPGT], ['65', 'pcmpgtw', wordOp, OP_CMPGT], ['66', 'pcmpgtd', dwordOp, OP_CMPGT],
    ['DA', 'pminub', byteOp, OP_MINU], ['DE', 'pmaxub', byteOp, OP_MAXU], ['EA', 'pminsw', wordOp, OP_MINS], ['EE', 'pmaxsw', wordOp, OP_MAXS],
    ['DC', 'paddusb', byteOp, OP_ADDUS], ['DD', 'paddusw', wordOp, OP_ADDUS], ['D8', 'psubusb', byteOp, OP_SUBUS], ['D9', 'psubusw', wordOp, OP_SUBUS],
    ['EC', 'paddsb', byteOp, OP_ADDS], ['ED', 'paddsw', wordOp, OP_ADDS], ['E8', 'psubsb', byteOp, OP_SUBS], ['E9', 'psubsw', wordOp, OP_SUBS],
    ['E0', 'pavgb', byteOp, OP_AVG], ['E3', 'pavgw', wordOp, OP_AVG],
    ['D5', 'pmullw', wordOp, OP_MULL], ['E5', 'pmulhw', wordOp, OP_MULH], ['E4', 'pmulhuw', wordOp, OP_MULHU], ['F4', 'pmuludq', qwordOp, OP_MULUDQ],
    ['F5', 'pmaddwd', pmaddwd, 0], ['F6', 'psadbw', psadbw, 0],
    ['63', 'packsswb', pack, 0], ['6B', 'packssdw', pack, 1], ['67', 'packuswb', pack, 2],
    ['60', 'punpcklbw', unpack, 0], ['61', 'punpcklwd', unpack, 1], ['62', 'punpckldq', unpack, 2], ['6C', 'punpcklqdq', unpack, 3],
    ['68', 'punpckhbw', unpack, 4], ['69', 'punpckhwd', unpack, 5], ['6A', 'punpckhdq', unpack, 6], ['6D', 'punpckhqdq', unpack, 7],
    // Shifts by the count in an XMM register or m128: sub = kind * 4 + log2(lane bytes).
    ['D1', 'psrlw', shiftXmm, SH_RL * 4 + 1], ['D2', 'psrld', shiftXmm, SH_RL * 4 + 2], ['D3', 'psrlq', shiftXmm, SH_RL * 4 + 3],
    ['E1', 'psraw', shiftXmm, SH_RA * 4 + 1], ['E2', 'psrad', shiftXmm, SH_RA * 4 + 2],
    ['F1', 'psllw', shiftXmm, SH_LL * 4 + 1], ['F2', 'pslld', shiftXmm, SH_LL * 4 + 2], ['F3', 'psllq', shiftXmm, SH_LL * 4 + 3],
  ];
  for (const [op, name, exec, sub] of sse2) vw(`66 0F ${op} /r`, name, exec, sub);

  t.add('66 0F 70 /r', 'pshufd', 'Vx,Wx,Ib', pshuf, { sub: 0 });
  t.add('F2 0F 70 /r', 'pshuflw', 'Vx,Wx,Ib', pshuf, { sub: 1 });
  t.add('F3 0F 70 /r', 'pshufhw', 'Vx,Wx,Ib', pshuf, { sub: 2 });
  // Shift by immediate: sub = kind * 4 + log2(lane bytes).
  t.add('66 0F 71 /2 reg', 'psrlw', 'Ux,Ib', shiftImm, { sub: SH_RL * 4 + 1 });
  t.add('66 0F 71 /4 reg', 'psraw', 'Ux,Ib', shiftImm, { sub: SH_RA * 4 + 1 });
  t.add('66 0F 71 /6 reg', 'psllw', 'Ux,Ib', shiftImm, { sub: SH_LL * 4 + 1 });
  t.add('66 0F 72 /2 reg', 'psrld', 'Ux,Ib', shiftImm, { sub: SH_RL * 4 + 2 });
  t.add('66 0F 72 /4 reg', 'psrad', 'Ux,Ib', shiftImm, { sub: SH_RA * 4 + 2 });
  t.add('66 0F 72 /6 reg', 'pslld', 'Ux,Ib', shiftImm, { sub: SH_LL * 4 + 2 });
  t.add('66 0F 73 /2 reg', 'psrlq', 'Ux,Ib', shiftImm, { sub: SH_RL * 4 + 3 });
  t.add('66 0F 73 /3 reg', 'psrldq', 'Ux,Ib', shiftImm, { sub: SH_RDQ * 4 });
  t.add('66 0F 73 /6 reg', 'psllq', 'Ux,Ib', shiftImm, { sub: SH_LL * 4 + 3 });
  t.add('66 0F 73 /7 reg', 'pslldq', 'Ux,Ib', shiftImm, { sub: SH_LDQ * 4 });

  t.add('66 0F D7 reg', 'pmovmskb', 'Gy,Ux', pmovmskb);
  t.add('66 0F C5 reg', 'pextrw', 'Gd,Ux,Ib', pextrwG);
  t.add('66 0F C4 reg', 'pinsrw', 'Vx,Rd,Ib', pinsr, { sub: 1 });
  t.add('66 0F C4 mem', 'pinsrw', 'Vx,Mw,Ib', pinsr, { sub: 1 });
  t.add('66 0F F7 reg', 'maskmovdqu', 'Vx,Ux', maskmovdqu);
  t.add('NP 0F 77', 'emms', '', emms);

  // ---- SSE3: LDDQU (an unaligned load) ----------------------------------------------------
  t.add('F2 0F F0 mem', 'lddqu', 'Vx,M', movVW, { sub: 0 });

  // ---- SSSE3, 66 0F 38 xx / 66 0F 3A 0F ------------------------------------------------------
  vw('66 0F 38 00 /r', 'pshufb', pshufb, 0);
  vw('66 0F 38 01 /r', 'phaddw', phaddsub, 0);
  vw('66 0F 38 02 /r', 'phaddd', phaddsub, 1);
  vw('66 0F 38 03 /r', 'phaddsw', phaddsub, 2);
  vw('66 0F 38 05 /r', 'phsubw', phaddsub, 3);
  vw('66 0F 38 06 /r', 'phsubd', phaddsub, 4);
  vw('66 0F 38 07 /r', 'phsubsw', phaddsub, 5);
  vw('66 0F 38 04 /r', 'pmaddubsw', pmaddubsw, 0);
  vw('66 0F 38 08 /r', 'psignb', byteOp, OP_SIGN);
  vw('66 0F 38 09 /r', 'psignw', wordOp, OP_SIGN);
  vw('66 0F 38 0A /r', 'psignd', dwordOp, OP_SIGN);
  vw('66 0F 38 0B /r', 'pmulhrsw', wordOp, OP_MULHRS);
  vw('66 0F 38 1C /r', 'pabsb', byteOp, OP_ABS);
  vw('66 0F 38 1D /r', 'pabsw', wordOp, OP_ABS);
  vw('66 0F 38 1E /r', 'pabsd', dwordOp, OP_ABS);
  t.add('66 0F 3A 0F /r', 'palignr', 'Vx,Wx,Ib', palignr);

  // ---- SSE4.1 integer ------------------------------------------------------------------------
  vw('66 0F 38 10 /r', 'pblendvb', pblendvb, 0); // implicit third operand XMM0
  vw('66 0F 38 17 /r', 'ptest', ptest, 0);
  // PMOVSX/PMOVZX: sub = signed * 16 + log2(source lane) * 4 + log2(result lane).
  const widen: Array<[number, string, string, number, number]> = [
    [0x20, 'bw', 'Wq', 0, 1], [0x21, 'bd', 'Wd', 0, 2], [0x22, 'bq', 'Ww', 0, 3],
    [0x23, 'wd', 'Wq', 1, 2], [0x24, 'wq', 'Wd', 1, 3], [0x25, 'dq', 'Wq', 2, 3],
  ];
  for (const [op, suffix, w, from, to] of widen) {
    t.add(`66 0F 38 ${op.toString(16).toUpperCase()} /r`, `pmovsx${suffix}`, `Vx,${w}`, pmovx, { sub: 16 + from * 4 + to });
    t.add(`66 0F 38 ${(op + 0x10).toString(16).toUpperCase()} /r`, `pmovzx${suffix}`, `Vx,${w}`, pmovx, { sub: from * 4 + to });
  }
  vw('66 0F 38 28 /r', 'pmuldq', qwordOp, OP_MULDQ);
  vw('66 0F 38 29 /r', 'pcmpeqq', qwordOp, OP_CMPEQ);
  t.add('66 0F 38 2A mem', 'movntdqa', 'Vx,Mx', movVW, { sub: 1 });
  vw('66 0F 38 2B /r', 'packusdw', pack, 3);
  vw('66 0F 38 38 /r', 'pminsb', byteOp, OP_MINS);
  vw('66 0F 38 39 /r', 'pminsd', dwordOp, OP_MINS);
  vw('66 0F 38 3A /r', 'pminuw', wordOp, OP_MINU);
  vw('66 0F 38 3B /r', 'pminud', dwordOp, OP_MINU);
  vw('66 0F 38 3C /r', 'pmaxsb', byteOp, OP_MAXS);
  vw('66 0F 38 3D /r', 'pmaxsd', dwordOp, OP_MAXS);
  vw('66 0F 38 3E /r', 'pmaxuw', wordOp, OP_MAXU);
  vw('66 0F 38 3F /r', 'pmaxud', dwordOp, OP_MAXU);
  vw('66 0F 38 40 /r', 'pmulld', dwordOp, OP_MULL);
  vw('66 0F 38 41 /r', 'phminposuw', phminposuw, 0);
  t.add('66 0F 3A 0E /r', 'pblendw', 'Vx,Wx,Ib', pblendw);
  t.add('66 0F 3A 42 /r', 'mpsadbw', 'Vx,Wx,Ib', mpsadbw);
  // Extract / insert: sub = log2(lane bytes); REX.W turns PEXTRD/PINSRD into the Q forms.
  t.add('66 0F 3A 14 reg', 'pextrb', 'Rd,Vx,Ib', pextr, { sub: 0 });
  t.add('66 0F 3A 14 mem', 'pextrb', 'Mb,Vx,Ib', pextr, { sub: 0 });
  t.add('66 0F 3A 15 reg', 'pextrw', 'Rd,Vx,Ib', pextr, { sub: 1 });
  t.add('66 0F 3A 15 mem', 'pextrw', 'Mw,Vx,Ib', pextr, { sub: 1 });
  t.add('66 0F 3A 16 /r', 'pextrd/pextrq', 'Ey,Vx,Ib', pextr, { sub: 2 });
  t.add('66 0F 3A 20 reg', 'pinsrb', 'Vx,Rd,Ib', pinsr, { sub: 0 });
  t.add('66 0F 3A 20 mem', 'pinsrb', 'Vx,Mb,Ib', pinsr, { sub: 0 });
  t.add('66 0F 3A 22 /r', 'pinsrd/pinsrq', 'Vx,Ey,Ib', pinsr, { sub: 2 });

  // ---- SSE4.2 --------------------------------------------------------------------------------
  vw('66 0F 38 37 /r', 'pcmpgtq', qwordOp, OP_CMPGT);
  // CRC32 shares 0F 38 F0/F1 with MOVBE (no prefix); F2 selects it (sub 1: byte source).
  t.add('F2 0F 38 F0 /r', 'crc32', 'Gy,Eb', crc32, { sub: 1 });
  t.add('F2 0F 38 F1 /r', 'crc32', 'Gy,Ev', crc32, { sub: 0 });
  // sub: bit 0 mask output (…STRM), bit 1 explicit lengths in rAX/rDX (PCMPESTRx).
  t.add('66 0F 3A 60 /r', 'pcmpestrm', 'Vx,Wx,Ib', pcmpstr, { sub: 3 });
  t.add('66 0F 3A 61 /r', 'pcmpestri', 'Vx,Wx,Ib', pcmpstr, { sub: 2 });
  t.add('66 0F 3A 62 /r', 'pcmpistrm', 'Vx,Wx,Ib', pcmpstr, { sub: 1 });
  t.add('66 0F 3A 63 /r', 'pcmpistri', 'Vx,Wx,Ib', pcmpstr, { sub: 0 });
}
