/**
 * The emulated processor's identity and CPUID leaves.
 *
 * CPUID advertises exactly what the interpreter implements (LINUX-ABI.md §7.4): glibc
 * picks its string and memory routines from these bits, so a bit set here must be
 * backed by working instructions. Today that is x86-64-v2 (SSE3 through SSE4.2, POPCNT,
 * CMPXCHG16B, LAHF/SAHF) plus MOVBE, and no AVX, XSAVE or OSXSAVE, so glibc picks its
 * SSE2/SSSE3/SSE4.2 routines and never touches AVX state; leaves describe a coherent
 * Intel or AMD part with real cache geometry so glibc's cache-size thresholds come out
 * sane. MMX is advertised because long mode requires it, but of the MMX instructions
 * only EMMS is implemented: no compiler emits the others without MMX intrinsics.
 */
export type CpuVendor = 'intel' | 'amd';

export interface CpuModel {
  vendor: CpuVendor;
  /** 12-character vendor id returned in EBX, EDX, ECX of leaf 0. */
  vendorId: string;
  brand: string;
  /** CPUID.1:EAX (stepping, model, family with the extended fields). */
  signature: number;
  /** Nominal TSC frequency in Hz, reported through leaf 0x15/0x16 where applicable. */
  tscHz: number;
  /**
   * Neither SYSENTER nor SYSCALL works from 32-bit code (`--cpu legacy`): both are #UD in
   * compatibility mode, and the kernel leaves __kernel_vsyscall on int 0x80.
   */
  noFastSyscall32?: boolean;
  /**
   * MXCSR bits LDMXCSR and FXRSTOR accept (the MXCSR_MASK FXSAVE stores): 0xFFFF on Intel;
   * AMD adds bit 17, MM, misaligned SSE mode (AMD APM Vol. 4, "MXCSR Register"; an EPYC
   * reports 0x2FFFF), advertised as MisAlignSse (CPUID 8000_0001h:ECX[7]).
   */
  mxcsrMask: number;
}

export const INTEL_MODEL: CpuModel = {
  vendor: 'intel',
  vendorId: 'GenuineIntel',
  brand: 'x64emu virtual Intel-compatible CPU @ 2.00GHz',
  signature: 0x000906ea, // family 6, model 0x9e, stepping 10 (a Coffee Lake part)
  tscHz: 2_000_000_000,
  mxcsrMask: 0xffff,
};

/** `--cpu legacy`: the Intel model without fast 32-bit system calls (issue 8). */
export const LEGACY_MODEL: CpuModel = {
  vendor: 'intel',
  vendorId: 'GenuineIntel',
  brand: 'x64emu virtual legacy CPU (no SYSENTER/SYSCALL from 32-bit code) @ 2.00GHz',
  signature: 0x000906ea,
  tscHz: 2_000_000_000,
  noFastSyscall32: true,
  mxcsrMask: 0xffff,
};

export const AMD_MODEL: CpuModel = {
  vendor: 'amd',
  vendorId: 'AuthenticAMD',
  brand: 'x64emu virtual AMD-compatible CPU @ 2.00GHz',
  signature: 0x00870f10, // family 0x17, model 0x71 (Zen 2)
  tscHz: 2_000_000_000,
  mxcsrMask: 0x2ffff,
};

// CPUID.1:EDX feature bits (SDM Vol. 2A, CPUID, Table 3-11).
const FPU = 1 << 0;
const TSC = 1 << 4;
const MSR = 1 << 5;
const PAE = 1 << 6;
const CX8 = 1 << 8;
const SEP = 1 << 11; // SYSENTER/SYSEXIT
const PGE = 1 << 13;
const CMOV = 1 << 15;
const PAT = 1 << 16;
const CLFSH = 1 << 19;
const MMX = 1 << 23;
const FXSR = 1 << 24;
const SSE = 1 << 25;
const SSE2 = 1 << 26;

// CPUID.1:ECX feature bits (SDM Vol. 2A, CPUID, Table 3-10). With LAHF/SAHF in
// 80000001h:ECX these make the x86-64-v2 level (SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT,
// CMPXCHG16B); test/cpu/sse-int/cpuid-v2.test.ts checks each has its instructions.
const SSE3 = 1 << 0;
const SSSE3 = 1 << 9;
const CX16 = 1 << 13;
const SSE4_1 = 1 << 19;
const SSE4_2 = 1 << 20;
const MOVBE = 1 << 22;
const POPCNT = 1 << 23;

// CPUID.80000001h:EDX / ECX.
const SYSCALL = 1 << 11;
const NX = 1 << 20;
const LM = 1 << 29;
const RDTSCP = 1 << 27;
const LAHF_LM = 1 << 0;
const MISALIGNSSE = 1 << 7; // AMD: MXCSR.MM, misaligned SSE mode

