# origin: 0xffffffff81000000
# Kernel-style: absolute .quad of labels above 2^63, rip-relative references to labels,
# label differences in immediates and data, equates, alignment with explicit fill.
.equ NR_clock_gettime, 228
.equ SEQ, 0
.equ TIMES_4, 4 * 4
SIZE = end - start
start:
    lea rax, [rip+table]
    mov eax, dword ptr [rip+table+4]
    cmp qword ptr [rip+counter], 0
    mov dword ptr [rip+counter], 0x12345678
    mov byte ptr [rip+counter], 1
    mov rcx, qword ptr [rip+table]
    lea rdi, [rip+start]
    mov eax, NR_clock_gettime
    mov ecx, SIZE
    mov edx, end - start
    add rax, end - start
    sub rsp, TIMES_4
    mov eax, dword ptr [rbx+SEQ]
    mov eax, dword ptr [rbx+SEQ+4]
    mov rax, qword ptr [rbx + TIMES_4 * 2 + 8]
    movabs rax, offset table
    jmp qword ptr [rip+jumptab]
    .align 16, 0xcc
table:
    .quad start, end, table
    .long end - start, 0xdeadbeef, -1
    .word 0x1234, -2
    .byte 1, 2, 0xff, -1, 'A'
    .ascii "hi\n"
    .asciz "x\t\"y\"\\"
    .string "z"
    .p2align 3, 0
counter:
    .quad 0
jumptab:
    .quad start + 8, . - start
    .fill 3, 4, 0x11223344
    .fill 2, 2, 0xabcd
    .fill 2, 1, 0x7f
    .fill 1, 8, 0x1122334455
    .zero 5
    .skip 3, 0xee
    .balign 8, 0xcc
end:
