import { assemble } from '../vdso/asm/index.js';
import { pushesErrorCode } from '../cpu/cpu-exception.js';
import { PERCPU_KERNEL_RSP, PERCPU_USER_RSP, USER32_CS, USER_CS, USER_DS } from './layout.js';

/**
 * The kernel's entry and exit code: real x86-64 that runs at CPL 0 in the kernel half.
 * Each entry builds a `struct pt_regs` on the kernel stack (pt-regs.ts), puts a
 * hypercall number in EAX and executes VMCALL, which hands control to the TypeScript
 * kernel (DESIGN.md, "The path of one system call"). The TypeScript side reads and
 * edits the frame, then sets EAX = 0 when SYSRET may be used, 1 to leave through IRET.
 */
export const HC_SYSCALL64 = 1;
export const HC_INT80 = 2;
export const HC_SYSENTER = 3;
/** SYSCALL from compatibility mode (IA32_CSTAR, AMD only): the ia32 ABI. */
export const HC_SYSCALL32 = 4;
/** Exceptions: HC_EXCEPTION + vector. */
export const HC_EXCEPTION = 0x100;

/**
 * Pushes the general registers in pt_regs order below orig_rax (rdi first, r15 last).
 * The rax slot gets `rax`: the user's RAX for exceptions, -ENOSYS for system calls
 * (the result goes there; Linux's PUSH_AND_CLEAR_REGS rax=$-ENOSYS).
 */
const saveRegs = (rax: string): string => `
    push rdi
    push rsi
    push rdx
    push rcx
    push ${rax}
    push r8
    push r9
    push r10
    push r11
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15`;

const RESTORE_REGS = `
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r11
    pop r10
    pop r9
    pop r8
    pop rax
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    add rsp, 8                ; orig_rax`;

/**
 * Each exception vector gets a three-instruction stub: make the orig_rax slot hold an
 * error code (-1 when the CPU pushed none, as Linux does), save RDI in its pt_regs slot,
 * and carry the vector in EDI to the shared path, which saves the rest.
 */
function exceptionStub(vector: number): string {
  return `
exception_${vector}:
    ${pushesErrorCode(vector) ? '' : 'push -1'}
    push rdi
    mov edi, ${vector}
    jmp exception_common`;
}

export const ENTRY_SOURCE = `
; SYSCALL from 64-bit user code (LINUX-ABI.md §6): RCX = return RIP, R11 = RFLAGS,
; RSP is still the user's. Switch to the kernel stack through the per-CPU area.
entry_syscall_64:
    swapgs
    mov qword ptr gs:[${PERCPU_USER_RSP}], rsp
    mov rsp, qword ptr gs:[${PERCPU_KERNEL_RSP}]
    push ${USER_DS}                                  ; ss
    push qword ptr gs:[${PERCPU_USER_RSP}]           ; rsp
    push r11                                         ; eflags
    push ${USER_CS}                                  ; cs
    push rcx                                         ; rip
    push rax                                         ; orig_rax = system call number
    ${saveRegs('-38')}
    mov eax, ${HC_SYSCALL64}
    vmcall
    test eax, eax
    jnz .syscall_iret
    ${RESTORE_REGS}
    mov rsp, qword ptr [rsp+24]                      ; user RSP from the frame
    swapgs
    sysretq
.syscall_iret:
    ${RESTORE_REGS}
    swapgs
    iretq

; SYSCALL from 32-bit code (AMD; IA32_CSTAR, entry_SYSCALL_compat): RCX = return EIP,
; R11 = EFLAGS, ESP the user's. __kernel_vsyscall moved ECX into EBP first; the kernel
; reads the arguments the ia32 way and returns through IRET to its landing pad.
entry_syscall_compat:
    swapgs
    mov qword ptr gs:[${PERCPU_USER_RSP}], rsp
    mov rsp, qword ptr gs:[${PERCPU_KERNEL_RSP}]
    push ${USER_DS}                                  ; ss
    push qword ptr gs:[${PERCPU_USER_RSP}]           ; rsp
    push r11                                         ; eflags
    push ${USER32_CS}                                ; cs
    push rcx                                         ; rip
    push rax                                         ; orig_rax
    ${saveRegs('-38')}
    mov eax, ${HC_SYSCALL32}
    vmcall
    ${RESTORE_REGS}
    swapgs
    iretq

; INT 0x80 through a DPL 3 gate: the CPU switched to TSS.RSP0 and pushed the IRET frame.
entry_int80:
    push rax                                         ; orig_rax
    ${saveRegs('-38')}
    mov eax, ${HC_INT80}
    vmcall
    ${RESTORE_REGS}
    iretq

; SYSENTER from 64-bit code (Intel only). Linux defines no 64-bit SYSENTER ABI; x64emu's
; convention: EAX = ia32 system call number, EBX ECX EDX ESI EDI EBP = its arguments,
; R10 = the address to return to, R11 = the stack pointer to return with. The CPU saved
; nothing and cleared IF; the exit is SYSEXITQ (RIP <- RDX, RSP <- RCX), so on return
; RDX = R10, RCX = R11, RAX = the result, and every other register is preserved.
entry_sysenter:
    push ${USER_DS}                                  ; ss
    push r11                                         ; rsp
    pushfq
    or qword ptr [rsp], 0x200                        ; eflags as the user had them (IF set)
    push ${USER_CS}                                  ; cs
    push r10                                         ; rip
    push rax                                         ; orig_rax
    ${saveRegs('-38')}
    mov eax, ${HC_SYSENTER}
    vmcall
    test eax, eax
    jnz .sysenter_iret
    ${RESTORE_REGS}
    push qword ptr [rsp+16]                          ; restore the user's RFLAGS
    popfq
    mov rdx, qword ptr [rsp]                         ; return RIP
    mov rcx, qword ptr [rsp+24]                      ; return RSP
    sysexitq
.sysenter_iret:
    ${RESTORE_REGS}
    iretq

${Array.from({ length: 32 }, (_, v) => exceptionStub(v)).join('\n')}

; The rest of pt_regs after RDI, then the hypercall HC_EXCEPTION + vector.
exception_common:
    ${saveRegs('rax').replace('push rdi', '')}
    lea eax, [rdi + ${HC_EXCEPTION}]
    vmcall
    ${RESTORE_REGS}
    iretq
`;

export interface EntryCode {
  bytes: Uint8Array;
  /** Offsets of the entry points within `bytes`. */
  syscall64: number;
  /** IA32_CSTAR's target. */
  syscallCompat: number;
  int80: number;
  sysenter: number;
  exceptions: number[];
  labels: Map<string, number>;
}

export function assembleEntryCode(): EntryCode {
  const asm = assemble(ENTRY_SOURCE);
  const at = (label: string): number => {
    const v = asm.labels.get(label);
    if (v === undefined) throw new Error(`entry stubs: label ${label} missing`);
    return v;
  };
  return {
    bytes: asm.bytes,
    syscall64: at('entry_syscall_64'),
    syscallCompat: at('entry_syscall_compat'),
    int80: at('entry_int80'),
    sysenter: at('entry_sysenter'),
    exceptions: Array.from({ length: 32 }, (_, v) => at(`exception_${v}`)),
    labels: asm.labels,
  };
}
