; sched.s - the run queue and round-robin scheduler, the context switch, and the calls that block: yield, sleep, barrier, exit, pass.
;
; Each task has its own kernel stack. A task leaves the CPU only inside schedule(), which swtch()es
; to another task's kernel stack; it comes back out of the same schedule() call later. Task states
; (the run queue) are shared with the timer interrupt, which wakes sleepers, and system calls run
; with IF = 1, so every update of a state is a pushf / cli ... popf critical section: it restores the
; caller's IF rather than blindly enabling interrupts, because schedule() is called both from
; system calls (IF = 1) and from the timer interrupt (IF = 0).
; PV: the interrupt flag is the event mask in the shared-info page. EVT_MASK_SAVE / EVT_MASK_RESTORE
; (hypercall.inc) are pushf; cli / popf as plain stores, with no exit; switching address space and
; kernel stack is one multicall (new_baseptr + stack_switch); halting is sched_block.

.text
; schedule(): give the CPU to the next runnable task after the current one (round robin; the
; current task itself comes last). The caller has already set its own state.
schedule:
    push r6
    push r7
    push r8
    EVT_MASK_SAVE               ; the caller's event mask: on from system calls, off from the timer
                                ; critical section: scanning the run queue
.Lpick:
    ld r6, [cur_idx]
    li r7, 1                    ; try cur+1, cur+2, ..., cur+NTASK (the current task last)
.Lscan:
    mov r2, r6
    add r2, r7
    mod r2, NTASK
    mov r3, r2
    shl r3, P_SHIFT
    add r3, tasks               ; r3 = &tasks[r2]
    ld r4, [r3 + P_STATE]
    cmp r4, T_RUNNABLE
    jz .Lfound
    add r7, 1
    cmp r7, NTASK
    jle .Lscan
    ; Nobody can run: all sleep or wait. Idle until the timer wakes a sleeper. PV: sched_block
    ; unmasks events and blocks in one step (the `sti; hlt` that cannot miss a tick); the upcall
    ; runs before it returns, and leaves events on, so mask them again for the scan.
    HYPERCALL HC_SCHED_BLOCK
    EVT_DISABLE
    jmp .Lpick
.Lfound:
    cmp r2, r6
    jz .Lstay                   ; the same task again: nothing to switch
    ld r8, [cur_proc]
    st [cur_idx], r2
    st [cur_proc], r3
    mov r7, r3                  ; PV: switch_mm clobbers r1..r5
    mov r1, r3
    call switch_mm              ; PV: its address space and kernel stack, one multicall (was cr3, cr4)
    mov r1, r8
    add r1, P_KSP
    ld r2, [r7 + P_KSP]
    call swtch                  ; back here when someone schedules us again
.Lstay:
    EVT_MASK_RESTORE            ; the event mask this task had when it called schedule()
    pop r8
    pop r7
    pop r6
    ret

; swtch(r1 = where to save the current kernel sp, r2 = kernel sp to resume).
; Saves the callee-saved registers on the old stack and resumes the new one where it last called
; swtch (or, for a fresh task, at trapret: see task_first_frame).
swtch:
    push r6
    push r7
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    st [r1], sp
    mov sp, r2
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop r7
    pop r6
    ret

; switch_mm(r1 = proc): PV. Load the task's page directory (new_baseptr takes its machine address;
; the VMM checks it is a validated, pinned directory of this domain) and make its kernel stack the
; one traps from ring 3 land on (stack_switch, the PV cr4), in one multicall: one exit, not two.
switch_mm:
    ld r2, [r1 + P_PGDIR]
    ld r3, [machine_base]
    add r2, r3
    st [switch_mc + MULTICALL_ARGS], r2
    ld r2, [r1 + P_KSTACK]
    st [switch_mc + MULTICALL_SIZE + MULTICALL_ARGS], r2
    li r1, switch_mc
    li r2, 2
    HYPERCALL HC_MULTICALL
    ld r0, [switch_mc + MULTICALL_RESULT]
    cmp r0, 0
    jnz panic_mm
    ret
panic_mm:
    li r1, msg_mm
    call kputs
    li r1, 1
    HYPERCALL HC_SHUTDOWN

; sched_start: leave the boot stack for good and run task 1 (index 0).
sched_start:
    li r3, tasks
    li r2, 0
    st [cur_idx], r2
    st [cur_proc], r3
    mov r1, r3
    call switch_mm
    li r3, tasks
    li r1, boot_ksp             ; the boot stack is saved and never resumed
    ld r2, [r3 + P_KSP]
    call swtch

; yield(): stay runnable, let the others run first.
sys_yield:
    call schedule
    li r0, 0
    ret

; sleep(r1 = ticks): not runnable until `ticks` more timer ticks have passed.
sys_sleep:
    ld r3, [cur_proc]
    EVT_MASK_SAVE               ; critical section: the timer reads P_WAKE and P_STATE
    ld r2, [ticks]
    add r2, r1
    st [r3 + P_WAKE], r2
    li r2, T_SLEEPING
    st [r3 + P_STATE], r2
    EVT_MASK_RESTORE
    call schedule
    li r0, 0
    ret

; barrier(r1 = phase): block until every live task has finished the phase. The last to arrive
; prints the phase's header and every task's buffered output, in pid order, then wakes the rest.
sys_barrier:
    push r6
    mov r6, r1
    EVT_MASK_SAVE               ; critical section: the arrival count and task states
    ld r2, [barrier_count]
    add r2, 1
    st [barrier_count], r2
    ld r3, [live_tasks]
    cmp r2, r3
    jae .Llast
    ld r3, [cur_proc]
    li r2, T_BLOCKED
    st [r3 + P_STATE], r2
    EVT_MASK_RESTORE
    call schedule               ; until the last arrival wakes us
    jmp .Lout
