; syscall.s - exercise 01: YOUR system-call dispatcher, add, and write's pointer check (see the README).
;
; Included by kernel/main.s, which has the trap entry, getpid, exit and the user program.
; Calling convention: arguments r1..r5, result r0, r0..r5 clobbered, r6..r14 preserved.

.text
; syscall(r1 = trapframe): called by the kernel for every `int 0x80` from the user program.
; The system-call number is the user's r0, saved at [r1 + TF_R0]; its arguments are at TF_R1..TF_R3.
; TODO (part 1): check the number against NSYSCALL, call the function syscall_table holds for it
;   with the arguments in r1..r3, and hand its result back to the user program.
; TODO (part 3): a number that names no call must return -1 (and not crash the kernel).
syscall:
    ret

; write(r1 = buf, r2 = len) -> len, or -1 if the buffer is not the user program's own memory.
; TODO (part 4): refuse a buffer outside the user program (see user_range_ok in kernel/main.s).
sys_write:
    push r6
    mov r6, r2
    call console_write
    mov r0, r6
    pop r6
    ret

; add(r1 = a, r2 = b) -> a + b
; TODO (part 2)
sys_add:
    li r0, 0
    ret

.data
.align 4
syscall_table:
    .word sys_write             ; SYS_WRITE
    .word sys_getpid            ; SYS_GETPID
    .word sys_add               ; SYS_ADD
    .word sys_exit              ; SYS_EXIT
