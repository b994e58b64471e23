import type { Cpu } from '../cpu/cpu.js';
import { cpuid } from '../cpu/cpu-model.js';
import { ARITH_FLAGS, AC, DF, ID, IF, IOPL, NT, RF, TF } from '../cpu/flags.js';
import { EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE } from '../cpu/ops/system.js';
import { SEG_CS, SEG_SS } from '../cpu/registers.js';
import { PAGE_SIZE, PhysicalMemory } from '../mmu/physical-memory.js';
import type { EntryCode } from './entry-stubs.js';
import { bootImages } from './boot-images.js';
import {
  CPUNODE_SELECTOR, GDT_ADDR, IDT_ADDR, KERNEL_CS, KERNEL_DS, KERNEL_STACK_PAGES, KERNEL_STACK_TOP, KERNEL_TEXT,
  KERNEL32_CS, PERCPU_ADDR, PERCPU_KERNEL_RSP, TSS_ADDR, TSS_SELECTOR, USER_CS, USER_DS, USER32_CS,
} from './layout.js';
import type { PageTables } from './page-tables.js';

const TWO_POW_32 = 4294967296;

/** CR0: PE, MP, ET, NE, WP, AM, PG (what Linux runs with). */
const CR0_RUNNING = 0x80050033;
/** CR4: PAE, PGE, OSFXSR, OSXMMEXCPT. */
const CR4_RUNNING = (1 << 5) | (1 << 7) | (1 << 9) | (1 << 10);
/** SFMASK: Linux clears CF PF AF ZF SF TF IF DF OF IOPL NT RF AC ID on SYSCALL (LINUX-ABI.md §6). */
export const SYSCALL_FLAG_MASK = ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | AC | ID;

/**
 * Segment descriptors (SDM Vol. 3A §3.4.5) as (high, low) 32-bit words: flat code and
 * data segments with Linux's layout (arch/x86/include/asm/segment.h).
 */
function descriptor(access: number, flags: number, limit = 0xfffff, base = 0): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | ((limit >>> 16) << 16) | (access << 8) | ((base >>> 16) & 0xff);
  return [hi | 0, lo | 0];
}

/** Writes a 64-bit value at a kernel virtual address through the kernel's own tables. */
type KernelWriter = (vaddr: number, lo: number, hi: number) => void;

/**
 * Boots the machine the way Linux leaves it: GDT with Linux's selectors, TSS with RSP0,
 * IDT with the 32 exception vectors and a DPL 3 gate at 0x80, per-CPU data, kernel
 * stack, entry stubs mapped supervisor-only in the upper half, the MSRs for SYSCALL and
 * SYSENTER, and long mode with paging, NX and write protection on.
 */
