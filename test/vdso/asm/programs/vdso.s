# origin: 0
# vDSO-style code: clock_gettime seqlock with rdtsc, mul/shift, syscall fallback, getcpu.
.equ VVAR, -0x4000
.equ CLOCK_MODE, 4
.equ CYCLE_LAST, 8
.equ MULT, 24
.equ SHIFT, 28
.equ BASETIME, 32
__vdso_clock_gettime:
    cmp edi, 15
    ja .Lfallback
    mov eax, 1
    mov ecx, edi
    shl eax, cl
    test eax, 0x883
    je .Lfallback
    lea r8, [rip+vvar_page]
    shl rdi, 4
.Lretry:
    mov r9d, dword ptr [r8]
    test r9b, 1
    jne .Lpause
    cmp dword ptr [r8+CLOCK_MODE], 0
    je .Lfallback
    lfence
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rdx, qword ptr [r8+CYCLE_LAST]
    mov r10, rax
    sub r10, rdx
    cmp rax, rdx
    mov eax, 0
    cmovbe r10, rax
    mov eax, dword ptr [r8+MULT]
    imul r10, rax
    mov rax, qword ptr [r8+rdi+BASETIME+8]
    add rax, r10
    mov ecx, dword ptr [r8+SHIFT]
    shr rax, cl
    mov rdx, qword ptr [r8+rdi+BASETIME]
    cmp r9d, dword ptr [r8]
    jne .Lretry
    xor ecx, ecx
.Lnorm:
    cmp rax, 999999999
    jbe .Ldone
    sub rax, 1000000000
    inc rdx
    jmp .Lnorm
.Ldone:
    mov qword ptr [rsi], rdx
    mov qword ptr [rsi+8], rax
    xor eax, eax
    ret
.Lpause:
    pause
    jmp .Lretry
.Lfallback:
    mov eax, 228
    syscall
    ret
__vdso_getcpu:
    mov eax, 0x7b
    lsl eax, eax
    rdpid rax
    rdtscp
    mov ecx, eax
    and ecx, 0xfff
    shr eax, 12
    test rdi, rdi
    je 1f
    mov dword ptr [rdi], ecx
1:  test rsi, rsi
    je 2f
    mov dword ptr [rsi], eax
2:  xor eax, eax
    ret
    mul rdx
    shrd rax, rdx, 5
    ret
.align 64, 0xcc
vvar_page:
