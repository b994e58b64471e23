import type { OpcodeTable } from '../opcode-table.js';

/** SSE/SSE2 floating-point instructions (scalar and packed single/double). */
export function registerSseFloat(_t: OpcodeTable): void {}
