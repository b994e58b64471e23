import { D64, ENDS_BLOCK, F64, LOCKABLE, NFX, OpcodeTable } from './opcode-table.js';
import { aluAccImm, aluEG, aluEImm, aluGE, incDecE, negE, notE, testAccImm, testEG, testEImm } from './ops/alu.js';
import { bsfBsr, btEG, btEImm, popcnt, tzcntLzcnt } from './ops/bit.js';
import { callE, callRel, jccRel, jmpE, jmpRel, jrcxz, loop, ret } from './ops/control.js';
import {
  bswap, cbw, cmov, cmpxchg, cmpxchg8b16b, cwd, enter, lahf, lea, leave, movAccMoffs, movbe, movEG, movEImm, movGE,
  movsxd, movx, movZImm, nop, popE, popZ, pushE, pushImm, pushZ, sahf, setcc, xadd, xchgAccZ, xchgEG,
} from './ops/data.js';
import { divE, idivE, imulE, imulGE, mulE } from './ops/muldiv.js';
import { shiftDouble, shiftE1, shiftECl, shiftEImm } from './ops/shift.js';
import {
  logicVW, movdFromXmm, movdToXmm, movHalfLoad, movHalfStore, movmsk, movqLoad, movqStore, movScalarLoad,
  movScalarStore, movVW, movWV, mxcsrOp,
} from './ops/sse.js';
import { stringOp } from './ops/string.js';
import { clflush } from './ops/cache.js';
import {
  cliSti, cpuidInsn, flagOp, hlt, int3, intN, invlpg, iret, loadDescriptorTable, lsl, ltr, movCr, movESreg,
  movSregE, popf, privilegedNop, pushf, rdmsr, rdpid, rdtsc, rdtscp, swapgs, syscallInsn, sysenterInsn,
  sysexitInsn, sysretInsn, ud, vmcall, wrmsr,
} from './ops/system.js';
import { registerSseExtended } from './table/sse-extended.js';
import { registerSseFloat } from './table/sse-float.js';
import { registerX87 } from './table/x87.js';

/**
 * Every instruction the CPU implements, in the manual's notation (see opcode-table.ts
 * for the key syntax). Anything absent decodes to #UD.
 */
export const OPCODES = new OpcodeTable();
const t = OPCODES;

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

// ---- integer ALU: 00-3F and group 1 (SDM Vol. 2D Table A-2) ----------------------------
ALU_NAMES.forEach((name, op) => {
  const base = op * 8;
  const lockable = op === 7 ? 0 : LOCKABLE;
  t.add(`${hex(base)} /r`, name, 'Eb,Gb', aluEG, { sub: op, attrs: lockable });
  t.add(`${hex(base + 1)} /r`, name, 'Ev,Gv', aluEG, { sub: op, attrs: lockable });
  t.add(`${hex(base + 2)} /r`, name, 'Gb,Eb', aluGE, { sub: op });
  t.add(`${hex(base + 3)} /r`, name, 'Gv,Ev', aluGE, { sub: op });
  t.add(hex(base + 4), name, 'al,Ib', aluAccImm, { sub: op });
  t.add(hex(base + 5), name, 'rAX,Iz', aluAccImm, { sub: op });
  t.add(`80 /${op}`, name, 'Eb,Ib', aluEImm, { sub: op, attrs: lockable });
  t.add(`81 /${op}`, name, 'Ev,Iz', aluEImm, { sub: op, attrs: lockable });
  t.add(`83 /${op}`, name, 'Ev,Ib', aluEImm, { sub: op, attrs: lockable });
});
t.add('84 /r', 'test', 'Eb,Gb', testEG);
t.add('85 /r', 'test', 'Ev,Gv', testEG);
t.add('A8', 'test', 'al,Ib', testAccImm);
t.add('A9', 'test', 'rAX,Iz', testAccImm);

