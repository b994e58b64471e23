/**
 * CPUID describes a coherent x86-64-v2 processor (LINUX-ABI.md §7.4): every feature bit
 * it sets has its instructions in the opcode table (each is checked against the host by
 * its own golden vectors), and it sets none of the bits that would make glibc use
 * instructions or state the emulator lacks (AVX, XSAVE/OSXSAVE, FMA, ...).
 */
import { describe, expect, it } from 'vitest';
import { AMD_MODEL, cpuid, INTEL_MODEL } from '../../../src/cpu/cpu-model.js';
import { decode, UndefinedOpcode } from '../../../src/cpu/decoder.js';
import { OPCODES } from '../../../src/cpu/opcodes.js';

/** CPUID.1:ECX bits and instructions each one promises (encodings, one of each family). */
const LEAF1_ECX: Array<[string, number, string[]]> = [
  ['SSE3', 0, ['f2 0f f0 00', '66 0f 7c c1', 'f2 0f 7c c1', '66 0f d0 c1', 'f2 0f 12 c1', 'f3 0f 16 c1', 'f3 0f 12 c1', 'db 08', 'dd 08', 'df 08']],
  ['SSSE3', 9, ['66 0f 38 00 c1', '66 0f 38 01 c1', '66 0f 38 04 c1', '66 0f 38 08 c1', '66 0f 38 0b c1', '66 0f 38 1c c1', '66 0f 3a 0f c1 01']],
  ['CX16', 13, ['48 0f c7 08']],
  ['SSE4.1', 19, ['66 0f 3a 0b c1 01', '66 0f 3a 0a c1 01', '66 0f 3a 09 c1 01', '66 0f 3a 08 c1 01', '66 0f 38 17 c1', '66 0f 3a 21 c1 00',
    '66 0f 3a 17 c0 01', '66 0f 3a 40 c1 ff', '66 0f 3a 41 c1 ff', '66 0f 3a 0c c1 01', '66 0f 38 14 c1', '66 0f 38 10 c1', '66 0f 38 2a 00',
    '66 0f 38 20 c1', '66 0f 38 35 c1', '66 0f 38 40 c1', '66 0f 3a 42 c1 00', '66 0f 3a 14 c0 00', '66 0f 3a 22 c0 00', '66 0f 38 41 c1']],
  ['SSE4.2', 20, ['66 0f 3a 60 c1 00', '66 0f 3a 61 c1 00', '66 0f 3a 62 c1 00', '66 0f 3a 63 c1 00', 'f2 0f 38 f0 c1', 'f2 48 0f 38 f1 c1', '66 0f 38 37 c1']],
  ['MOVBE', 22, ['0f 38 f0 00', '0f 38 f1 00']],
  ['POPCNT', 23, ['f3 0f b8 c1']],
];

/** Bits that must stay clear: their instructions or state are not emulated. */
const ABSENT_ECX: Array<[string, number]> = [
  ['PCLMULQDQ', 1], ['FMA', 12], ['AES', 25], ['XSAVE', 26], ['OSXSAVE', 27], ['AVX', 28], ['F16C', 29], ['RDRAND', 30],
];

function decodes(hex: string): boolean {
  const bytes = hex.split(' ').map((b) => parseInt(b, 16));
  try {
    const insn = decode(OPCODES, (o) => bytes[o] ?? 0);
    return insn.length === bytes.length;
  } catch (e) {
    if (e instanceof UndefinedOpcode) return false;
    throw e;
  }
}

describe('CPUID: a coherent x86-64-v2 processor', () => {
  for (const model of [INTEL_MODEL, AMD_MODEL]) {
    it(`${model.vendorId}: advertises SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B, MOVBE and LAHF/SAHF`, () => {
      const ecx = cpuid(model, 1, 0).ecx;
      for (const [name, bit] of LEAF1_ECX) expect({ name, set: (ecx >>> bit) & 1 }).toEqual({ name, set: 1 });
      for (const [name, bit] of ABSENT_ECX) expect({ name, set: (ecx >>> bit) & 1 }).toEqual({ name, set: 0 });
      expect(cpuid(model, 0x80000001, 0).ecx & 1).toBe(1); // LAHF/SAHF in 64-bit mode
      expect(cpuid(model, 7, 0).ebx & (1 << 5)).toBe(0); // no AVX2
    });
  }

  it('advertises MisAlignSse (CPUID 8000_0001h:ECX[7], AMD APM Vol. 3) exactly when LDMXCSR accepts MXCSR.MM (bit 17)', () => {
    for (const model of [INTEL_MODEL, AMD_MODEL]) {
      const bit = (cpuid(model, 0x80000001, 0).ecx >>> 7) & 1;
      expect({ vendor: model.vendorId, bit }).toEqual({ vendor: model.vendorId, bit: (model.mxcsrMask >>> 17) & 1 });
    }
    // The EPYC host's FXSAVE reports MXCSR_MASK 0x2FFFF (test/golden/data/align.jsonl.gz); the SDM's is 0xFFFF.
    expect(AMD_MODEL.mxcsrMask).toBe(0x2ffff);
    expect(INTEL_MODEL.mxcsrMask).toBe(0xffff);
  });

  it('backs every advertised bit with instructions in the opcode table', () => {
    const missing: string[] = [];
    for (const [name, , encodings] of LEAF1_ECX) for (const e of encodings) if (!decodes(e)) missing.push(`${name}: ${e}`);
    for (const e of ['9e', '9f']) if (!decodes(e)) missing.push(`LAHF/SAHF: ${e}`);
    expect(missing).toEqual([]);
  });
});
