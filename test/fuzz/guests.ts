/**
 * Small guests for the memory and time limit tests, assembled with the kernel's own
 * assembler into minimal static ELF files.
 */
import { assemble } from '../../src/vdso/asm/index.js';
import { buildMiniElf, PF_R, PF_W, PF_X } from '../../src/fuzz/mini-elf.js';

const TEXT = 0x40_0000;

function program(source: string, data = new Uint8Array(16)): Uint8Array {
  const { bytes } = assemble(source, { origin: TEXT });
  return buildMiniElf(TEXT, [
    { vaddr: TEXT, flags: PF_R | PF_X, data: bytes },
    { vaddr: 0x60_0000, flags: PF_R | PF_W, data },
  ]);
}

/**
 * Allocates without bound and touches every page: mmap 1 MiB at a time until mmap
 * fails, then brk 1 MiB at a time until the break stops moving. Exits 0 when mmap failed
 * with -ENOMEM and brk refused to grow, 1 when mmap failed otherwise, 2 when brk
 * never refused; 3 when the very first mmap failed.
 * [0x600000] holds the MiB that mmap gave, [0x600008] the MiB that brk gave.
 */
export function allocateWithoutBound(): Uint8Array {
  return program(`
    xor r12, r12
  mmap_loop:
    mov eax, 9
    xor edi, edi
    mov esi, 0x100000
    mov edx, 3
    mov r10d, 0x22
    mov r8, -1
    xor r9d, r9d
    syscall
    cmp rax, -4095
    jae mmap_failed
    mov ecx, 256
  touch:
    mov byte ptr [rax], 1
    add rax, 4096
    dec ecx
    jnz touch
    inc r12
    jmp mmap_loop
  mmap_failed:
    mov [0x600000], r12
    test r12, r12
    jz first_failed
    cmp rax, -12
    jne not_enomem
    xor r13, r13
    mov eax, 12
    xor edi, edi
    syscall
    mov r14, rax
  brk_loop:
    lea rdi, [r14 + 0x100000]
    mov r15, rdi
    mov eax, 12
    syscall
    cmp rax, r15
    jne brk_refused
  touch_heap:
    mov byte ptr [r14], 1
    add r14, 4096
    cmp r14, r15
    jb touch_heap
    inc r13
    cmp r13, 100000
    jb brk_loop
    mov edi, 2
    jmp exit
  brk_refused:
    mov [0x600008], r13
    xor edi, edi
    jmp exit
  not_enomem:
    mov edi, 1
    jmp exit
  first_failed:
    mov edi, 3
  exit:
    mov eax, 231
    syscall
  `);
}

/**
 * Maps 1 GiB with MAP_NORESERVE (not charged, as Linux) and writes every page: the
 * pages run out while it writes, which Linux answers with the OOM killer.
 */
export function touchNoReserve(): Uint8Array {
  return program(`
    mov eax, 9
    xor edi, edi
    mov esi, 0x40000000
    mov edx, 3
    mov r10d, 0x4022
    mov r8, -1
    xor r9d, r9d
    syscall
    cmp rax, -4095
    jae failed
    mov rcx, 0x40000
  touch:
    mov byte ptr [rax], 1
    add rax, 4096
    dec rcx
    jnz touch
    xor edi, edi
    jmp exit
  failed:
    mov edi, 1
  exit:
    mov eax, 231
    syscall
  `);
}

/** Spins forever. */
export function spinForever(): Uint8Array {
  return program(`
  spin:
    inc rax
    jmp spin
  `);
}

/** A program whose bss is larger than guest memory: exec must fail, not the first touch. */
export function hugeBss(bytes: number): Uint8Array {
  const { bytes: code } = assemble('mov eax, 231\nxor edi, edi\nsyscall', { origin: TEXT });
  return buildMiniElf(TEXT, [
    { vaddr: TEXT, flags: PF_R | PF_X, data: code },
    { vaddr: 0x60_0000, flags: PF_R | PF_W, data: new Uint8Array(16), memsz: bytes },
  ]);
}
