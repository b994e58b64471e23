// Builds ELF64 files byte by byte for the parser tests, following the Elf64_Ehdr and
// Elf64_Phdr layouts of the gABI. Every field can be set to any value, including
// invalid ones; u64 fields take bigint so values at and above 2^53 can be written.

export interface TestSegment {
  type: number;
  flags: number;
  offset: number | bigint;
  vaddr: number | bigint;
  filesz: number | bigint;
  memsz: number | bigint;
  align: number | bigint;
}

export interface TestElf {
  ident?: number[];               // e_ident bytes 0..6 (magic, class, data, version)
  type?: number;                  // e_type
  machine?: number;               // e_machine
  version?: number;               // e_version
  entry?: number | bigint;        // e_entry
  phoff?: number | bigint;        // e_phoff (default 64: right after the header)
  phentsize?: number;             // e_phentsize (default 56)
  phnum?: number;                 // e_phnum (default: segments.length)
  segments?: TestSegment[];
  fileSize?: number;              // total length (default: just past the program headers)
  contents?: Array<{ offset: number; bytes: Uint8Array }>;
}

export const ELF64_IDENT = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]; // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT

export function buildElf(spec: TestElf): Uint8Array {
  const segments = spec.segments ?? [];
  const phoff = spec.phoff ?? 64;
  const fileSize = spec.fileSize ?? Number(phoff) + 56 * segments.length;
  const bytes = new Uint8Array(fileSize);
  const view = new DataView(bytes.buffer);
  const u16 = (at: number, value: number) => at + 2 <= fileSize && view.setUint16(at, value, true);
  const u32 = (at: number, value: number) => at + 4 <= fileSize && view.setUint32(at, value, true);
  const u64 = (at: number, value: number | bigint) => at + 8 <= fileSize && view.setBigUint64(at, BigInt(value), true);

  (spec.ident ?? ELF64_IDENT).forEach((byte, i) => i < fileSize && (bytes[i] = byte));
  u16(16, spec.type ?? 2);
  u16(18, spec.machine ?? 62);
  u32(20, spec.version ?? 1);
  u64(24, spec.entry ?? 0);
  u64(32, phoff);
  u16(52, 64);
  u16(54, spec.phentsize ?? 56);
  u16(56, spec.phnum ?? segments.length);
  segments.forEach((segment, i) => {
    const at = Number(phoff) + 56 * i;
    u32(at, segment.type);
    u32(at + 4, segment.flags);
    u64(at + 8, segment.offset);
    u64(at + 16, segment.vaddr);
    u64(at + 24, segment.vaddr);
    u64(at + 32, segment.filesz);
    u64(at + 40, segment.memsz);
    u64(at + 48, segment.align);
  });
  for (const { offset, bytes: data } of spec.contents ?? []) bytes.set(data, offset);
  return bytes;
}
