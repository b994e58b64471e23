import type { Cpu } from '../cpu.js';
import { EXIT_HALT, EXIT_HYPERCALL } from '../cpu.js';
import { VEC_BP, VEC_GP, VEC_UD } from '../cpu-exception.js';
import { cpuid } from '../cpu-model.js';
import { readDescriptor } from '../descriptors.js';
import { CF, DF, FIXED_1, IF, IOPL, POPF_KERNEL_MASK, POPF_USER_MASK, RF, VM, ZF } from '../flags.js';
import type { Insn } from '../insn.js';
import { deliverInterrupt, iretq } from '../interrupts.js';
import { RAX, RBX, RCX, RDX, R11, SEG_CS, SEG_FS, SEG_GS, SEG_SS } from '../registers.js';
import { popValue, pushValue } from './data.js';

const TWO_POW_32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;

/** MSR numbers (SDM Vol. 4; LINUX-ABI.md §6). */
export const MSR_EFER = 0xc0000080;
export const MSR_STAR = 0xc0000081;
export const MSR_LSTAR = 0xc0000082;
export const MSR_CSTAR = 0xc0000083;
export const MSR_FMASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX = 0xc0000103;
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
export const MSR_TSC = 0x10;

export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;

function requireKernel(cpu: Cpu, what: string): void {
  if (cpu.cpl !== 0) cpu.raise(VEC_GP, 0, `${what} at CPL ${cpu.cpl}`);
}

function toAddress(lo: number, hi: number): number {
  return hi * TWO_POW_32 + (lo >>> 0);
}

function isCanonical(addr: number): boolean {
  return addr >= -CANONICAL_LIMIT && addr < CANONICAL_LIMIT;
}

/** 0F 05: SYSCALL (SDM Vol. 2B, SYSCALL; LINUX-ABI.md §6). */
export function syscallInsn(cpu: Cpu, _i: Insn): void {
  if (!(cpu.efer & EFER_SCE)) cpu.raise(VEC_UD, 0, 'syscall with EFER.SCE clear');
  // From compatibility mode: AMD enters at CSTAR, Intel raises #UD (LINUX-ABI.md §6).
  const compat = cpu.compat;
  if (compat && (cpu.model.vendor !== 'amd' || cpu.model.noFastSyscall32)) cpu.raise(VEC_UD, 0, 'syscall in compatibility mode on an Intel CPU');
  const flags = cpu.getRflags();
  cpu.setReg64(RCX, cpu.rip | 0, Math.floor(cpu.rip / TWO_POW_32));
  cpu.setReg64(R11, flags & ~RF, 0);
  cpu.setRflags(flags & ~cpu.fmask & ~RF);
  const cs = (cpu.starHi & 0xffff) & ~3;
  cpu.selectors[SEG_CS] = cs;
  cpu.selectors[SEG_SS] = cs + 8;
  cpu.setCpl(0);
  cpu.compat = false;
  cpu.rip = compat ? cpu.cstar : cpu.lstar;
}

/** REX.W 0F 07: SYSRETQ back to 64-bit user code at RCX with RFLAGS from R11. */
export function sysretInsn(cpu: Cpu, i: Insn): void {
  if (!(cpu.efer & EFER_SCE)) cpu.raise(VEC_UD, 0, 'sysret with EFER.SCE clear');
  requireKernel(cpu, 'sysret');
  if (i.opsize !== 8) {
    // SYSRETL: to compatibility mode at ECX, CS = STAR[63:48] | 3, SS = STAR[63:48] + 8.
    const base = cpu.starHi >>> 16;
    cpu.setRflags((cpu.lo[R11] & 0x3c7fd7) | FIXED_1);
    cpu.selectors[SEG_CS] = (base & 0xffff) | 3;
    cpu.selectors[SEG_SS] = ((base + 8) & 0xffff) | 3;
    cpu.setCpl(3);
    cpu.compat = true;
    cpu.rip = cpu.lo[RCX] >>> 0;
    return;
  }
  const target = toAddress(cpu.lo[RCX], cpu.hi[RCX]);
  // Intel raises #GP in ring 0 for a non-canonical RCX (LINUX-ABI.md §6).
  if (!isCanonical(target)) cpu.raise(VEC_GP, 0, 'sysret to a non-canonical address');
  const base = cpu.starHi >>> 16;
  cpu.setRflags((cpu.lo[R11] & 0x3c7fd7) | FIXED_1);
  cpu.selectors[SEG_CS] = ((base + 16) & 0xffff) | 3;
  cpu.selectors[SEG_SS] = ((base + 8) & 0xffff) | 3;
  cpu.setCpl(3);
  cpu.rip = target;
}