/** MXCSR bit 17, MM (AMD): legacy SSE instructions may take misaligned 16-byte operands (Cpu.ea16). */
export const MXCSR_MM = 1 << 17;

export interface CpuidResult {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

function ascii4(s: string, at: number): number {
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v << 8) | (s.charCodeAt(at + k) || 0);
  return v | 0;
}

/** One cache level for leaf 4 (Intel) and 0x8000001D-style reporting. */
interface Cache {
  level: number;
  type: 1 | 2 | 3; // data, instruction, unified
  ways: number;
  lineSize: number;
  sets: number;
  sharedBy: number;
}

const CACHES: Cache[] = [
  { level: 1, type: 1, ways: 8, lineSize: 64, sets: 64, sharedBy: 1 }, //    32 KiB L1d
  { level: 1, type: 2, ways: 8, lineSize: 64, sets: 64, sharedBy: 1 }, //    32 KiB L1i
  { level: 2, type: 3, ways: 4, lineSize: 64, sets: 1024, sharedBy: 1 }, // 256 KiB L2
  { level: 3, type: 3, ways: 16, lineSize: 64, sets: 8192, sharedBy: 1 }, //  8 MiB L3
];

export function cpuid(model: CpuModel, leaf: number, subleaf: number): CpuidResult {
  const r: CpuidResult = { eax: 0, ebx: 0, ecx: 0, edx: 0 };
  const v = model.vendorId;
  leaf >>>= 0;
  switch (leaf) {
    case 0:
      r.eax = 0xd; // highest basic leaf
      r.ebx = ascii4(v, 0);
      r.edx = ascii4(v, 4);
      r.ecx = ascii4(v, 8);
      break;
    case 1:
      r.eax = model.signature;
      r.ebx = (8 << 8) | (1 << 16); // CLFLUSH line size 8 quadwords, 1 logical processor
      r.ecx = SSE3 | SSSE3 | CX16 | SSE4_1 | SSE4_2 | MOVBE | POPCNT;
      r.edx = FPU | TSC | MSR | PAE | CX8 | SEP | PGE | CMOV | PAT | CLFSH | MMX | FXSR | SSE | SSE2;
      break;
    case 2:
      // One descriptor byte, 0xFF: "use leaf 4 for cache parameters" (SDM Vol. 2A Table 3-12).
      if (model.vendor === 'intel') r.eax = 0x0000ff01;
      break;
    case 4: {
      // Deterministic cache parameters (Intel only; SDM Vol. 2A Table 3-8).
      const c = model.vendor === 'intel' ? CACHES[subleaf] : undefined;
      if (c) {
        r.eax = c.type | (c.level << 5) | (1 << 8) | ((c.sharedBy - 1) << 14);
        r.ebx = (c.lineSize - 1) | (0 << 12) | ((c.ways - 1) << 22);
        r.ecx = c.sets - 1;
      }
      break;
    }
    case 0x80000000:
      r.eax = 0x80000008;
      if (model.vendor === 'amd') {
        r.ebx = ascii4(v, 0);
        r.edx = ascii4(v, 4);
        r.ecx = ascii4(v, 8);
      }
      break;
    case 0x80000001:
      r.ecx = LAHF_LM;
      r.edx = SYSCALL | NX | RDTSCP | LM;
      if (model.mxcsrMask & MXCSR_MM) r.ecx |= MISALIGNSSE;
      if (model.vendor === 'amd') r.edx |= FPU | TSC | MSR | PAE | CX8 | CMOV | PAT | MMX | FXSR;
      break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const at = (leaf - 0x80000002) * 16;
      const brand = model.brand.padEnd(48, '\0');
      r.eax = ascii4(brand, at);
      r.ebx = ascii4(brand, at + 4);
      r.ecx = ascii4(brand, at + 8);
      r.edx = ascii4(brand, at + 12);
      break;
    }
    case 0x80000005:
      if (model.vendor === 'amd') {
        // L1d and L1i: size KiB << 24 | ways << 16 | lines per tag << 8 | line size.
        r.ecx = (32 << 24) | (8 << 16) | (1 << 8) | 64;
        r.edx = (32 << 24) | (8 << 16) | (1 << 8) | 64;
      }
      break;
    case 0x80000006:
      // L2: size KiB << 16 | associativity code << 12 | line size (both vendors report it).
      r.ecx = (256 << 16) | (0x6 << 12) | 64;
      // L3 (AMD): size in 512 KiB units << 18 | associativity << 12 | line size.
      if (model.vendor === 'amd') r.edx = (16 << 18) | (0x8 << 12) | 64;
      break;
    case 0x80000008:
      r.eax = 48 << 8 | 39; // 48-bit linear, 39-bit physical addresses
      break;
    default:
      break; // reserved or not advertised: all zero
  }
  r.eax |= 0;
  r.ebx |= 0;
  r.ecx |= 0;
  r.edx |= 0;
  return r;
}
