/** Exception vectors (SDM Vol. 3A §6.3.1, Table 6-1). */
export const VEC_DE = 0; //  divide error
export const VEC_DB = 1; //  debug
export const VEC_BP = 3; //  breakpoint (int3)
export const VEC_OF = 4;
export const VEC_UD = 6; //  invalid opcode
export const VEC_NM = 7; //  device not available
export const VEC_DF = 8; //  double fault
export const VEC_TS = 10;
export const VEC_NP = 11; // segment not present
export const VEC_SS = 12; // stack-segment fault
export const VEC_GP = 13; // general protection
export const VEC_PF = 14; // page fault
export const VEC_MF = 16; // x87 floating-point error
export const VEC_AC = 17;
export const VEC_XM = 19; // SIMD floating-point exception

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF', 10: '#TS',
  11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

/** Vectors that push an error code (SDM Vol. 3A Table 6-1). */
export function pushesErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

/**
 * An architectural exception raised while executing an instruction (other than #PF, which
 * the MMU raises as a PageFault). Thrown as one preallocated object per CPU; the run loop
 * catches it, rolls RIP back to the instruction and delivers the vector through the IDT.
 */
export class CpuException {
  vector = 0;
  errorCode = 0;
  /** Extra words for people: e.g. the opcode bytes of a #UD. */
  detail = '';
}

/**
 * A condition after which the machine cannot go on (a fault while delivering a fault,
 * descriptor tables that are not mapped): the emulated equivalent of a triple fault.
 * Only a broken kernel causes it, never a user program.
 */
export class MachineHalted extends Error {}