/**
 * 0F 34: SYSENTER. Valid in long mode only on Intel processors; AMD raises #UD there
 * (LINUX-ABI.md §6). Enters at SYSENTER_EIP with RSP = SYSENTER_ESP; saves nothing.
 */
export function sysenterInsn(cpu: Cpu, _i: Insn): void {
  if (cpu.model.vendor !== 'intel') cpu.raise(VEC_UD, 0, 'sysenter in long mode on an AMD CPU');
  if (cpu.compat && cpu.model.noFastSyscall32) cpu.raise(VEC_UD, 0, 'sysenter on a CPU without it (--cpu legacy)');
  if ((cpu.sysenterCs & 0xfffc) === 0) cpu.raise(VEC_GP, 0, 'sysenter with SYSENTER_CS = 0');
  cpu.setRflags(cpu.getRflags() & ~(VM | IF | RF));
  cpu.selectors[SEG_CS] = cpu.sysenterCs & 0xfffc;
  cpu.selectors[SEG_SS] = (cpu.sysenterCs & 0xfffc) + 8;
  cpu.setRsp(cpu.sysenterEsp);
  cpu.setCpl(0);
  cpu.compat = false;
  cpu.rip = cpu.sysenterEip;
}

/** REX.W 0F 35: SYSEXITQ to 64-bit code: RIP = RDX, RSP = RCX, CS = SYSENTER_CS + 32. */
export function sysexitInsn(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, 'sysexit');
  if ((cpu.sysenterCs & 0xfffc) === 0) cpu.raise(VEC_GP, 0, 'sysexit with SYSENTER_CS = 0');
  if (i.opsize !== 8) {
    // SYSEXIT (32-bit): to compatibility mode, EIP = EDX, ESP = ECX, CS = SYSENTER_CS + 16.
    cpu.selectors[SEG_CS] = ((cpu.sysenterCs + 16) & 0xfffc) | 3;
    cpu.selectors[SEG_SS] = ((cpu.sysenterCs + 24) & 0xfffc) | 3;
    cpu.setRsp(cpu.lo[RCX] >>> 0);
    cpu.setCpl(3);
    cpu.compat = true;
    cpu.rip = cpu.lo[RDX] >>> 0;
    return;
  }
  const target = toAddress(cpu.lo[RDX], cpu.hi[RDX]);
  const stack = toAddress(cpu.lo[RCX], cpu.hi[RCX]);
  if (!isCanonical(target) || !isCanonical(stack)) cpu.raise(VEC_GP, 0, 'sysexit to a non-canonical address');
  cpu.selectors[SEG_CS] = ((cpu.sysenterCs + 32) & 0xfffc) | 3;
  cpu.selectors[SEG_SS] = ((cpu.sysenterCs + 40) & 0xfffc) | 3;
  cpu.setRsp(stack);
  cpu.setCpl(3);
  cpu.rip = target;
}

/** CD ib: INT n — a software interrupt through the IDT (gate DPL checked). */
export function intN(cpu: Cpu, i: Insn): void {
  deliverInterrupt(cpu, i.imm & 0xff, -1, cpu.rip, true);
}

/** CC: INT3 — #BP as a trap: the saved RIP is the next instruction. */
export function int3(cpu: Cpu, _i: Insn): void {
  deliverInterrupt(cpu, VEC_BP, -1, cpu.rip, true);
}

/** REX.W CF: IRETQ. */
export function iret(cpu: Cpu, i: Insn): void {
  if (i.opsize !== 8) cpu.raise(VEC_UD, 0, 'only the 64-bit IRETQ is supported');
  iretq(cpu);
}

/**
 * 0F 01 C1: VMCALL. The project's hypercall: the kernel's entry stubs execute it at
 * CPL 0 to hand control to the TypeScript kernel (DESIGN.md, "The path of one system
 * call"). Outside VMX operation it is #UD, which is what user code gets.
 */
export function vmcall(cpu: Cpu, _i: Insn): void {
  if (cpu.cpl !== 0) cpu.raise(VEC_UD, 0, 'vmcall outside the kernel');
  cpu.exitRequest = EXIT_HYPERCALL;
}

/** F4: HLT — privileged. */
export function hlt(cpu: Cpu, _i: Insn): void {
  requireKernel(cpu, 'hlt');
  cpu.exitRequest = EXIT_HALT;
}