// ---- group 3 (F6/F7), group 4/5 (FE/FF) ------------------------------------------------
t.add('F6 /0', 'test', 'Eb,Ib', testEImm);
t.add('F7 /0', 'test', 'Ev,Iz', testEImm);
t.add('F6 /2', 'not', 'Eb', notE, { attrs: LOCKABLE });
t.add('F7 /2', 'not', 'Ev', notE, { attrs: LOCKABLE });
t.add('F6 /3', 'neg', 'Eb', negE, { attrs: LOCKABLE });
t.add('F7 /3', 'neg', 'Ev', negE, { attrs: LOCKABLE });
t.add('F6 /4', 'mul', 'Eb', mulE);
t.add('F7 /4', 'mul', 'Ev', mulE);
t.add('F6 /5', 'imul', 'Eb', imulE);
t.add('F7 /5', 'imul', 'Ev', imulE);
t.add('F6 /6', 'div', 'Eb', divE);
t.add('F7 /6', 'div', 'Ev', divE);
t.add('F6 /7', 'idiv', 'Eb', idivE);
t.add('F7 /7', 'idiv', 'Ev', idivE);
t.add('FE /0', 'inc', 'Eb', incDecE, { sub: 0, attrs: LOCKABLE });
t.add('FE /1', 'dec', 'Eb', incDecE, { sub: 1, attrs: LOCKABLE });
t.add('FF /0', 'inc', 'Ev', incDecE, { sub: 0, attrs: LOCKABLE });
t.add('FF /1', 'dec', 'Ev', incDecE, { sub: 1, attrs: LOCKABLE });
t.add('FF /2', 'call', 'Ev', callE, { attrs: F64 | ENDS_BLOCK });
t.add('FF /4', 'jmp', 'Ev', jmpE, { attrs: F64 | ENDS_BLOCK });
t.add('FF /6', 'push', 'Ev', pushE, { attrs: D64 });
t.add('0F AF /r', 'imul', 'Gv,Ev', imulGE);
t.add('69 /r', 'imul', 'Gv,Ev,Iz', imulGE);
t.add('6B /r', 'imul', 'Gv,Ev,Ib', imulGE);

// ---- shifts and rotates: group 2, SHLD/SHRD --------------------------------------------
['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'].forEach((name, op) => {
  t.add(`C0 /${op}`, name, 'Eb,Ib', shiftEImm, { sub: op });
  t.add(`C1 /${op}`, name, 'Ev,Ib', shiftEImm, { sub: op });
  t.add(`D0 /${op}`, name, 'Eb,1', shiftE1, { sub: op });
  t.add(`D1 /${op}`, name, 'Ev,1', shiftE1, { sub: op });
  t.add(`D2 /${op}`, name, 'Eb,cl', shiftECl, { sub: op });
  t.add(`D3 /${op}`, name, 'Ev,cl', shiftECl, { sub: op });
});
t.add('0F A4 /r', 'shld', 'Ev,Gv,Ib', shiftDouble, { sub: 0 });
t.add('0F A5 /r', 'shld', 'Ev,Gv,cl', shiftDouble, { sub: 0 });
t.add('0F AC /r', 'shrd', 'Ev,Gv,Ib', shiftDouble, { sub: 1 });
t.add('0F AD /r', 'shrd', 'Ev,Gv,cl', shiftDouble, { sub: 1 });

// ---- bit operations ---------------------------------------------------------------------
t.add('0F A3 /r', 'bt', 'Ev,Gv', btEG, { sub: 0 });
t.add('0F AB /r', 'bts', 'Ev,Gv', btEG, { sub: 1, attrs: LOCKABLE });
t.add('0F B3 /r', 'btr', 'Ev,Gv', btEG, { sub: 2, attrs: LOCKABLE });
t.add('0F BB /r', 'btc', 'Ev,Gv', btEG, { sub: 3, attrs: LOCKABLE });
t.add('0F BA /4', 'bt', 'Ev,Ib', btEImm, { sub: 0 });
t.add('0F BA /5', 'bts', 'Ev,Ib', btEImm, { sub: 1, attrs: LOCKABLE });
t.add('0F BA /6', 'btr', 'Ev,Ib', btEImm, { sub: 2, attrs: LOCKABLE });
t.add('0F BA /7', 'btc', 'Ev,Ib', btEImm, { sub: 3, attrs: LOCKABLE });
t.add('0F BC /r', 'bsf', 'Gv,Ev', bsfBsr, { sub: 0 });
t.add('0F BD /r', 'bsr', 'Gv,Ev', bsfBsr, { sub: 1 });
t.add('F3 0F BC /r', 'tzcnt', 'Gv,Ev', tzcntLzcnt, { sub: 0 });
t.add('F3 0F BD /r', 'lzcnt', 'Gv,Ev', tzcntLzcnt, { sub: 1 });
t.add('F3 0F B8 /r', 'popcnt', 'Gv,Ev', popcnt);

