# origin: 0x401000
# Forward and backward jumps, short and near, every condition, numeric local labels.
start:
    jmp fwd_short
    je fwd_short
    jne fwd_near
    jmp fwd_near
back_short:
    nop
    jz back_short
    jnz back_short
    jb back_short
    jc back_short
    jnae back_short
    jae back_short
    jnb back_short
    jnc back_short
    jbe back_short
    jna back_short
    ja back_short
    jnbe back_short
    jl back_short
    jnge back_short
    jge back_short
    jnl back_short
    jle back_short
    jng back_short
    jg back_short
    jnle back_short
    js back_short
    jns back_short
    jo back_short
    jno back_short
    jp back_short
    jpe back_short
    jnp back_short
    jpo back_short
fwd_short:
    jmp back_short
    .fill 200, 1, 0x90
fwd_near:
    jmp back_short
    jle start
    ja start
    call start
    call later
1:  dec ecx
    jnz 1b
    jmp 1f
    nop
1:  jmp .
    loop 1b
    jrcxz 1b
    jecxz 1b
    loopne 1b
    loope 1b
    loopz 1b
    loopnz 1b
later:
    ret
