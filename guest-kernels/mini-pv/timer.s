; timer.s - the periodic tick: binds the timer's virtual interrupt to an event channel, counts ticks, wakes sleepers.
;
; The timer counts guest instructions, so the tick itself is deterministic natively; under other
; techniques it may land a few instructions elsewhere. Nothing printed depends on it.
; PV: no interrupt controller and no timer ports. The tick is VIRQ_TIMER on an event channel,
; programmed with set_timer, and arrives through the upcall (trap.s); there is nothing to EOI.

.text
; timer_init(): VIRQ_TIMER on a port, then a periodic tick every TICK_INSNS instructions.
timer_init:
    li r1, EVT_BIND_VIRQ
    li r2, VIRQ_TIMER
    HYPERCALL HC_EVTCHN_BIND    ; was: out PORT_PIC_MASK (unmask the timer line)
    st [timer_port], r0
    li r1, TICK_INSNS
    li r2, 1                    ; periodic
    HYPERCALL HC_SET_TIMER      ; was: out PORT_TIMER_PERIOD, out PORT_TIMER_CTRL
    ret

; timer_intr(): one tick. Runs in the upcall with events masked, so it needs no critical
; section of its own; the code it races with protects itself with EVT_MASK_SAVE/RESTORE.
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
    ret                         ; PV: no EOI (was out PORT_PIC_CMD): an event is acknowledged by clearing its bit

.data
.align 4
ticks: .word 0                  ; never printed: it depends on where interrupts land
timer_port: .word 0             ; PV: the event channel VIRQ_TIMER arrives on
