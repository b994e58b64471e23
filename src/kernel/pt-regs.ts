/**
 * The register frame the entry stubs build on the kernel stack before the hypercall:
 * Linux's `struct pt_regs` (arch/x86/include/asm/ptrace.h), 21 quadwords. Its tail
 * (rip, cs, eflags, rsp, ss) is exactly an IRET frame, so every entry can leave with
 * `iretq`, and the syscall entry with `sysretq` when nothing forbids it.
 */
export const PT_REGS_NAMES = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss',
] as const;
export type PtRegName = (typeof PT_REGS_NAMES)[number];
export const PT_REGS_SIZE = PT_REGS_NAMES.length * 8;

export function ptRegsOffset(name: PtRegName): number {
  return PT_REGS_NAMES.indexOf(name) * 8;
}

/** pt_regs slot for each general register in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15). */
export const PT_REGS_SLOT_OF_GPR: number[] = [10, 11, 12, 5, 19, 4, 13, 14, 9, 8, 7, 6, 3, 2, 1, 0];
