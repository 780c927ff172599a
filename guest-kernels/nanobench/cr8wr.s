; cr8wr.s - nanobenchmark (Adams & Agesen): writing the task-priority register. Ring 0 writes cr8
; ITERS times, alternating 1 and 0 so the last write (even ITERS) or a final one leaves it 0.
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    li r6, 0                    ; i
1:  mov r1, r6
    and r1, 1                   ; 0, 1, 0, 1, ...
    mov cr8, r1
    add r6, 1
    cmp r6, ITERS
    jnz 1b
    li r1, 0
    mov cr8, r1                 ; end at priority 0 whatever the parity of ITERS
    mov r1, cr8
    call bench_done_check       ; check = the final cr8 (0)

.data
bench_name: .asciz "cr8wr"
