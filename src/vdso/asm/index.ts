/**
 * A small Intel-syntax x86-64 assembler for the kernel's entry stubs and the vDSO.
 * See README.md in this folder for the syntax, the instruction list and the encoding choices.
 */
export { assemble, type AssembleOptions, type Assembly } from './assembler.js';
export { AsmError } from './errors.js';
export { mnemonics } from './encoder.js';
