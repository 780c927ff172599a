; innocent.s - the bystander of exercise 06's isolation check: fills 64 KiB with a pattern, waits while
; the hostile kernel runs beside it, then counts the words that changed and prints a checksum.
;
; It uses no paging and no interrupts, so what it prints depends only on whether anything else wrote
; to its memory.

.include "vx32.inc"

.equ AREA, 0x00100000
.equ WORDS, 16384               ; 64 KiB
.equ GOLDEN, 0x9e3779b1         ; pattern word i = i * GOLDEN
.equ WAIT, 100000               ; loop iterations: longer than a scheduler quantum, so the other VM runs meanwhile

.text
.entry _start
_start:
    li sp, stack_top
    li r1, AREA
    li r2, 0
.Lfill:
    mov r3, r2
    mul r3, GOLDEN
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, WORDS
    jnz .Lfill
    li r1, WAIT
.Lwait:
    sub r1, 1
    cmp r1, 0
    jnz .Lwait
    li r1, AREA
    li r2, 0
    li r7, 0                    ; words changed
    li r8, 0                    ; checksum
.Lcheck:
    ld r3, [r1]
    add r8, r3
    mov r4, r2
    mul r4, GOLDEN
    cmp r3, r4
    jz .Lsame
    add r7, 1
.Lsame:
    add r1, 4
    add r2, 1
    cmp r2, WORDS
    jnz .Lcheck
    li r1, s_head
    call puts
    mov r1, r7
    call puthex
    li r1, s_mid
    call puts
    mov r1, r8
    call puthex
    li r1, s_nl
    call puts
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

; puts(r1 = string). Clobbers r1..r3.
puts:
    ldb r2, [r1]
    cmp r2, 0
    jz .Ldone
.Lwait:
    in r3, PORT_UART_STATUS
    test r3, UART_STATUS_TX
    jz .Lwait
    out PORT_UART_DATA, r2
    add r1, 1
    jmp puts
.Ldone:
    ret

; puthex(r1 = value): 8 hex digits. Clobbers r1..r5.
puthex:
    mov r4, r1
    li r5, 28
.Ldigit:
    mov r1, r4
    shr r1, r5
    and r1, 15
    ldb r1, [r1 + hex_digits]
    stb [hexbuf], r1
    li r1, hexbuf
    call puts
    cmp r5, 0
    jz .Lend
    sub r5, 4
    jmp .Ldigit
.Lend:
    ret

.data
s_head:     .asciz "innocent: words changed 0x"
s_mid:      .asciz ", checksum 0x"
s_nl:       .asciz "\n"
hex_digits: .ascii "0123456789abcdef"
hexbuf:     .byte 0, 0

.bss
.align 16
stack:      .space 1024
stack_top:
