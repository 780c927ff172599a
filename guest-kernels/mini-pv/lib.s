; lib.s - kernel console printing for mini-pv: kputs and kwrite through console_write (mini's fmt.s formats numbers).
;
; Printing was a pushf / cli ... popf critical section so one message reached the UART whole.
; PV: each message is one console_write hypercall, whole by construction: no critical section.
; Convention: arguments r1..r5, result r0, r0..r5 clobbered, r6..r14 preserved.

.text
; kputs(r1 = NUL-terminated string)
kputs:
    mov r2, r1
.Lloop:
    ldb r3, [r2]
    cmp r3, 0
    jz .Ldone
    add r2, 1
    jmp .Lloop
.Ldone:
    sub r2, r1                  ; length
    jmp kwrite

; kwrite(r1 = buf, r2 = len)
kwrite:
    cmp r2, 0
    jz .Ldone
    call console_write
.Ldone:
    ret
