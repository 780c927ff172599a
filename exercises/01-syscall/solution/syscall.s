; syscall.s - exercise 01, reference solution: the system-call dispatcher, its table, add, and write's pointer check.
;
; Included by kernel/main.s. Calling convention: arguments r1..r5, result r0, r0..r5 clobbered,
; r6..r14 preserved.

.text
; syscall(r1 = trapframe): the number is the user's r0, the arguments its r1..r3. The result must go
; back into the saved r0 in the trapframe: trap_entry reloads every register from there on the way out.
syscall:
    push r6
    mov r6, r1
    ld r0, [r6 + TF_R0]
    cmp r0, NSYSCALL
    jae .Lbad                   ; unsigned compare: a negative number is huge, so it is refused too
    shl r0, 2
    ld r5, [r0 + syscall_table]
    ld r1, [r6 + TF_R1]
    ld r2, [r6 + TF_R2]
    ld r3, [r6 + TF_R3]
    call r5
    st [r6 + TF_R0], r0
    pop r6
    ret
.Lbad:
    li r0, -1
    st [r6 + TF_R0], r0
    pop r6
    ret

; write(r1 = buf, r2 = len) -> len, or -1 if the buffer is not the user program's own memory.
sys_write:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
    call user_range_ok          ; r1, r2 are still buf, len
    cmp r0, 0
    jz .Lrefuse
    mov r1, r6
    mov r2, r7
    call console_write
    mov r0, r7
    pop r7
    pop r6
    ret
.Lrefuse:
    li r0, -1
    pop r7
    pop r6
    ret

; add(r1 = a, r2 = b) -> a + b
sys_add:
    mov r0, r1
    add r0, r2
    ret

.data
.align 4
syscall_table:
    .word sys_write             ; SYS_WRITE
    .word sys_getpid            ; SYS_GETPID
    .word sys_add               ; SYS_ADD
    .word sys_exit              ; SYS_EXIT
