; console.s - console output through the console_write hypercall (mini's uart.s polled the UART's ports).
;
; PV: one hypercall writes a whole message, where the UART took an `in` and an `out` per byte (two
; exits each under trap-and-emulate or hw). Being a single hypercall, a message also goes out whole
; without a critical section around it.

.text
; console_write(r1 = buf, r2 = len). Clobbers r0.
console_write:
    HYPERCALL HC_CONSOLE_WRITE
    ret
