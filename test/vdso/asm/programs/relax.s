# origin: 0x1000
# Relaxation: whether the first jump is short depends on the second, which depends on the third.
top:
    jmp a1
    .fill 60, 1, 0xcc
    jmp a2
    .fill 60, 1, 0xcc
    jmp a3
a1:
    .fill 2, 1, 0xcc
a2:
    .fill 126, 1, 0xcc
a3:
    je top
    jne a3
    jmp top
    .fill 127, 1, 0xcc
edge:
    jmp top
