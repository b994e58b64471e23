# origin: 0x8000
# bits: 32
# 32-bit code: __kernel_vsyscall-style entry, jumps, absolute data.
__kernel_vsyscall:
    push ecx
    push edx
    push ebp
    mov ebp, esp
    sysenter
    int 0x80
int80_landing_pad:
    pop ebp
    pop edx
    pop ecx
    ret
clock:
    mov eax, dword ptr [esp+4]
    call __kernel_vsyscall
    test eax, eax
    js 1f
    mov ecx, dword ptr [data]
    mov eax, dword ptr [data+4]
    jmp clock
1:  ret
data:
    .long data, int80_landing_pad - __kernel_vsyscall
