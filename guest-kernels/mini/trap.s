; trap.s - the vector table, the common trap entry and exit (every register saved in a trapframe), the dispatcher.
;
; The CPU pushes the vector number itself (FRAME_VECTOR), so all 256 table entries can point at
; one entry stub and the dispatcher tells traps apart. No entry is left 0: delivering through a
; 0 entry would turn into a double fault.

.text
; trap_init: fill the vector table and load its (virtual = physical) address.
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
    lidt r1
    ret

; trap_entry: below the CPU's frame, save r14..r0 so the trapframe starts with r0 at [sp].
; From ring 3 the CPU has already switched to cr4, the current task's kernel stack.
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
    iret                        ; sp now points at the vector word, as iret expects

; trap(r1 = trapframe): route one trap.
trap:
    push r6
    mov r6, r1
    ld r2, [r6 + TF_VEC]
    cmp r2, VEC_SYSCALL
    jz .Lsyscall
    cmp r2, VEC_IRQ_BASE + IRQ_TIMER
    jz .Ltimer
    mov r1, r6
    call panic_trap             ; anything else is a kernel bug or a misbehaving task: stop loudly
.Lsyscall:
    ; System calls run with interrupts on, as in xv6: the timer keeps ticking (and waking
    ; sleepers) while a long call works, which is why the kernel needs its critical sections.
    sti
    mov r1, r6
    call syscall
    cli                         ; trapret pops the frame with interrupts off
    pop r6
    ret
.Ltimer:
    call timer_intr             ; tick, wake sleepers, EOI
    ld r2, [r6 + TF_FLAGS]
    and r2, FLAG_CPL_MASK
    cmp r2, 0
    jz .Ldone                   ; ticked inside the kernel: no kernel preemption, just return
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
    mov r1, cr2
    call kputhex
    li r1, msg_nl
    call kputs
    li r1, 1
    out PORT_POWEROFF, r1
    hlt                         ; not reached: power-off stops the machine

.data
msg_panic: .asciz "mini: panic: unexpected trap "
msg_err:   .asciz " err "
msg_pc:    .asciz " pc "
msg_cr2:   .asciz " cr2 "
msg_nl:    .asciz "\n"

.bss
.align 4
idt: .space NVECTOR * 4
