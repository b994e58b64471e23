# origin: 0xffffffff81200000
# A syscall entry stub in the style the kernel will use.
entry_syscall_64:
    swapgs
    mov qword ptr gs:[0x18], rsp
    mov rsp, qword ptr gs:[0x10]
    push 0x2b
    push qword ptr gs:[0x18]
    push r11
    push 0x33
    push rcx
    push rax
    push rdi
    push rsi
    push rdx
    push r10
    push r8
    push r9
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    vmcall
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r9
    pop r8
    pop r10
    pop rdx
    pop rsi
    pop rdi
    pop rax
    mov rcx, qword ptr [rsp+8*3]
    test rcx, rcx
    js .Lslow
    mov r11, qword ptr [rsp+8*5]
    mov rsp, qword ptr [rsp+8*6]
    swapgs
    sysretq
.Lslow:
    add rsp, 8
    swapgs
    iretq
entry_int80:
    push rax
    cld
    vmcall
    pop rax
    iretq
entry_sysenter:
    swapgs
    mov rsp, qword ptr gs:[0x10]
    vmcall
    mov edx, dword ptr [rsp]
    mov ecx, dword ptr [rsp+8]
    swapgs
    sti
    sysexitd
exception_entry:
    push 0
    push 14
    jmp exception_common
    .fill 130, 1, 0xcc
exception_common:
    vmcall
    add rsp, 16
    iretq
