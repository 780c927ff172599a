; divzero.s - nanobenchmark (Adams & Agesen): a divide-by-zero fault and its handler, ITERS times at ring 0.
; The #DE frame's pc is the faulting div itself; the handler steps it past the 4-byte div.rr so the
; loop goes on. The check is the number of faults the handler saw (= ITERS).
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    SETVEC VEC_DE, de_handler
    li r7, 0                    ; faults counted by the handler
    li r2, 0                    ; divisor
    li r6, ITERS
1:  li r1, 7
    div r1, r2                  ; #DE
    sub r6, 1
    cmp r6, 0
    jnz 1b
    mov r1, r7
    call bench_done_check

de_handler:
    push r1
    ld r1, [sp + 4 + FRAME_PC]
    add r1, 4                   ; past div.rr
    st [sp + 4 + FRAME_PC], r1
    pop r1
    add r7, 1
    iret

.data
bench_name: .asciz "divzero"
