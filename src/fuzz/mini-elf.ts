/**
 * Minimal static x86-64 executables for the fuzzers and the limit tests: an ELF64
 * header, one PT_LOAD per segment (each at a page-aligned file offset congruent with its
 * address, as binfmt_elf wants) and a PT_GNU_STACK. Nothing else: no sections.
 */
export interface MiniSegment {
  /** Page-aligned load address. */
  vaddr: number;
  /** PF_R = 4, PF_W = 2, PF_X = 1. */
  flags: number;
  data: Uint8Array;
  /** Bytes in memory (default data.length); the rest is zeroed bss. */
  memsz?: number;
}

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export function buildMiniElf(entry: number, segments: MiniSegment[]): Uint8Array {
  const phnum = segments.length + 1;
  let offset = 4096;
  const placed = segments.map((s) => {
    const at = offset;
    offset += Math.ceil(Math.max(s.data.length, 1) / 4096) * 4096;
    return at;
  });
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true); // EM_X86_64
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(entry), true);
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(52, 64, true); // e_ehsize
  v.setUint16(54, 56, true); // e_phentsize
  v.setUint16(56, phnum, true);
  segments.forEach((s, i) => {
    const at = 64 + i * 56;
    v.setUint32(at, 1, true); // PT_LOAD
    v.setUint32(at + 4, s.flags, true);
    v.setBigUint64(at + 8, BigInt(placed[i]!), true);
    v.setBigUint64(at + 16, BigInt(s.vaddr), true);
    v.setBigUint64(at + 24, BigInt(s.vaddr), true);
    v.setBigUint64(at + 32, BigInt(s.data.length), true);
    v.setBigUint64(at + 40, BigInt(Math.max(s.memsz ?? 0, s.data.length)), true);
    v.setBigUint64(at + 48, 4096n, true);
    out.set(s.data, placed[i]!);
  });
  const gnuStack = 64 + segments.length * 56;
  v.setUint32(gnuStack, 0x6474e551, true); // PT_GNU_STACK
  v.setUint32(gnuStack + 4, PF_R | PF_W, true);
  v.setBigUint64(gnuStack + 48, 16n, true);
  return out;
}

/** A little x86-64 encoder for the generated code: the few forms the fuzzers emit. */
export class Code {
  private readonly out: number[] = [];

  get length(): number {
    return this.out.length;
  }

  bytes(...b: number[] | [Uint8Array]): this {
    if (b[0] instanceof Uint8Array) this.out.push(...b[0]);
    else this.out.push(...(b as number[]));
    return this;
  }

  /** mov r64, imm64 (REX.W B8+r). */
  movImm(reg: number, value: bigint): this {
    this.out.push(0x48 | (reg >> 3), 0xb8 + (reg & 7));
    return this.imm64(value);
  }

  /** mov [abs64], rax (REX.W A3 moffs64). */
  storeRax(address: number): this {
    this.out.push(0x48, 0xa3);
    return this.imm64(BigInt(address));
  }

  syscall(): this {
    this.out.push(0x0f, 0x05);
    return this;
  }

  int80(): this {
    this.out.push(0xcd, 0x80);
    return this;
  }

  private imm64(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return this;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** Register numbers as ModRM/REX encode them. */
export const REG = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;
