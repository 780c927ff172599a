; ptemod.s - nanobenchmark (Adams & Agesen): a page-table-entry write and its invlpg, ITERS times at ring 0.
; The entry of BENCH_PAGE alternates between frame A and frame B. The check reads the marker of the
; frame BENCH_PAGE finally maps (A = 0xa, B = 0xb), proving the last edit took effect.
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    li r1, 0xa
    st [BENCH_FRAME_A], r1      ; markers, written through the 1:1 map
    li r1, 0xb
    st [BENCH_FRAME_B], r1
    li r3, BENCH_FRAME_A | PTE_P | PTE_W
    li r4, BENCH_FRAME_B | PTE_P | PTE_W
    li r5, BENCH_PAGE
    li r6, 0                    ; i
1:  mov r1, r3
    test r6, 1
    jz 2f
    mov r1, r4
2:  st [BENCH_PTE], r1
    invlpg r5
    add r6, 1
    cmp r6, ITERS
    jnz 1b
    ld r1, [BENCH_PAGE]
    call bench_done_check

.data
bench_name: .asciz "ptemod"
