; syscall.s - system calls: the table (indexed by the number in r0), the dispatcher, and the simple calls.
;
; Calls that block or switch live in sched.s, device calls in nic.s/blk.s, map/unmap in vm.s.
; Arguments come from the saved r1..r3 and the result goes back into the saved r0.

.text
; syscall(r1 = trapframe)
syscall:
    push r6
    mov r6, r1
    ld r0, [r6 + TF_R0]
    cmp r0, NSYSCALL
    jae .Lbad                   ; unsigned: negative numbers are out of range too
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

; getpid()
sys_getpid:
    ld r1, [cur_proc]
    ld r0, [r1 + P_PID]
    ret

; write(r1 = buf, r2 = len): append to the caller's output buffer. Tasks never print directly:
; the kernel prints every buffer in pid order at the next barrier, so the console transcript
; does not depend on where timer interrupts happened to land. Returns the bytes kept.
sys_write:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
    call check_user             ; r1, r2 still hold buf, len
    cmp r0, 0
    jnz .Lfail
    ld r3, [cur_proc]
    ld r4, [r3 + P_OUTLEN]
    li r5, OUTBUF_SIZE
    sub r5, r4                  ; room left
    cmp r7, r5
    jbe .Lfits
    mov r7, r5                  ; truncate rather than overflow into the next task
.Lfits:
    mov r1, r3
    add r1, P_OUT
    add r1, r4                  ; destination: end of the buffered text
    add r4, r7
    st [r3 + P_OUTLEN], r4
    mov r2, r6
    mov r3, r7
    call memcpy
    mov r0, r7
    pop r7
    pop r6
    ret
.Lfail:
    li r0, -1
    pop r7
    pop r6
    ret

; check_user(r1 = addr, r2 = len) -> r0 = 0 if [addr, addr+len) lies in the user window, else -1.
; A task may only hand the kernel its own window, never kernel addresses.
check_user:
    cmp r1, USER_BASE
    jb .Lno
    cmp r1, USER_TOP
    jae .Lno
    li r3, USER_TOP
    sub r3, r1                  ; bytes from addr to the end of the window
    cmp r2, r3
    ja .Lno
    li r0, 0
    ret
.Lno:
    li r0, -1
    ret

.data
.align 4
syscall_table:
    .word sys_write             ; SYS_WRITE
    .word sys_yield             ; SYS_YIELD
    .word sys_getpid            ; SYS_GETPID
    .word sys_sleep             ; SYS_SLEEP
    .word sys_exit              ; SYS_EXIT
    .word sys_send              ; SYS_SEND
    .word sys_blkread           ; SYS_BLKREAD
    .word sys_blkwrite          ; SYS_BLKWRITE
    .word sys_map               ; SYS_MAP
    .word sys_unmap             ; SYS_UNMAP
    .word sys_barrier           ; SYS_BARRIER
    .word sys_pass              ; SYS_PASS
