import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';

/**
 * The x87 control and status words (SDM Vol. 1 §8.1.3, §8.1.5). sub: 0 FNSTCW m16,
 * 1 FLDCW m16, 2 FNINIT, 3 FNSTSW m16, 4 FNSTSW AX. FNINIT sets FCW = 0x37F, FSW = 0,
 * all tags empty (SDM Vol. 2A, FINIT/FNINIT).
 */
export function x87Control(cpu: Cpu, i: Insn): void {
  switch (i.sub) {
    case 0: cpu.mem.write16(cpu.ea(i), cpu.fpuControl); break;
    // Bits 13-15 and 7 of the control word read as 0 and bit 6 as 1, whatever FLDCW loaded
    // (SDM Vol. 1 §8.1.5, Figure 8-6: reserved).
    case 1: cpu.fpuControl = (cpu.mem.read16(cpu.ea(i)) & 0x1f3f) | 0x40; break;
    case 2:
      cpu.fpuControl = 0x37f;
      cpu.fpuStatus = 0;
      cpu.fpuTag = 0xffff;
      break;
    case 3: cpu.mem.write16(cpu.ea(i), cpu.fpuStatus); break;
    default: cpu.setReg16(0, cpu.fpuStatus); break;
  }
}
