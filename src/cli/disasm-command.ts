import { readFileSync } from 'node:fs';
import { disassembleRange } from '../cpu/disassembler.js';
import { PF_X } from '../loader/elf-constants.js';
import { ElfError, parseElf } from '../loader/elf.js';

/**
 * `x64emu disasm <elf>`: Intel-syntax disassembly of the executable segments, from the
 * same opcode table the CPU runs (objdump -d -M intel is the oracle in the tests).
 */
export function disasmCommand(file: string): number {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    process.stderr.write(`x64emu: ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}\n`);
    return 127;
  }
  let elf;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    process.stderr.write(`x64emu: ${file}: ${e.message}\n`);
    return 126;
  }
  const out: string[] = [];
  for (const seg of elf.loadSegments) {
    if (!(seg.flags & PF_X)) continue;
    out.push(`\nsegment at 0x${seg.vaddr.toString(16)} (${seg.filesz} bytes):`);
    for (const line of disassembleRange(bytes.subarray(seg.offset, seg.offset + seg.filesz), seg.vaddr)) {
      const hex = Array.from(line.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
      out.push(`${Number(line.address).toString(16).padStart(8)}:\t${hex.padEnd(21)}\t${line.text}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