// ---- data movement ----------------------------------------------------------------------
t.add('88 /r', 'mov', 'Eb,Gb', movEG);
t.add('89 /r', 'mov', 'Ev,Gv', movEG);
t.add('8A /r', 'mov', 'Gb,Eb', movGE);
t.add('8B /r', 'mov', 'Gv,Ev', movGE);
t.add('C6 /0', 'mov', 'Eb,Ib', movEImm);
t.add('C7 /0', 'mov', 'Ev,Iz', movEImm);
t.add('B0+r', 'mov', 'Zb,Ib', movZImm);
t.add('B8+r', 'mov', 'Zv,Iv', movZImm);
t.add('A0', 'mov', 'al,Ob', movAccMoffs, { sub: 0 });
t.add('A1', 'mov', 'rAX,Ov', movAccMoffs, { sub: 0 });
t.add('A2', 'mov', 'Ob,al', movAccMoffs, { sub: 1 });
t.add('A3', 'mov', 'Ov,rAX', movAccMoffs, { sub: 1 });
t.add('8D /r', 'lea', 'Gv,M', lea);
t.add('0F B6 /r', 'movzx', 'Gv,Eb', movx, { sub: 1 });
t.add('0F B7 /r', 'movzx', 'Gv,Ew', movx, { sub: 2 });
t.add('0F BE /r', 'movsx', 'Gv,Eb', movx, { sub: -1 });
t.add('0F BF /r', 'movsx', 'Gv,Ew', movx, { sub: -2 });
t.add('63 /r', 'movsxd', 'Gv,Ed', movsxd);
t.add('86 /r', 'xchg', 'Eb,Gb', xchgEG, { attrs: LOCKABLE });
t.add('87 /r', 'xchg', 'Ev,Gv', xchgEG, { attrs: LOCKABLE });
t.add('90+r', 'xchg', 'Zv,rAX', xchgAccZ);
t.add('50+r', 'push', 'Zv', pushZ, { attrs: D64 });
t.add('58+r', 'pop', 'Zv', popZ, { attrs: D64 });
t.add('6A', 'push', 'Ib', pushImm, { attrs: D64 });
t.add('68', 'push', 'Iz', pushImm, { attrs: D64 });
t.add('8F /0', 'pop', 'Ev', popE, { attrs: D64 });
t.add('C9', 'leave', '', leave, { attrs: D64 });
t.add('C8', 'enter', 'Iw,Ib', enter, { attrs: D64 });
t.add('98', 'cbw/cwde/cdqe', '', cbw);
t.add('99', 'cwd/cdq/cqo', '', cwd);
CONDITIONS.forEach((cc, n) => {
  t.add(`0F ${hex(0x40 + n)} /r`, `cmov${cc}`, 'Gv,Ev', cmov, { sub: n });
  t.add(`0F ${hex(0x90 + n)} /r`, `set${cc}`, 'Eb', setcc, { sub: n });
  t.add(hex(0x70 + n), `j${cc}`, 'Jb', jccRel, { sub: n, attrs: F64 | ENDS_BLOCK });
  t.add(`0F ${hex(0x80 + n)}`, `j${cc}`, 'Jz', jccRel, { sub: n, attrs: F64 | ENDS_BLOCK });
});
t.add('0F C8+r', 'bswap', 'Zv', bswap);
// 66 is MOVBE's operand size, F2 selects CRC32 (table/sse-extended.ts), F3 is #UD (NFx).
t.add('0F 38 F0 /r', 'movbe', 'Gv,Mv', movbe, { sub: 0, attrs: NFX });
t.add('0F 38 F1 /r', 'movbe', 'Mv,Gv', movbe, { sub: 1, attrs: NFX });
t.add('0F C0 /r', 'xadd', 'Eb,Gb', xadd, { attrs: LOCKABLE });
t.add('0F C1 /r', 'xadd', 'Ev,Gv', xadd, { attrs: LOCKABLE });
t.add('0F B0 /r', 'cmpxchg', 'Eb,Gb', cmpxchg, { attrs: LOCKABLE });
t.add('0F B1 /r', 'cmpxchg', 'Ev,Gv', cmpxchg, { attrs: LOCKABLE });
t.add('0F C7 /1 mem', 'cmpxchg8b/cmpxchg16b', 'Mq', cmpxchg8b16b, { attrs: LOCKABLE });
t.add('9F', 'lahf', '', lahf);
t.add('9E', 'sahf', '', sahf);
t.add('8E /r', 'mov', 'Sw,Ew', movSregE, { attrs: ENDS_BLOCK });
t.add('8C /r', 'mov', 'Ev,Sw', movESreg);