/** 0F 01 F8: SWAPGS — exchange GS.base and IA32_KERNEL_GS_BASE (CPL 0 only). */
export function swapgs(cpu: Cpu, _i: Insn): void {
  requireKernel(cpu, 'swapgs');
  const t = cpu.segBase[2];
  cpu.segBase[2] = cpu.kernelGsBase;
  cpu.kernelGsBase = t;
}

/** 0F A2: CPUID. */
export function cpuidInsn(cpu: Cpu, _i: Insn): void {
  const r = cpuid(cpu.model, cpu.lo[RAX], cpu.lo[RCX]);
  cpu.setReg32(RAX, r.eax);
  cpu.setReg32(RBX, r.ebx);
  cpu.setReg32(RCX, r.ecx);
  cpu.setReg32(RDX, r.edx);
}

/** CR4.TSD: RDTSC/RDTSCP privileged. */
const CR4_TSD = 1 << 2;

/**
 * The time-stamp counter into cpu.tscLo/tscHi (RDTSC, RDTSCP; compiled blocks call it
 * directly and write EDX:EAX themselves).
 */
export function sampleTsc(cpu: Cpu): void {
  if (cpu.cr4 & CR4_TSD && cpu.cpl !== 0) cpu.raise(VEC_GP, 0, 'rdtsc with CR4.TSD set');
  if (cpu.tsc) cpu.tsc.read(cpu);
  else {
    cpu.tscLo = cpu.retired | 0;
    cpu.tscHi = Math.floor(cpu.retired / TWO_POW_32);
  }
}

/** 0F 31: RDTSC — EDX:EAX = the time-stamp counter. */
export function rdtsc(cpu: Cpu, _i: Insn): void {
  sampleTsc(cpu);
  cpu.setReg32(RAX, cpu.tscLo);
  cpu.setReg32(RDX, cpu.tscHi);
}

/** 0F 01 F9: RDTSCP — also ECX = IA32_TSC_AUX (the kernel stores the CPU number there). */
export function rdtscp(cpu: Cpu, i: Insn): void {
  rdtsc(cpu, i);
  cpu.setReg32(RCX, cpu.tscAux);
}

/** F3 0F C7 /7: RDPID — the TSC_AUX value in a 64-bit register. */
export function rdpid(cpu: Cpu, i: Insn): void {
  cpu.setReg64(i.rm, cpu.tscAux, 0);
}

/** 0F 32: RDMSR. */
export function rdmsr(cpu: Cpu, _i: Insn): void {
  requireKernel(cpu, 'rdmsr');
  const msr = cpu.lo[RCX] >>> 0;
  let lo = 0;
  let hi = 0;
  const split = (v: number): void => {
    lo = v | 0;
    hi = Math.floor(v / TWO_POW_32) | 0;
  };
  switch (msr) {
    case MSR_EFER: lo = cpu.efer; break;
    case MSR_STAR: lo = cpu.starLo; hi = cpu.starHi; break;
    case MSR_LSTAR: split(cpu.lstar); break;
    case MSR_CSTAR: split(cpu.cstar); break;
    case MSR_FMASK: lo = cpu.fmask; break;
    case MSR_FS_BASE: split(cpu.segBase[1]); break;
    case MSR_GS_BASE: split(cpu.segBase[2]); break;
    case MSR_KERNEL_GS_BASE: split(cpu.kernelGsBase); break;
    case MSR_TSC_AUX: lo = cpu.tscAux; break;
    case MSR_SYSENTER_CS: lo = cpu.sysenterCs; break;
    case MSR_SYSENTER_ESP: split(cpu.sysenterEsp); break;
    case MSR_SYSENTER_EIP: split(cpu.sysenterEip); break;
    default: cpu.raise(VEC_GP, 0, `rdmsr of unknown MSR 0x${msr.toString(16)}`);
  }
  cpu.setReg32(RAX, lo);
  cpu.setReg32(RDX, hi);
}