.Llast:
    li r2, 0
    st [barrier_count], r2
    EVT_MASK_RESTORE
    mov r1, r6
    call report_phase
    EVT_MASK_SAVE               ; critical section: waking the blocked tasks
    li r2, tasks
    li r3, 0
.Lwake:
    ld r4, [r2 + P_STATE]
    cmp r4, T_BLOCKED
    jnz .Lnext
    li r4, T_RUNNABLE
    st [r2 + P_STATE], r4
.Lnext:
    add r2, P_SIZE
    add r3, 1
    cmp r3, NTASK
    jnz .Lwake
    EVT_MASK_RESTORE
.Lout:
    li r0, 0
    pop r6
    ret

; report_phase(r1 = phase): "== phase N: name ==", then each task's buffered lines in pid order.
report_phase:
    push r6
    mov r6, r1
    li r1, msg_phase
    call kputs
    mov r1, r6
    call kputdec
    li r1, msg_colon
    call kputs
    li r1, msg_unknown
    cmp r6, NPHASE
    ja .Lname                   ; unsigned: phase 0 is unknown too (table slot 0)
    shl r6, 2
    ld r1, [r6 + phase_names]
.Lname:
    call kputs
    li r1, msg_phase_end
    call kputs
    call flush_outputs
    pop r6
    ret

; flush_outputs(): print and empty every task's output buffer, in pid order.
flush_outputs:
    push r6
    push r7
    li r6, tasks
    li r7, 0
.Lloop:
    mov r1, r6
    add r1, P_OUT
    ld r2, [r6 + P_OUTLEN]
    call kwrite
    li r1, 0
    st [r6 + P_OUTLEN], r1
    add r6, P_SIZE
    add r7, 1
    cmp r7, NTASK
    jnz .Lloop
    pop r7
    pop r6
    ret

; exit(r1 = code): become a zombie; the last task to exit shuts the machine down.
sys_exit:
    ld r3, [cur_proc]
    EVT_MASK_SAVE               ; critical section: task state and the live count
    st [r3 + P_XCODE], r1
    li r2, T_ZOMBIE
    st [r3 + P_STATE], r2
    ld r2, [live_tasks]
    sub r2, 1
    st [live_tasks], r2
    EVT_MASK_RESTORE
    cmp r2, 0
    jz kernel_done
    call schedule               ; never returns: a zombie is never picked again
    jmp panic_sched

; kernel_done: every task exited. Print their exit codes in pid order and power off with 0.
kernel_done:
    call flush_outputs          ; anything written after the last barrier
    li r6, tasks
    li r7, 0
.Lloop:
    li r1, msg_task
    call kputs
    ld r1, [r6 + P_PID]
    call kputdec
    li r1, msg_exited
    call kputs
    ld r1, [r6 + P_XCODE]
    call kputdec
    li r1, msg_nl
    call kputs
    add r6, P_SIZE
    add r7, 1
    cmp r7, NTASK
    jnz .Lloop
    li r1, msg_done
    call kputs
    li r1, 0
    HYPERCALL HC_SHUTDOWN       ; PV: was out PORT_POWEROFF; does not return

panic_sched:
    li r1, msg_zombie
    call kputs
    li r1, 1
    HYPERCALL HC_SHUTDOWN

; pass(): ping-pong. If the caller holds the baton, hand it to the next pid and return 1, else 0.
sys_pass:
    ld r3, [cur_proc]
    ld r3, [r3 + P_PID]
    li r0, 0
    EVT_MASK_SAVE               ; critical section: the baton is shared by all tasks
    ld r2, [baton]
    cmp r2, r3
    jnz .Lnot
    mov r2, r3
    mod r2, NTASK
    add r2, 1                   ; next pid, wrapping NTASK -> 1
    st [baton], r2
    li r0, 1
.Lnot:
    EVT_MASK_RESTORE
    ret

.data
.align 4
cur_idx:       .word 0          ; index of the running task in `tasks`
cur_proc:      .word 0          ; &tasks[cur_idx]
live_tasks:    .word NTASK      ; tasks not yet exited
barrier_count: .word 0          ; arrivals at the current barrier
baton:         .word 1          ; pid allowed to pass next (task 1 starts)
boot_ksp:      .word 0
switch_mc:                      ; PV: the multicall switch_mm fills in
    .word HC_NEW_BASEPTR, 0, 0, 0, 0, 0, 0
    .word HC_STACK_SWITCH, 0, 0, 0, 0, 0, 0
phase_names:
    .word msg_unknown
    .word ph_compute
    .word ph_syscalls
    .word ph_ctxsw
    .word ph_ptedit
    .word ph_io
    .word ph_sleep
msg_phase:     .asciz "== phase "
msg_colon:     .asciz ": "
msg_phase_end: .asciz " ==\n"
msg_unknown:   .asciz "?"
ph_compute:    .asciz "compute"
ph_syscalls:   .asciz "system calls"
ph_ctxsw:      .asciz "context switches"
ph_ptedit:     .asciz "page-table edits"
ph_io:         .asciz "I/O"
ph_sleep:      .asciz "sleep"
msg_task:      .asciz "mini: task "
msg_exited:    .asciz " exited with code "
msg_done:      .asciz "mini: all tasks exited, powering off\n"
msg_zombie:    .asciz "mini: panic: a zombie was scheduled\n"
msg_mm:        .asciz "mini: panic: the VMM refused an address space\n"
