; trap.s - the vector table, the common trap entry and exit (every register saved in a trapframe), the dispatcher.
;
; The CPU (or, in PV, the VMM) pushes the vector number itself (FRAME_VECTOR), so all 256 table
; entries can point at one entry stub and the dispatcher tells traps apart. No entry is left 0:
; delivering through a 0 entry would turn into a double fault.
;
; PV: the table is registered with set_trap_table, which also names the event upcall (the same
; stub: its frame says PV_VEC_UPCALL). System calls from ring 3 enter through the machine's direct
; gate without the VMM; every other trap, and every event, is delivered by the VMM.

.text
; trap_init: fill the vector table and register it, with the upcall, with the VMM.
trap_init:
    li r1, idt
    li r2, trap_entry
    li r3, NVECTOR
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r1, idt
    li r2, trap_entry           ; the event upcall: same entry, the frame's vector says UPCALL
    HYPERCALL HC_SET_TRAP_TABLE ; PV: was lidt
    ret

; trap_entry: below the CPU's frame, save r14..r0 so the trapframe starts with r0 at [sp].
; From ring 3 the CPU has already switched to the current task's kernel stack (stack_switch).
trap_entry:
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push r7
    push r6
    push r5
    push r4
    push r3
    push r2
    push r1
    push r0
    mov r1, sp
    call trap                   ; may switch tasks; returns when this task runs again
; trapret: restore every register and return through the CPU frame. A fresh task's first
; swtch "returns" here, with the trapframe task_first_frame built.
; PV: iret is privileged. Back to ring 3 the kernel unmasks events and takes the machine's return
; gate (no exit); back into the kernel (an event that interrupted it) it asks the VMM (PV_IRET),
; which restores the event mask from the frame's IF bit.
trapret:
    pop r0
    pop r1
    pop r2
    pop r3
    pop r4
    pop r5
    pop r6
    pop r7
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    push r0                     ; sp + 8 is the CPU frame's vector word from here on
    push r1
    ld r0, [sp + 8 + FRAME_FLAGS]
    and r0, FLAG_CPL_MASK
    cmp r0, USER_CPL
    jnz .Lkernel
    ld r0, [pv_shinfo]
    li r1, 0
    st [r0 + SHINFO_UPCALL_MASK], r1    ; user code always runs with events on
    ld r1, [r0 + SHINFO_UPCALL_PENDING]
    cmp r1, 0
    jz .Luser
    HYPERCALL HC_VERSION        ; an event came while masked: take its upcall before leaving
.Luser:
    pop r1
    pop r0
    PV_USER_RETURN              ; sp at the vector word, as iret expects
.Lkernel:
    pop r1
    pop r0
    PV_IRET

; trap(r1 = trapframe): route one trap.
trap:
    push r6
    mov r6, r1
    ld r2, [r6 + TF_VEC]
    cmp r2, VEC_SYSCALL
    jz .Lsyscall
    cmp r2, PV_VEC_UPCALL
    jz .Levent
    mov r1, r6
    call panic_trap             ; anything else is a kernel bug or a misbehaving task: stop loudly
.Lsyscall:
    ; System calls run with interrupts on, as in xv6: the timer keeps ticking (and waking
    ; sleepers) while a long call works, which is why the kernel needs its critical sections.
    EVT_ENABLE                  ; PV: was sti (a store; the gate left events on anyway)
    mov r1, r6
    call syscall
    EVT_DISABLE                 ; PV: was cli; trapret pops the frame with events masked
    pop r6
    ret
.Levent:
    ; PV: an upcall. Clear UPCALL_PENDING, then take the pending ports (the VMM writes the
    ; bitmap only at hypercalls and upcall entries, so this load and store cannot lose one).
    ld r3, [pv_shinfo]
    li r2, 0
    st [r3 + SHINFO_UPCALL_PENDING], r2
    ld r4, [r3 + SHINFO_EVT_PENDING]
    st [r3 + SHINFO_EVT_PENDING], r2
    ld r2, [timer_port]
    shr r4, r2
    test r4, 1
    jz .Ldone                   ; no tick among them
    call timer_intr             ; tick, wake sleepers
    ld r2, [r6 + TF_FLAGS]
    and r2, FLAG_CPL_MASK
    cmp r2, USER_CPL
    jnz .Ldone                  ; ticked inside the kernel: no kernel preemption, just return
    call schedule               ; ticked in a task: round robin to the next runnable one
.Ldone:
    pop r6
    ret

; panic_trap(r1 = trapframe): report an unexpected trap and power off with status 1.
panic_trap:
    mov r6, r1
    li r1, msg_panic
    call kputs
    ld r1, [r6 + TF_VEC]
    call kputdec
    li r1, msg_err
    call kputs
    ld r1, [r6 + TF_ERR]
    call kputhex
    li r1, msg_pc
    call kputs
    ld r1, [r6 + TF_PC]
    call kputhex
    li r1, msg_cr2
    call kputs
    ld r1, [pv_shinfo]
    ld r1, [r1 + SHINFO_CR2]    ; PV: cr2 is privileged; the VMM leaves the address here
    call kputhex
    li r1, msg_nl
    call kputs
    li r1, 1
    HYPERCALL HC_SHUTDOWN       ; PV: was out PORT_POWEROFF; does not return

.data
msg_panic: .asciz "mini: panic: unexpected trap "
msg_err:   .asciz " err "
msg_pc:    .asciz " pc "
msg_cr2:   .asciz " cr2 "
msg_nl:    .asciz "\n"

.bss
.align 4
idt: .space NVECTOR * 4
