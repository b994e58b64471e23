import { ElfError } from './elf-error.js';
import { formatU64Hex, readU64Exact } from './u64.js';

/** Little-endian reads of ELF header fields (x86-64 ELF is ELFDATA2LSB). */
export class ElfFields {
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(offset: number): number {
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  /** A 64-bit address, offset or size; `name` says which in the error if a number cannot hold it. */
  u64(offset: number, name: string): number {
    const value = readU64Exact(this.view, offset);
    if (value === undefined) {
      throw new ElfError(`${name} ${formatU64Hex(this.view, offset)} is too large (2^53 or more; no x86-64 user address is)`);
    }
    return value;
  }
}