// ---- control transfer -------------------------------------------------------------------
t.add('EB', 'jmp', 'Jb', jmpRel, { attrs: F64 | ENDS_BLOCK });
t.add('E9', 'jmp', 'Jz', jmpRel, { attrs: F64 | ENDS_BLOCK });
t.add('E8', 'call', 'Jz', callRel, { attrs: F64 | ENDS_BLOCK });
t.add('C3', 'ret', '', ret, { sub: 0, attrs: F64 | ENDS_BLOCK });
t.add('C2', 'ret', 'Iw', ret, { sub: 1, attrs: F64 | ENDS_BLOCK });
t.add('E0', 'loopne', 'Jb', loop, { sub: 0, attrs: F64 | ENDS_BLOCK });
t.add('E1', 'loope', 'Jb', loop, { sub: 1, attrs: F64 | ENDS_BLOCK });
t.add('E2', 'loop', 'Jb', loop, { sub: 2, attrs: F64 | ENDS_BLOCK });
t.add('E3', 'jrcxz', 'Jb', jrcxz, { attrs: F64 | ENDS_BLOCK });

// ---- strings: sub 0 MOVS, 1 CMPS, 2 STOS, 3 LODS, 4 SCAS --------------------------------
t.add('A4', 'movs', 'Yb,Xb', stringOp, { sub: 0 });
t.add('A5', 'movs', 'Yv,Xv', stringOp, { sub: 0 });
t.add('A6', 'cmps', 'Xb,Yb', stringOp, { sub: 1 });
t.add('A7', 'cmps', 'Xv,Yv', stringOp, { sub: 1 });
t.add('AA', 'stos', 'Yb,al', stringOp, { sub: 2 });
t.add('AB', 'stos', 'Yv,rAX', stringOp, { sub: 2 });
t.add('AC', 'lods', 'al,Xb', stringOp, { sub: 3 });
t.add('AD', 'lods', 'rAX,Xv', stringOp, { sub: 3 });
t.add('AE', 'scas', 'al,Yb', stringOp, { sub: 4 });
t.add('AF', 'scas', 'rAX,Yv', stringOp, { sub: 4 });

// ---- flags, no-ops, hints ---------------------------------------------------------------
t.add('F8', 'clc', '', flagOp, { sub: 0 });
t.add('F9', 'stc', '', flagOp, { sub: 1 });
t.add('F5', 'cmc', '', flagOp, { sub: 2 });
t.add('FC', 'cld', '', flagOp, { sub: 3 });
t.add('FD', 'std', '', flagOp, { sub: 4 });
t.add('FA', 'cli', '', cliSti, { sub: 0 });
t.add('FB', 'sti', '', cliSti, { sub: 1 });
t.add('9C', 'pushf', '', pushf, { attrs: D64 });
t.add('9D', 'popf', '', popf, { attrs: D64 | ENDS_BLOCK });
t.add('F3 90', 'pause', '', nop);
t.add('0F 1F /r', 'nop', 'Ev', nop);
// 0F 18 /0-/3 with a memory operand are PREFETCHh m8 (SDM Vol. 2B, PREFETCHh); the rest
// of the row is hint NOPs, NOP Ev (SDM Vol. 2B, NOP; Vol. 2D Table A-6, group 16).
['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2'].forEach((name, r) => t.add(`0F 18 /${r} mem`, name, 'Mb', nop));
for (const r of [4, 5, 6, 7]) t.add(`0F 18 /${r} mem`, 'nop', 'Ev', nop);
t.add('0F 18 reg', 'nop', 'Ev', nop);
t.add('0F 0D /r', 'prefetchw', 'Mb', nop);
t.add('F3 0F 1E modrm=FA', 'endbr64', '', nop);
t.add('F3 0F 1E modrm=FB', 'endbr32', '', nop);
// RDSSP "is a NOP when CET shadow stacks are not enabled" (SDM Vol. 2B, RDSSPD/RDSSPQ):
// glibc's static longjmp runs it to learn that, with the register zeroed beforehand.
t.add('F3 0F 1E /1 reg', 'rdsspd/rdsspq', 'Ry', nop);
// NP: with 66/F2/F3 the 0F AE row is other instructions (SDM Vol. 2), #UD here because
// CPUID does not advertise them: 66 /7 mem CLFLUSHOPT, 66/F3/F2 /6 reg TPAUSE/UMONITOR/
// UMWAIT (WAITPKG), F3 /0-/3 reg RDFSBASE..WRGSBASE (FSGSBASE), and F3 /5 reg INCSSP,
// which is #UD while CR4.CET or the shadow-stack enable is clear (SDM Vol. 2A, INCSSP;
// glibc runs it only with shadow stacks on).
t.add('NP 0F AE modrm=E8', 'lfence', '', nop);
t.add('NP 0F AE modrm=F0', 'mfence', '', nop);
t.add('NP 0F AE modrm=F8', 'sfence', '', nop);
t.add('NP 0F AE /7 mem', 'clflush', 'Mb', clflush);
t.add('NP 0F AE /2 mem', 'ldmxcsr', 'Md', mxcsrOp, { sub: 2 });
t.add('NP 0F AE /3 mem', 'stmxcsr', 'Md', mxcsrOp, { sub: 3 });

