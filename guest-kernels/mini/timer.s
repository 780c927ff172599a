; timer.s - the periodic tick: programs the timer and the interrupt controller, counts ticks, wakes sleepers.
;
; The timer counts guest instructions, so the tick itself is deterministic natively; under other
; techniques it may land a few instructions elsewhere. Nothing printed depends on it.

.text
; timer_init(): period TICK_INSNS, periodic; unmask only the timer line (devices are polled).
timer_init:
    li r1, 0xffff & ~(1 << IRQ_TIMER)
    out PORT_PIC_MASK, r1
    li r1, TICK_INSNS
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE | TIMER_PERIODIC
    out PORT_TIMER_CTRL, r1
    ret

; timer_intr(): one tick. Runs in the interrupt handler with IF = 0, so it needs no critical
; section of its own; the code it races with protects itself with pushf/cli/popf.
timer_intr:
    ld r1, [ticks]
    add r1, 1
    st [ticks], r1
    li r2, tasks
    li r3, 0
.Lscan:
    ld r4, [r2 + P_STATE]
    cmp r4, T_SLEEPING
    jnz .Lnext
    ld r4, [r2 + P_WAKE]
    cmp r4, r1
    ja .Lnext                   ; wake tick still ahead
    li r4, T_RUNNABLE
    st [r2 + P_STATE], r4
.Lnext:
    add r2, P_SIZE
    add r3, 1
    cmp r3, NTASK
    jnz .Lscan
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1        ; end of interrupt: before any task switch, or no tick would follow
    ret

.data
.align 4
ticks: .word 0                  ; never printed: it depends on where interrupts land
