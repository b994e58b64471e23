import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { ENDS_BLOCK, F64, OpcodeNode, OpcodeTable, type AddOptions, type OpcodeDef } from './opcode-table.js';
import { OPCODES } from './opcodes.js';
import { incDecE } from './ops/alu.js';
import { popValue, pushValue } from './ops/data.js';
import { RSP } from './registers.js';

/**
 * The opcode table of compatibility mode (32-bit code under the 64-bit kernel: CS.L = 0,
 * D = 1), for `decode(COMPAT_OPCODES, read, true)`. It shares every entry with the long-mode
 * table (OPCODES) except where the SDM's opcode map differs in 32-bit mode (Vol. 2D,
 * Table A-2, the i64/o64 superscripts):
 *
 *  - 40-47 / 48-4F are INC/DEC r32 (REX in 64-bit mode);
 *  - 60/61 PUSHA/PUSHAD and POPA/POPAD;
 *  - 63 is ARPL (MOVSXD in 64-bit mode): #UD here, as are the other i64 opcodes this
 *    emulator does not implement (push/pop of ES/CS/SS/DS, DAA/DAS/AAA/AAS/AAM/AAD,
 *    BOUND, LES/LDS, INTO, far CALL/JMP ptr16:32, SALC) — none of them is absent from the
 *    long-mode table either, so they stay #UD, reported with their bytes;
 *  - near CALL/RET/JMP through a register or memory use 32-bit return addresses and
 *    targets (the decoder gives them operand size 4).
 * Stack operations with the 32-bit default operand size use ESP (the emulator keeps the
 * upper half of RSP zero in 32-bit code: user addresses are below 4 GiB).
 */
export const COMPAT_OPCODES = new OpcodeTable();

for (let k = 0; k < OPCODES.nodes.length; k++) COMPAT_OPCODES.nodes[k] = OPCODES.nodes[k];
COMPAT_OPCODES.defs.push(...OPCODES.defs);
COMPAT_OPCODES.nodes[0x63] = undefined; // ARPL

const owned = new Set<number>();

/** Replaces (or adds) entries for one key, copying the shared long-mode node first. */
function override(key: string, mnemonic: string, operands: string, exec: (cpu: Cpu, i: Insn) => void, options: AddOptions = {}): void {
  const scratch = new OpcodeTable();
  scratch.add(key, mnemonic, operands, exec, options);
  scratch.nodes.forEach((node, index) => {
    if (!node) return;
    let mine = COMPAT_OPCODES.nodes[index];
    if (!owned.has(index)) {
      const copy = new OpcodeNode();
      copy.hasModrm = node.hasModrm;
      if (mine) mine.variants.forEach((v, p) => (copy.variants[p] = Array.isArray(v) ? v.slice() : v));
      COMPAT_OPCODES.nodes[index] = mine = copy;
      owned.add(index);
    }
    node.variants.forEach((v, p) => {
      if (v === undefined) return;
      if (!Array.isArray(v)) {
        mine!.variants[p] = v;
        return;
      }
      const existing = mine!.variants[p];
      const byModrm: Array<OpcodeDef | undefined> = Array.isArray(existing) ? existing : new Array(256).fill(undefined);
      v.forEach((d, m) => { if (d) byModrm[m] = d; });
      mine!.variants[p] = byModrm;
    });
  });
  COMPAT_OPCODES.defs.push(...scratch.defs);
}

/** 40+r / 48+r: INC/DEC r16/r32 (the register in the opcode). */
export function incDecZ(cpu: Cpu, i: Insn): void {
  i.rm = i.reg; // the E operand of INC/DEC is this register
  incDecE(cpu, i);
}

/** E8: CALL rel32 in 32-bit code: pushes EIP. */
export function callRel32(cpu: Cpu, i: Insn): void {
  const target = (cpu.rip + i.imm) >>> 0;
  pushValue(cpu, 4, cpu.rip, 0);
  cpu.rip = target;
}

/** FF /2: CALL r/m32. */
export function callE32(cpu: Cpu, i: Insn): void {
  const target = cpu.readE(i) >>> 0;
  pushValue(cpu, 4, cpu.rip, 0);
  cpu.rip = target;
}

/** FF /4: JMP r/m32. */
export function jmpE32(cpu: Cpu, i: Insn): void {
  cpu.rip = cpu.readE(i) >>> 0;
}

/** C3 / C2 Iw: RET in 32-bit code. */
export function ret32(cpu: Cpu, i: Insn): void {
  const target = popValue(cpu, 4) >>> 0;
  if (i.sub) cpu.setRsp(cpu.rsp() + (i.imm & 0xffff));
  cpu.rip = target;
}

/** 60: PUSHA/PUSHAD — EAX, ECX, EDX, EBX, the original ESP, EBP, ESI, EDI. */
export function pusha(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const sp = cpu.lo[RSP];
  for (let r = 0; r < 8; r++) pushValue(cpu, size, r === RSP ? sp : cpu.lo[r], 0);
}

/** 61: POPA/POPAD — the reverse, skipping the saved ESP. */
export function popa(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  for (let r = 7; r >= 0; r--) {
    const v = popValue(cpu, size);
    if (r !== RSP) cpu.setReg(r, size, v, 0);
  }
}

override('40+r', 'inc', 'Zv', incDecZ, { sub: 0 });
override('48+r', 'dec', 'Zv', incDecZ, { sub: 1 });
override('60', 'pusha/pushad', '', pusha);
override('61', 'popa/popad', '', popa);
override('E8', 'call', 'Jz', callRel32, { attrs: F64 | ENDS_BLOCK });
override('C3', 'ret', '', ret32, { sub: 0, attrs: F64 | ENDS_BLOCK });
override('C2', 'ret', 'Iw', ret32, { sub: 1, attrs: F64 | ENDS_BLOCK });
override('FF /2', 'call', 'Ev', callE32, { attrs: F64 | ENDS_BLOCK });
override('FF /4', 'jmp', 'Ev', jmpE32, { attrs: F64 | ENDS_BLOCK });
