; in.s - nanobenchmark (Adams & Agesen): port input. Ring 0 reads PORT_UART_STATUS ITERS times;
; the check is the sum of what was read (transmit-ready, 2, every time).
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    li r6, ITERS
    li r7, 0                    ; sum of the status words
1:  in r1, PORT_UART_STATUS
    add r7, r1
    sub r6, 1
    cmp r6, 0
    jnz 1b
    mov r1, r7
    call bench_done_check

.data
bench_name: .asciz "in"