/** 0F 30: WRMSR. Address-valued MSRs must be canonical (#GP otherwise). */
export function wrmsr(cpu: Cpu, _i: Insn): void {
  requireKernel(cpu, 'wrmsr');
  const msr = cpu.lo[RCX] >>> 0;
  const lo = cpu.lo[RAX];
  const hi = cpu.lo[RDX];
  const addr = toAddress(lo, hi);
  const needCanonical = msr === MSR_LSTAR || msr === MSR_CSTAR || msr === MSR_FS_BASE || msr === MSR_GS_BASE || msr === MSR_KERNEL_GS_BASE || msr === MSR_SYSENTER_EIP || msr === MSR_SYSENTER_ESP;
  if (needCanonical && !isCanonical(addr)) cpu.raise(VEC_GP, 0, `wrmsr 0x${msr.toString(16)} with a non-canonical address`);
  switch (msr) {
    case MSR_EFER:
      cpu.efer = lo;
      cpu.mem.nxe = (lo & EFER_NXE) !== 0;
      break;
    case MSR_STAR: cpu.starLo = lo; cpu.starHi = hi; break;
    case MSR_LSTAR: cpu.lstar = addr; break;
    case MSR_CSTAR: cpu.cstar = addr; break;
    case MSR_FMASK: cpu.fmask = lo; break;
    case MSR_FS_BASE: cpu.segBase[1] = addr; break;
    case MSR_GS_BASE: cpu.segBase[2] = addr; break;
    case MSR_KERNEL_GS_BASE: cpu.kernelGsBase = addr; break;
    case MSR_TSC_AUX: cpu.tscAux = lo; break;
    case MSR_SYSENTER_CS: cpu.sysenterCs = lo & 0xffff; break;
    case MSR_SYSENTER_ESP: cpu.sysenterEsp = addr; break;
    case MSR_SYSENTER_EIP: cpu.sysenterEip = addr; break;
    default: cpu.raise(VEC_GP, 0, `wrmsr of unknown MSR 0x${msr.toString(16)}`);
  }
}

/** 0F 22 / 0F 20: MOV to/from CR0, CR2, CR3, CR4 (sub: 0 = read, 1 = write). */
export function movCr(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, 'mov cr');
  const crIndex = i.reg;
  const r = i.rm;
  if (i.sub === 0) {
    let v = 0;
    if (crIndex === 0) v = cpu.cr0;
    else if (crIndex === 2) v = cpu.cr2;
    else if (crIndex === 3) v = cpu.mem.cr3;
    else if (crIndex === 4) v = cpu.cr4;
    else cpu.raise(VEC_UD, 0, `mov from cr${crIndex}`);
    cpu.setReg64(r, v | 0, Math.floor(v / TWO_POW_32));
    return;
  }
  const v = toAddress(cpu.lo[r], cpu.hi[r]);
  if (crIndex === 0) {
    cpu.cr0 = cpu.lo[r];
    cpu.mem.wp = (cpu.cr0 & (1 << 16)) !== 0;
  } else if (crIndex === 2) cpu.cr2 = v;
  else if (crIndex === 3) {
    cpu.mem.cr3 = cpu.lo[r] & ~0xfff;
    cpu.mem.flushNonGlobal();
  } else if (crIndex === 4) cpu.cr4 = cpu.lo[r];
  else cpu.raise(VEC_UD, 0, `mov to cr${crIndex}`);
}

/** 0F 01 /2 and /3: LGDT, LIDT (10-byte pseudo-descriptor). */
export function loadDescriptorTable(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, i.sub === 0 ? 'lgdt' : 'lidt');
  const addr = cpu.ea(i);
  const limit = cpu.mem.read16(addr);
  const lo = cpu.mem.read64(addr + 2);
  const base = toAddress(lo, cpu.mem.hi);
  if (i.sub === 0) {
    cpu.gdtBase = base;
    cpu.gdtLimit = limit;
  } else {
    cpu.idtBase = base;
    cpu.idtLimit = limit;
  }
}

/** 0F 00 /3: LTR — load the task register from a 64-bit TSS descriptor (16 bytes). */
export function ltr(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, 'ltr');
  const selector = i.rm >= 0 ? cpu.lo[i.rm] & 0xffff : cpu.mem.read16(cpu.ea(i));
  const d = readDescriptor(cpu, selector);
  if (!d || d.codeOrData || (d.type !== 9 && d.type !== 11)) cpu.raise(VEC_GP, selector & ~3, 'ltr of a non-TSS selector');
  const upper = cpu.mem.probe(cpu.gdtBase + (selector & ~7) + 8, 0, false);
  const baseHigh = upper >= 0 ? cpu.mem.view.getUint32(upper, true) : 0;
  cpu.trSelector = selector;
  cpu.trBase = baseHigh * TWO_POW_32 + d.base;
}

/** 0F 01 /7 (memory): INVLPG. */
export function invlpg(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, 'invlpg');
  cpu.mem.invalidatePage(cpu.ea(i));
}

/** F8 CLC, F9 STC, F5 CMC, FC CLD, FD STD (sub selects). */
export function flagOp(cpu: Cpu, i: Insn): void {
  const f = cpu.getRflags();
  switch (i.sub) {
    case 0: cpu.setRflags(f & ~CF); break;
    case 1: cpu.setRflags(f | CF); break;
    case 2: cpu.setRflags(f ^ CF); break;
    case 3: cpu.flagsRest &= ~DF; break;
    case 4: cpu.flagsRest |= DF; break;
  }
}

