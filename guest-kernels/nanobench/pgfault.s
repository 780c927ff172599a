; pgfault.s - nanobenchmark (Adams & Agesen): a page fault on a not-present page, ITERS times at ring 0.
; The loop reads BENCH_PAGE; the #PF handler maps it (frame A), invlpg, returns, and the read is
; restarted and succeeds; the loop then unmaps it again (PTE = 0 + invlpg) so the next read faults.
; The check is the number of faults (= ITERS); a fault anywhere else is reported as unexpected.
.include "vx32.inc"
.include "common.inc"

.text
bench_main:
    SETVEC VEC_PF, pf_handler
    li r1, 0x5a
    st [BENCH_FRAME_A], r1
    li r7, 0                    ; faults
    li r8, 0                    ; sum of what the reads returned
    li r5, BENCH_PAGE
    li r6, ITERS
1:  ld r1, [r5]                 ; #PF, then restarted
    add r8, r1
    li r1, 0
    st [BENCH_PTE], r1          ; unmap
    invlpg r5
    sub r6, 1
    cmp r6, 0
    jnz 1b
    li r1, ITERS * 0x5a
    cmp r8, r1
    jnz bad_sum
    mov r1, r7
    call bench_done_check
bad_sum:
    call bench_unexpected

pf_handler:
    push r1
    mov r1, cr2
    cmp r1, BENCH_PAGE
    jnz 1f
    li r1, BENCH_FRAME_A | PTE_P | PTE_W | PTE_U
    st [BENCH_PTE], r1
    li r1, BENCH_PAGE
    invlpg r1
    pop r1
    add r7, 1
    iret
1:  pop r1
    jmp bench_unexpected

.data
bench_name: .asciz "pgfault"
