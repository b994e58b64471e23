/**
 * Where the kernel puts things: selectors (Linux's, LINUX-ABI.md §6), and the kernel
 * half's virtual layout. Addresses are signed canonical numbers (the upper half is
 * negative: 0xffffffff81000000 is -0x7f000000).
 */
export const KERNEL32_CS = 0x08;
export const KERNEL_CS = 0x10;
export const KERNEL_DS = 0x18;
export const USER32_CS = 0x23;
export const USER_DS = 0x2b;
export const USER_CS = 0x33;
export const TSS_SELECTOR = 0x40; // GDT entries 8-9
export const CPUNODE_SELECTOR = 0x7b; // GDT entry 15, DPL 3: LSL gives (node << 12) | cpu
export const GDT_ENTRIES = 16;

/** 0xffffffff81000000: kernel text (entry stubs), like Linux's __START_KERNEL_map + 16 MiB. */
export const KERNEL_TEXT = -0x7f000000;
/** The "cpu entry area": GDT, IDT, TSS and per-CPU data, one page each. */
export const CPU_AREA = -0x7e000000; // 0xffffffff82000000
export const GDT_ADDR = CPU_AREA;
export const IDT_ADDR = CPU_AREA + 0x1000;
export const TSS_ADDR = CPU_AREA + 0x2000;
/** Per-CPU data reached through GS after SWAPGS (see entry-stubs.ts). */
export const PERCPU_ADDR = CPU_AREA + 0x3000;
export const PERCPU_KERNEL_RSP = 0; // top of this CPU's kernel stack
export const PERCPU_USER_RSP = 8; //   user RSP saved by the syscall entry
/** Kernel stack: 16 KiB ending at KERNEL_STACK_TOP, with an unmapped guard page below. */
export const KERNEL_STACK_TOP = -0x7d000000; // 0xffffffff83000000
export const KERNEL_STACK_PAGES = 4;

/** Highest user address + 1 on a 47-bit machine (TASK_SIZE_MAX = 2^47 - 4096). */
export const TASK_SIZE = 0x7ffffffff000;
