; fmt.s - kernel helpers that touch no device: kputdec/kputhex (over kwrite), number formatting, memcpy, memzero.
;
; Shared as is by mini-pv, whose lib.s prints through a hypercall instead of the UART.
; Convention: arguments r1..r5, result r0, r0..r5 clobbered, r6..r14 preserved.

.text
; kputdec(r1 = unsigned value)
kputdec:
    sub sp, 16
    mov r2, r1
    mov r1, sp
    call fmt_dec
    mov r2, r0
    mov r1, sp
    call kwrite
    add sp, 16
    ret

; kputhex(r1 = value): 0x and 8 hex digits
kputhex:
    sub sp, 16
    mov r2, r1
    mov r1, sp
    call fmt_hex
    mov r2, r0
    mov r1, sp
    call kwrite
    add sp, 16
    ret

; fmt_dec(r1 = buf, r2 = unsigned value) -> r0 = length (at most 10). Digits come out least
; significant first, so build them backwards in a scratch area on the stack, then copy.
fmt_dec:
    sub sp, 12
    mov r3, sp
    add r3, 12                  ; one past the scratch area
    li r0, 0
.Ldigit:
    mov r4, r2
    mod r4, 10
    add r4, '0'
    sub r3, 1
    stb [r3], r4
    div r2, 10
    add r0, 1
    cmp r2, 0
    jnz .Ldigit
    li r4, 0
.Lcopy:
    ldb r5, [r3]
    stb [r1], r5
    add r3, 1
    add r1, 1
    add r4, 1
    cmp r4, r0
    jnz .Lcopy
    add sp, 12
    ret

; fmt_hex(r1 = buf, r2 = value) -> r0 = 10: "0x" and 8 lower-case hex digits.
fmt_hex:
    li r3, '0'
    stb [r1], r3
    li r3, 'x'
    stb [r1 + 1], r3
    add r1, 2
    li r4, 28                   ; shift of the most significant digit
.Ldigit:
    mov r3, r2
    shr r3, r4
    and r3, 15
    ldb r3, [r3 + hex_digits]
    stb [r1], r3
    add r1, 1
    sub r4, 4
    cmp r4, 0
    jge .Ldigit
    li r0, 10
    ret

; memcpy(r1 = dst, r2 = src, r3 = bytes). Word copies while 4 or more bytes remain (loads and
; stores may be unaligned), then bytes.
memcpy:
    cmp r3, 4
    jb .Lbytes
    ld r4, [r2]
    st [r1], r4
    add r1, 4
    add r2, 4
    sub r3, 4
    jmp memcpy
.Lbytes:
    cmp r3, 0
    jz .Ldone
    ldb r4, [r2]
    stb [r1], r4
    add r1, 1
    add r2, 1
    sub r3, 1
    jmp .Lbytes
.Ldone:
    ret

; memzero(r1 = dst, r2 = bytes, a multiple of 4)
memzero:
    li r3, 0
.Lloop:
    cmp r2, 0
    jz .Ldone
    st [r1], r3
    add r1, 4
    sub r2, 4
    jmp .Lloop
.Ldone:
    ret

.data
hex_digits: .ascii "0123456789abcdef"
