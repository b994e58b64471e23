import type { OpcodeTable } from '../opcode-table.js';

/** x87 FPU instructions (D8-DF escapes). Filled in by the x87 work (issue 3). */
export function registerX87(_t: OpcodeTable): void {}
