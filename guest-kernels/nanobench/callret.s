; callret.s - nanobenchmark (Adams & Agesen): a call to a function that only returns, ITERS times at ring 0.
; Innocuous for every technique except binary translation, where `ret` is an indirect branch.
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    li r6, ITERS
1:  call f
    sub r6, 1
    cmp r6, 0
    jnz 1b
    call bench_done

f:  ret

.data
bench_name: .asciz "callret"