// ---- system -----------------------------------------------------------------------------
t.add('0F 05', 'syscall', '', syscallInsn, { attrs: ENDS_BLOCK });
t.add('0F 07', 'sysret', '', sysretInsn, { attrs: ENDS_BLOCK });
t.add('0F 34', 'sysenter', '', sysenterInsn, { attrs: ENDS_BLOCK });
t.add('0F 35', 'sysexit', '', sysexitInsn, { attrs: ENDS_BLOCK });
t.add('CD', 'int', 'Ib', intN, { attrs: ENDS_BLOCK });
t.add('CC', 'int3', '', int3, { attrs: ENDS_BLOCK });
t.add('CF', 'iret/iretd/iretq', '', iret, { attrs: ENDS_BLOCK });
t.add('F4', 'hlt', '', hlt, { attrs: ENDS_BLOCK });
t.add('0F 0B', 'ud2', '', ud, { attrs: ENDS_BLOCK });
t.add('0F A2', 'cpuid', '', cpuidInsn);
t.add('0F 31', 'rdtsc', '', rdtsc);
t.add('0F 32', 'rdmsr', '', rdmsr);
t.add('0F 30', 'wrmsr', '', wrmsr, { attrs: ENDS_BLOCK });
t.add('0F 20 /r', 'mov', 'Rq,Cq', movCr, { sub: 0, attrs: F64 });
t.add('0F 22 /r', 'mov', 'Cq,Rq', movCr, { sub: 1, attrs: F64 | ENDS_BLOCK });
t.add('0F 01 /2 mem', 'lgdt', 'M', loadDescriptorTable, { sub: 0 });
t.add('0F 01 /3 mem', 'lidt', 'M', loadDescriptorTable, { sub: 1 });
t.add('0F 01 /7 mem', 'invlpg', 'Mb', invlpg, { attrs: ENDS_BLOCK });
t.add('0F 01 modrm=C1', 'vmcall', '', vmcall, { attrs: ENDS_BLOCK });
t.add('0F 01 modrm=F8', 'swapgs', '', swapgs);
t.add('0F 01 modrm=F9', 'rdtscp', '', rdtscp);
t.add('F3 0F C7 /7 reg', 'rdpid', 'Rq', rdpid);
t.add('0F 00 /3', 'ltr', 'Ew', ltr);
t.add('0F 03 /r', 'lsl', 'Gv,Ew', lsl);
t.add('0F 06', 'clts', '', privilegedNop);
t.add('0F 09', 'wbinvd', '', privilegedNop);
t.add('F3 0F 09', 'wbnoinvd', '', privilegedNop); // CPL 0 only, like WBINVD (SDM Vol. 2B, WBNOINVD)

