; ulib.s - the user library (ring 3): system-call wrappers and a line buffer that is written with one write() per line.
;
; The line buffer and the pid live in the task's data page at USER_DATA: the same virtual
; address in every task, a different frame in each. Same calling convention as the kernel.

.equ U_LINE, USER_DATA              ; line being built (U_LINE_MAX bytes)
.equ U_LINE_MAX, 190
.equ U_LINELEN, USER_DATA + 192     ; its length
.equ U_PID, USER_DATA + 196         ; getpid(), fetched once at start
.equ U_PKT, USER_DATA + 0x100       ; packet buffer
.equ U_WBUF, USER_DATA + 0x400      ; sector written
.equ U_RBUF, USER_DATA + 0x800      ; sector read back

.text
; Thin wrappers: number in r0, arguments already in r1..r3, result in r0.
u_getpid:
    li r0, SYS_GETPID
    int 0x80
    ret
u_yield:
    li r0, SYS_YIELD
    int 0x80
    ret
u_barrier:                      ; r1 = phase just finished
    li r0, SYS_BARRIER
    int 0x80
    ret

; ub_str(r1 = NUL-terminated string): append to the line (silently truncated at U_LINE_MAX).
ub_str:
    ld r2, [U_LINELEN]
.Lloop:
    ldb r3, [r1]
    cmp r3, 0
    jz .Ldone
    cmp r2, U_LINE_MAX
    jae .Ldone
    stb [r2 + U_LINE], r3
    add r1, 1
    add r2, 1
    jmp .Lloop
.Ldone:
    st [U_LINELEN], r2
    ret

; ub_dec(r1 = unsigned value): append it in decimal.
ub_dec:
    sub sp, 16
    mov r2, r1
    mov r1, sp
    call u_fmt_dec
    mov r1, sp
    add r1, r0
    li r2, 0
    stb [r1], r2                ; NUL-terminate, then append as a string
    mov r1, sp
    call ub_str
    add sp, 16
    ret

; ub_hex(r1 = value): append 0x and 8 hex digits.
ub_hex:
    sub sp, 16
    mov r2, r1
    mov r1, sp
    call u_fmt_hex
    mov r1, sp
    add r1, r0
    li r2, 0
    stb [r1], r2
    mov r1, sp
    call ub_str
    add sp, 16
    ret

; ub_task(): start a line with "task <pid>: ".
ub_task:
    li r1, us_task
    call ub_str
    ld r1, [U_PID]
    call ub_dec
    li r1, us_colon
    call ub_str
    ret

; ub_flush(): end the line with a newline and write() it.
ub_flush:
    ld r2, [U_LINELEN]
    li r3, '\n'
    stb [r2 + U_LINE], r3
    add r2, 1
    li r1, U_LINE
    li r0, SYS_WRITE
    int 0x80
    li r2, 0
    st [U_LINELEN], r2
    ret

; u_fmt_dec(r1 = buf, r2 = unsigned value) -> r0 = length. (The kernel has its own copy in lib.s:
; ring 3 must not run kernel code, and the kernel does not run user code.)
u_fmt_dec:
    sub sp, 12
    mov r3, sp
    add r3, 12
    li r0, 0
.Ldigit:
    mov r4, r2
    mod r4, 10
    add r4, '0'
    sub r3, 1
    stb [r3], r4
    div r2, 10
    add r0, 1
    cmp r2, 0
    jnz .Ldigit
    li r4, 0
.Lcopy:
    ldb r5, [r3]
    stb [r1], r5
    add r3, 1
    add r1, 1
    add r4, 1
    cmp r4, r0
    jnz .Lcopy
    add sp, 12
    ret

; u_fmt_hex(r1 = buf, r2 = value) -> r0 = 10
u_fmt_hex:
    li r3, '0'
    stb [r1], r3
    li r3, 'x'
    stb [r1 + 1], r3
    add r1, 2
    li r4, 28
.Ldigit:
    mov r3, r2
    shr r3, r4
    and r3, 15
    ldb r3, [r3 + us_hex]
    stb [r1], r3
    add r1, 1
    sub r4, 4
    cmp r4, 0
    jge .Ldigit
    li r0, 10
    ret

us_hex:   .ascii "0123456789abcdef"
us_task:  .asciz "task "
us_colon: .asciz ": "
.align 4
