; wws/main.s - a kernel with a tunable writable working set, for live migration: it rewrites DIRTY_PAGES pages over and over.
;
; Each pass stores one word into each of DIRTY_PAGES consecutive pages from WWS_BASE (1 to 512: the
; 2 MiB from 1 MiB up), then spins SPIN iterations, so a pass takes about DIRTY_PAGES * 5 + SPIN * 3
; instructions. After PASSES passes it prints "wws: <PASSES> iterations done, check <sum>" and powers
; off with 0. Pre-copy converges when the set is small (few pages dirty per round) and stops
; converging when it is large (docs/migration.md). Built on the nanobenchmarks' boot (common.inc).
.include "vx32.inc"
.ifndef DIRTY_PAGES
.equ DIRTY_PAGES, 16
.endif
.ifndef PASSES
.equ PASSES, 400
.endif
.ifndef SPIN
.equ SPIN, 1000
.endif
.equ ITERS, PASSES
.equ WWS_BASE, 0x00100000
.include "../nanobench/common.inc"

.text
bench_main:
    li r6, PASSES
    li r5, 0                        ; the check: the sum of every value stored
.Lpass:
    li r1, WWS_BASE
    li r2, DIRTY_PAGES
.Lpage:
    st [r1], r6                     ; one word per page dirties the page
    add r5, r6
    add r1, PAGE_SIZE
    sub r2, 1
    cmp r2, 0
    jnz .Lpage
    li r3, SPIN
.Lspin:
    sub r3, 1
    cmp r3, 0
    jnz .Lspin
    sub r6, 1
    cmp r6, 0
    jnz .Lpass
    mov r1, r5
    call bench_done_check

.data
bench_name: .asciz "wws"