// ---- SSE / SSE2 -------------------------------------------------------------------------
// "mem"/"reg" keys: the other ModRM form is #UD (MOVNTDQ/MOVNTPS/MOVLPD/MOVHPD take only
// memory; PMOVMSKB/MOVMSKPS/MOVMSKPD only a register: SDM Vol. 2, per instruction).
t.add('NP 0F 10 /r', 'movups', 'Vx,Wx', movVW, { sub: 0 });
t.add('66 0F 10 /r', 'movupd', 'Vx,Wx', movVW, { sub: 0 });
t.add('F3 0F 10 /r', 'movss', 'Vx,Wss', movScalarLoad, { sub: 4 });
t.add('F2 0F 10 /r', 'movsd', 'Vx,Wsd', movScalarLoad, { sub: 8 });
t.add('NP 0F 11 /r', 'movups', 'Wx,Vx', movWV, { sub: 0 });
t.add('66 0F 11 /r', 'movupd', 'Wx,Vx', movWV, { sub: 0 });
t.add('F3 0F 11 /r', 'movss', 'Wss,Vx', movScalarStore, { sub: 4 });
t.add('F2 0F 11 /r', 'movsd', 'Wsd,Vx', movScalarStore, { sub: 8 });
t.add('NP 0F 28 /r', 'movaps', 'Vx,Wx', movVW, { sub: 1 });
t.add('66 0F 28 /r', 'movapd', 'Vx,Wx', movVW, { sub: 1 });
t.add('NP 0F 29 /r', 'movaps', 'Wx,Vx', movWV, { sub: 1 });
t.add('66 0F 29 /r', 'movapd', 'Wx,Vx', movWV, { sub: 1 });
t.add('66 0F 6F /r', 'movdqa', 'Vx,Wx', movVW, { sub: 1 });
t.add('F3 0F 6F /r', 'movdqu', 'Vx,Wx', movVW, { sub: 0 });
t.add('66 0F 7F /r', 'movdqa', 'Wx,Vx', movWV, { sub: 1 });
t.add('F3 0F 7F /r', 'movdqu', 'Wx,Vx', movWV, { sub: 0 });
t.add('66 0F E7 mem', 'movntdq', 'Mx,Vx', movWV, { sub: 1 });
t.add('NP 0F 2B mem', 'movntps', 'Mx,Vx', movWV, { sub: 1 });
t.add('66 0F 6E /r', 'movd/movq', 'Vx,Ey', movdToXmm);
t.add('66 0F 7E /r', 'movd/movq', 'Ey,Vx', movdFromXmm);
t.add('F3 0F 7E /r', 'movq', 'Vx,Wq', movqLoad);
t.add('66 0F D6 /r', 'movq', 'Wq,Vx', movqStore);
// NP 0F 12/16 with mod = 11b are MOVHLPS/MOVLHPS (SDM Vol. 2B); the 66 register forms are #UD.
t.add('NP 0F 12 mem', 'movlps', 'Vx,Mq', movHalfLoad, { sub: 0 });
t.add('NP 0F 12 reg', 'movhlps', 'Vx,Ux', movHalfLoad, { sub: 0 });
t.add('66 0F 12 mem', 'movlpd', 'Vx,Mq', movHalfLoad, { sub: 0 });
t.add('NP 0F 16 mem', 'movhps', 'Vx,Mq', movHalfLoad, { sub: 1 });
t.add('NP 0F 16 reg', 'movlhps', 'Vx,Ux', movHalfLoad, { sub: 1 });
t.add('66 0F 16 mem', 'movhpd', 'Vx,Mq', movHalfLoad, { sub: 1 });
t.add('NP 0F 13 /r', 'movlps', 'Mq,Vx', movHalfStore, { sub: 0 });
t.add('66 0F 13 /r', 'movlpd', 'Mq,Vx', movHalfStore, { sub: 0 });
t.add('NP 0F 17 /r', 'movhps', 'Mq,Vx', movHalfStore, { sub: 1 });
t.add('66 0F 17 /r', 'movhpd', 'Mq,Vx', movHalfStore, { sub: 1 });
[['pand', 'DB', 0], ['pandn', 'DF', 1], ['por', 'EB', 2], ['pxor', 'EF', 3]].forEach(([name, op, sub]) => {
  t.add(`66 0F ${op} /r`, name as string, 'Vx,Wx', logicVW, { sub: sub as number });
});
[['andps', 'andpd', '54', 0], ['andnps', 'andnpd', '55', 1], ['orps', 'orpd', '56', 2], ['xorps', 'xorpd', '57', 3]].forEach(([ps, pd, op, sub]) => {
  t.add(`NP 0F ${op} /r`, ps as string, 'Vx,Wx', logicVW, { sub: sub as number });
  t.add(`66 0F ${op} /r`, pd as string, 'Vx,Wx', logicVW, { sub: sub as number });
});
// SSE2 packed integer: table/sse-extended.ts.
// Gy: REX.W names the 64-bit register (objdump: movmskps rax,xmm0); the mask is written
// zero-extended either way (SDM Vol. 2B, MOVMSKPS/MOVMSKPD).
t.add('NP 0F 50 reg', 'movmskps', 'Gy,Ux', movmsk, { sub: 4 });
t.add('66 0F 50 reg', 'movmskpd', 'Gy,Ux', movmsk, { sub: 8 });

// Instruction families kept in files of their own (src/cpu/table/).
registerX87(t);
registerSseFloat(t);
registerSseExtended(t);
