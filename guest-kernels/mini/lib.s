; lib.s - kernel console printing: kputs and kwrite, each message whole (fmt.s formats numbers).
;
; Printing runs in a pushf / cli ... popf critical section so one message reaches the UART whole,
; and restores whatever IF the caller had (boot code runs with IF = 0, system calls with IF = 1).
; Convention: arguments r1..r5, result r0, r0..r5 clobbered, r6..r14 preserved.

.text
; kputs(r1 = NUL-terminated string)
kputs:
    push r6
    mov r6, r1
    pushf
    cli                         ; critical section: the console
.Lloop:
    ldb r1, [r6]
    cmp r1, 0
    jz .Ldone
    call uart_putc
    add r6, 1
    jmp .Lloop
.Ldone:
    popf
    pop r6
    ret

; kwrite(r1 = buf, r2 = len)
kwrite:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
    pushf
    cli                         ; critical section: the console
.Lloop:
    cmp r7, 0
    jz .Ldone
    ldb r1, [r6]
    call uart_putc
    add r6, 1
    sub r7, 1
    jmp .Lloop
.Ldone:
    popf
    pop r7
    pop r6
    ret
