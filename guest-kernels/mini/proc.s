; proc.s - the task table and task creation: identity, pages, address space, and a kernel stack ready to enter ring 3.

.text
; task_init(): set up tasks[0..NTASK-1] as pids 1..NTASK, all runnable, none run yet.
task_init:
    push r6
    push r7
    push r8
    li r6, 0                    ; index
    li r7, tasks                ; &tasks[index]
    li r8, task_pages           ; this task's block of TASK_PAGES pages
.Lnext:
    mov r1, r6
    add r1, 1
    st [r7 + P_PID], r1
    li r1, T_RUNNABLE
    st [r7 + P_STATE], r1
    st [r7 + P_PGDIR], r8
    mov r1, r8
    add r1, TP_UPT * PAGE_SIZE
    st [r7 + P_UPT], r1
    mov r1, r8
    add r1, TP_SCRATCH * PAGE_SIZE
    st [r7 + P_SCRATCH], r1
    mov r1, r8
    add r1, (TP_KSTACK + 1) * PAGE_SIZE
    st [r7 + P_KSTACK], r1      ; top of the kernel-stack page
    mov r1, r7
    call uvm_create             ; vm.s: page directory + user-window page table
    mov r1, r7
    call task_first_frame
    add r6, 1
    add r7, P_SIZE
    add r8, TASK_BYTES
    cmp r6, NTASK
    jnz .Lnext
    pop r8
    pop r7
    pop r6
    ret

; task_first_frame(r1 = proc): build the kernel stack a task starts on. From the top down:
;   a trapframe (CPU frame: pc = user_main, FLAGS = CPL 3 | IF, sp = USER_TOP; registers 0),
;   under it a swtch frame whose return address is trapret.
; The first schedule() to pick the task swtch()es onto this stack, "returns" into trapret, and
; trapret drops to ring 3 with interrupts on (mini: iret; mini-pv: the return gate, events on).
task_first_frame:
    push r6
    push r7
    mov r6, r1
    ld r7, [r6 + P_KSTACK]
    sub r7, TF_SIZE + SWTCH_FRAME   ; r7 = the saved kernel sp
    mov r1, r7
    li r2, TF_SIZE + SWTCH_FRAME
    call memzero
    li r1, trapret
    st [r7 + SWTCH_FRAME - 4], r1   ; swtch's return address
    mov r2, r7
    add r2, SWTCH_FRAME             ; r2 = the trapframe
    li r1, user_main
    st [r2 + TF_PC], r1
    li r1, USER_FLAGS
    st [r2 + TF_FLAGS], r1
    li r1, USER_TOP
    st [r2 + TF_SP], r1
    st [r6 + P_KSP], r7
    pop r7
    pop r6
    ret

.bss
.align 4
tasks: .space NTASK * P_SIZE
.align PAGE_SIZE
task_pages: .space NTASK * TASK_BYTES