/** FA CLI / FB STI: allowed when CPL <= IOPL (SDM CLI). */
export function cliSti(cpu: Cpu, i: Insn): void {
  const iopl = (cpu.flagsRest & IOPL) >> 12;
  if (cpu.cpl > iopl) cpu.raise(VEC_GP, 0, i.sub === 0 ? 'cli at CPL 3' : 'sti at CPL 3');
  if (i.sub === 0) cpu.flagsRest &= ~IF;
  else cpu.flagsRest |= IF;
}

/** 9C: PUSHFQ — RF and VM read as 0 in the pushed image. */
export function pushf(cpu: Cpu, i: Insn): void {
  pushValue(cpu, i.opsize, cpu.getRflags() & ~(RF | VM), 0);
}

/** 9D: POPFQ — bits writable depend on CPL and IOPL (SDM Vol. 2B, POPF). */
export function popf(cpu: Cpu, i: Insn): void {
  const v = popValue(cpu, i.opsize);
  let mask = cpu.cpl === 0 ? POPF_KERNEL_MASK : POPF_USER_MASK;
  const iopl = (cpu.flagsRest & IOPL) >> 12;
  if (cpu.cpl !== 0 && cpu.cpl <= iopl) mask |= IF;
  if (i.opsize === 2) mask &= 0xffff;
  const current = cpu.getRflags();
  cpu.setRflags((current & ~mask) | (v & mask));
}

/** 0F 0B: UD2; also any reserved encoding listed in the table. */
export function ud(cpu: Cpu, i: Insn): void {
  cpu.raise(VEC_UD, 0, i.def?.mnemonic ?? 'ud');
}

/** Privileged no-operations for us (e.g. WBINVD, CLTS): #GP at CPL 3. */
export function privilegedNop(cpu: Cpu, i: Insn): void {
  requireKernel(cpu, i.def?.mnemonic ?? 'privileged instruction');
}

/** 0F 03: LSL G,Ew — segment limit of a GDT descriptor the CPL may see (SDM LSL). */
export function lsl(cpu: Cpu, i: Insn): void {
  const selector = i.rm >= 0 ? cpu.lo[i.rm] & 0xffff : cpu.mem.read16(cpu.ea(i));
  const d = readDescriptor(cpu, selector);
  const rpl = selector & 3;
  const conforming = d !== null && d.codeOrData && (d.type & 0xc) === 0xc;
  const visible = d !== null && (d.codeOrData || d.type === 2 || d.type === 9 || d.type === 11) && (conforming || d.dpl >= Math.max(cpu.cpl, rpl));
  if (!visible) {
    cpu.setStatusFlags(ZF, 0);
    return;
  }
  cpu.setReg(i.reg, i.opsize === 2 ? 2 : 4, d.limit | 0, 0);
  cpu.setStatusFlags(ZF, ZF);
}

/** 8E: MOV Sreg,Ew — DS/ES/SS/FS/GS; FS/GS take a (32-bit) base from the GDT. */
export function movSregE(cpu: Cpu, i: Insn): void {
  const seg = i.reg & 7;
  if (seg === SEG_CS || seg > SEG_GS) cpu.raise(VEC_UD, 0, 'mov to cs');
  const selector = i.rm >= 0 ? cpu.lo[i.rm] & 0xffff : cpu.mem.read16(cpu.ea(i));
  const d = readDescriptor(cpu, selector);
  if (selector & ~3 && (!d || !d.present || !d.codeOrData)) cpu.raise(VEC_GP, selector & ~3, 'mov sreg with a bad selector');
  if (seg === SEG_SS && (selector & 3) !== cpu.cpl) cpu.raise(VEC_GP, selector & ~3, 'mov ss with RPL != CPL');
  cpu.selectors[seg] = selector;
  if (seg === SEG_FS) cpu.segBase[1] = d ? d.base : 0;
  if (seg === SEG_GS) cpu.segBase[2] = d ? d.base : 0;
}

/** 8C: MOV Ev,Sreg. */
export function movESreg(cpu: Cpu, i: Insn): void {
  const seg = i.reg & 7;
  if (seg > SEG_GS) cpu.raise(VEC_UD, 0, 'mov from a nonexistent segment register');
  const v = cpu.selectors[seg];
  if (i.rm >= 0) cpu.setReg(i.rm, i.opsize === 2 ? 2 : i.opsize, v, 0);
  else cpu.mem.write16(cpu.ea(i), v);
}

