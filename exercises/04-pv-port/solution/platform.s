; platform.s - exercise 04, solved: the platform module ported to paravirtualization with the SDK.
;
; The kernel runs in ring 1 under --technique pv and executes no privileged or sensitive instruction:
; it asks the VMM for privileged work with hypercalls (hypercall.inc) and masks events with a store
; to the shared-info page. Each block says what it replaced.

.pv                             ; a paravirtual image: only --technique pv runs it
.include "hypercall.inc"

.equ TICK_INSNS, 4000           ; instructions between timer ticks

; IRQ_SAVE / IRQ_RESTORE: was pushf; cli / popf. The virtual IF is the shared page's upcall mask:
; saving and masking is a load and a store, no exit; restoring makes a hypercall only if an event
; came in meanwhile. (popf at ring 1 would silently keep IF: the mask has no such hole.)
.macro IRQ_SAVE
    EVT_MASK_SAVE
.endm
.macro IRQ_RESTORE
    EVT_MASK_RESTORE
.endm

.text
; plat_init(r1 = start-info page): shared page, trap table, timer on an event channel, events on.
plat_init:
    ; the VMM maps RAM at virtual = pseudo-physical: the shared page's address is usable as is
    ld r2, [r1 + START_INFO_SHARED_INFO]
    st [pv_shinfo], r2
    ; was: fill idt, lidt. The VMM keeps the table and reflects traps through it; timer ticks
    ; no longer come through a vector but through the event upcall
    li r1, idt
    li r2, unexpected
    li r3, 256
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r2, syscall_entry
    st [idt + VEC_SYSCALL * 4], r2
    li r1, idt
    li r2, upcall
    HYPERCALL HC_SET_TRAP_TABLE
    ; was: out PORT_PIC_MASK, out PORT_TIMER_PERIOD, out PORT_TIMER_CTRL. The tick is VIRQ_TIMER
    ; on an event channel (no interrupt controller, no ports)
    li r1, EVT_BIND_VIRQ
    li r2, VIRQ_TIMER
    HYPERCALL HC_EVTCHN_BIND
    st [timer_port], r0
    li r1, TICK_INSNS
    li r2, 1                    ; periodic
    HYPERCALL HC_SET_TIMER
    ; was: sti
    EVT_ENABLE
    ret

; plat_write(r1 = buf, r2 = len): was a UART poll and an `out` per byte (two exits per byte under a
; VMM); now the whole message in one hypercall.
plat_write:
    HYPERCALL HC_CONSOLE_WRITE
    ret

; plat_idle(): was hlt. sched_block unmasks events and sleeps until one is pending, in one step;
; the upcall runs before it returns.
plat_idle:
    HYPERCALL HC_SCHED_BLOCK
    ret

; plat_poweroff(r1 = status): was out PORT_POWEROFF.
plat_poweroff:
    HYPERCALL HC_SHUTDOWN
    jmp plat_poweroff

; upcall: events arrive here (was timer_entry on IRQ 0), with events masked. Clear UPCALL_PENDING,
; take and clear the pending ports (the VMM writes them only at hypercalls and upcall entries, so
; this load and store lose none), tick if the timer's port is among them. No EOI: clearing the bit
; is the acknowledgement.
upcall:
    push r0
    push r1
    push r2
    push r3
    push r4
    push r5
    ld r3, [pv_shinfo]
    li r2, 0
    st [r3 + SHINFO_UPCALL_PENDING], r2
    ld r4, [r3 + SHINFO_EVT_PENDING]
    st [r3 + SHINFO_EVT_PENDING], r2
    ld r2, [timer_port]
    shr r4, r2
    test r4, 1
    jz .Lnotick
    call tick
.Lnotick:
    pop r5
    pop r4
    pop r3
    pop r2
    pop r1
    pop r0
    PV_IRET                     ; was iret: the VMM restores pc, flags, sp and the mask at once

; syscall_entry: int 0x80, reflected by the VMM through the trap table. Unchanged but for the return.
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
    PV_IRET                     ; was iret; PV_IRET keeps r0 (the result): it pushes it for the VMM

; unexpected: any other vector is a bug: say so and power off with status 3.
unexpected:
    li r1, msg_unexpected
    li r2, msg_unexpected_end - msg_unexpected
    call plat_write
    li r1, 3
    jmp plat_poweroff

.data
.align 4
pv_shinfo:  .word 0             ; the shared-info page (the EVT_* macros read it)
timer_port: .word 0             ; the event channel VIRQ_TIMER arrives on
msg_unexpected: .ascii "platform: unexpected trap\n"
msg_unexpected_end:

.bss
.align 4
idt: .space 256 * 4
