import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';

/**
 * 0F AE /7: CLFLUSH m8. There is no cache to flush, but the operand is still an access:
 * a non-canonical address is #GP(0) (#SS for stack references) and an unmapped or
 * inaccessible page is #PF, as on the host (SDM Vol. 2A, CLFLUSH, Protected Mode Exceptions).
 */
export function clflush(cpu: Cpu, i: Insn): void {
  cpu.mem.read8(cpu.ea(i));
}
