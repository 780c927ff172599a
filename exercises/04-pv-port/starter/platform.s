; platform.s - exercise 04: YOUR port of this platform module to paravirtualization (see the README).
;
; As handed out this is the unmodified module: the bare-machine version (the same as
; kernel/native/platform.s, which the suite keeps as the reference). Everything that touches the
; machine lives here: the vector table, the timer and interrupt controller, the UART, interrupt
; masking, idling, power-off. Each uses privileged instructions (lidt, out, in, cli, sti, hlt, iret)
; or sensitive ones (pushf, popf). Port it so that kernel/main.s, unchanged, runs under
; --technique pv with the same transcript, no privileged instruction, and far fewer exits:
;
; TODO (step 1): mark the image paravirtual (.pv) and include the SDK's hypercall.inc.
; TODO (step 2): plat_init gets the start-info page in r1: keep its shared-info page in `pv_shinfo`.
; TODO (step 3): lidt -> HC_SET_TRAP_TABLE, with an upcall entry for events.
; TODO (step 4): IRQ_SAVE/IRQ_RESTORE and sti -> the event-mask macros.
; TODO (step 5): the timer's ports -> HC_EVTCHN_BIND + HC_SET_TIMER; ticks arrive in the upcall.
; TODO (step 6): iret -> PV_IRET; hlt -> HC_SCHED_BLOCK; power-off -> HC_SHUTDOWN.
; TODO (step 7): the UART -> HC_CONSOLE_WRITE, one per message.

.equ TICK_INSNS, 4000           ; instructions between timer interrupts

; IRQ_SAVE / IRQ_RESTORE: a critical section. pushf saves IF, cli clears it; popf puts it back.
.macro IRQ_SAVE
    pushf
    cli
.endm
.macro IRQ_RESTORE
    popf
.endm

.text
; plat_init(r1 = ignored on the bare machine): vector table, timer, interrupts on.
plat_init:
    ; every vector -> unexpected, then the two we handle
    li r1, idt
    li r2, unexpected
    li r3, 256
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r2, timer_entry
    st [idt + (VEC_IRQ_BASE + IRQ_TIMER) * 4], r2
    li r2, syscall_entry
    st [idt + VEC_SYSCALL * 4], r2
    li r1, idt
    lidt r1
    ; the timer: unmask its line at the interrupt controller, then program it
    li r1, 0xffff & ~(1 << IRQ_TIMER)
    out PORT_PIC_MASK, r1
    li r1, TICK_INSNS
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE | TIMER_PERIODIC
    out PORT_TIMER_CTRL, r1
    sti
    ret

; plat_write(r1 = buf, r2 = len): one byte at a time through the UART's ports, polling for room.
plat_write:
    cmp r2, 0
    jz .Ldone
.Lwait:
    in r3, PORT_UART_STATUS
    test r3, UART_STATUS_TX
    jz .Lwait
    ldb r3, [r1]
    out PORT_UART_DATA, r3
    add r1, 1
    sub r2, 1
    jmp plat_write
.Ldone:
    ret

; plat_idle(): sleep until the next interrupt (called with interrupts on, returns with them on).
plat_idle:
    hlt
    ret

; plat_poweroff(r1 = status)
plat_poweroff:
    out PORT_POWEROFF, r1
    jmp plat_poweroff

; timer_entry: IRQ 0. Save what tick() may clobber, count the tick, acknowledge it, return.
timer_entry:
    push r0
    push r1
    push r2
    push r3
    push r4
    push r5
    call tick
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1        ; end of interrupt, or no tick would follow
    pop r5
    pop r4
    pop r3
    pop r2
    pop r1
    pop r0
    iret

; syscall_entry: int 0x80. r0 = number, r1, r2 arguments; the result goes back in r0.
syscall_entry:
    push r1
    push r2
    push r3
    push r4
    push r5
    call syscall
    pop r5
    pop r4
    pop r3
    pop r2
    pop r1
    iret

; unexpected: any other vector is a bug: say so and power off with status 3.
unexpected:
    li r1, msg_unexpected
    li r2, msg_unexpected_end - msg_unexpected
    call plat_write
    li r1, 3
    jmp plat_poweroff

.data
msg_unexpected: .ascii "platform: unexpected trap\n"
msg_unexpected_end:

.bss
.align 4
idt: .space 256 * 4