export function bootKernel(cpu: Cpu, phys: PhysicalMemory, tables: PageTables): EntryCode {
  const entry = bootImages().entry;
  const mapKernelPages = (vaddr: number, pages: number, executable: boolean, writable: boolean): void => {
    for (let i = 0; i < pages; i++) {
      tables.map(vaddr + i * PAGE_SIZE, phys.allocFrame(), { user: false, writable, executable, global: true });
    }
  };
  const textPages = Math.ceil(entry.bytes.length / PAGE_SIZE);
  mapKernelPages(KERNEL_TEXT, textPages, true, false);
  mapKernelPages(GDT_ADDR, 4, false, true); // GDT, IDT, TSS, per-CPU
  mapKernelPages(KERNEL_STACK_TOP - KERNEL_STACK_PAGES * PAGE_SIZE, KERNEL_STACK_PAGES, false, true);

  const physOf = (vaddr: number): number => {
    const page = vaddr - (((vaddr % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    return tables.lookup(page) + (vaddr - page);
  };
  const write64: KernelWriter = (vaddr, lo, hi) => {
    const p = physOf(vaddr);
    phys.view.setInt32(p, lo, true);
    phys.view.setInt32(p + 4, hi, true);
  };
  for (let i = 0; i < entry.bytes.length; i++) phys.bytes[physOf(KERNEL_TEXT + i)] = entry.bytes[i];

  // GDT (entries 1-6 as Linux; 8-9 the 16-byte TSS descriptor; 15 the CPUNODE segment).
  const gdt: Array<[number, [number, number]]> = [
    [KERNEL32_CS, descriptor(0x9b, 0xc)], //  32-bit code, DPL 0
    [KERNEL_CS, descriptor(0x9b, 0xa)], //    64-bit code (L), DPL 0
    [KERNEL_DS, descriptor(0x93, 0xc)], //    data, DPL 0
    [USER32_CS, descriptor(0xfb, 0xc)], //    32-bit code, DPL 3
    [USER_DS, descriptor(0xf3, 0xc)], //      data, DPL 3
    [USER_CS, descriptor(0xfb, 0xa)], //      64-bit code (L), DPL 3
    // Read-only data, DPL 3, byte granular: its limit encodes (node << 12) | cpu for getcpu.
    [CPUNODE_SELECTOR, descriptor(0xf5, 0x4, 0)],
  ];
  for (const [selector, [hi, lo]] of gdt) write64(GDT_ADDR + (selector & ~7), lo, hi);
  const [tssHi, tssLo] = descriptor(0x89, 0, 0x67, TSS_ADDR >>> 0); // available 64-bit TSS
  write64(GDT_ADDR + TSS_SELECTOR, tssLo, tssHi);
  write64(GDT_ADDR + TSS_SELECTOR + 8, Math.floor(TSS_ADDR / TWO_POW_32), 0);

  // TSS: RSP0 at offset 4; I/O map base beyond the limit (no I/O bitmap).
  const stackLo = KERNEL_STACK_TOP | 0;
  const stackHi = Math.floor(KERNEL_STACK_TOP / TWO_POW_32);
  const tss = physOf(TSS_ADDR);
  phys.view.setInt32(tss + 4, stackLo, true);
  phys.view.setInt32(tss + 8, stackHi, true);
  phys.view.setUint16(tss + 0x66, 0x68, true);

  // IDT: interrupt gates to the exception stubs; #BP and #OF reachable from CPL 3 (int3,
  // into) as in Linux; vector 0x80 a DPL 3 gate for the ia32 system call.
  const gate = (vector: number, target: number, dpl: number): void => {
    const lo = (KERNEL_CS << 16) | (target & 0xffff);
    const hi = (target & 0xffff0000) | 0x8e00 | (dpl << 13); // P, interrupt gate (type 0xE)
    write64(IDT_ADDR + vector * 16, lo, hi);
    write64(IDT_ADDR + vector * 16 + 8, Math.floor(target / TWO_POW_32), 0);
  };
  entry.exceptions.forEach((offset, vector) => gate(vector, KERNEL_TEXT + offset, vector === 3 || vector === 4 ? 3 : 0));
  gate(0x80, KERNEL_TEXT + entry.int80, 3);

  write64(PERCPU_ADDR + PERCPU_KERNEL_RSP, stackLo, stackHi);

  // The CPU as the kernel leaves it for user space.
  cpu.gdtBase = GDT_ADDR;
  cpu.gdtLimit = 16 * 8 - 1;
  cpu.idtBase = IDT_ADDR;
  cpu.idtLimit = 256 * 16 - 1;
  cpu.trSelector = TSS_SELECTOR;
  cpu.trBase = TSS_ADDR;
  cpu.cr0 = CR0_RUNNING;
  cpu.cr4 = CR4_RUNNING;
  cpu.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
  cpu.mem.nxe = true;
  cpu.mem.wp = true;
  cpu.mem.cr3 = tables.root;
  cpu.starLo = 0;
  cpu.starHi = (USER32_CS << 16) | KERNEL_CS;
  cpu.lstar = KERNEL_TEXT + entry.syscall64;
  cpu.cstar = KERNEL_TEXT + entry.syscallCompat;
  cpu.fmask = SYSCALL_FLAG_MASK;
  cpu.sysenterCs = KERNEL_CS;
  cpu.sysenterEsp = KERNEL_STACK_TOP;
  cpu.sysenterEip = KERNEL_TEXT + entry.sysenter;
  cpu.kernelGsBase = PERCPU_ADDR;
  cpu.tscAux = 0; // (node << 12) | cpu, as the kernel stores for RDTSCP/RDPID
  cpu.selectors[SEG_CS] = KERNEL_CS;
  cpu.selectors[SEG_SS] = KERNEL_DS;
  return entry;
}

/** AT_HWCAP on x86 is CPUID.1:EDX (LINUX-ABI.md §5). */
export function hwcap(cpu: Cpu): number {
  return cpuid(cpu.model, 1, 0).edx >>> 0;
}
