; console.s - console output through the console_write hypercall or the split console ring (mini's uart.s polled the UART's ports).
;
; PV: one hypercall writes a whole message, where the UART took an `in` and an `out` per byte (two
; exits each under trap-and-emulate or hw). Being a single hypercall, a message also goes out whole
; without a critical section around it. Under --devices split the message goes into the console
; ring with plain stores and one evtchn_send hands it over; the ring is shared by every caller, so
; that path runs with events masked.

.text
; console_write(r1 = buf, r2 = len). Clobbers r0 (split: r0..r5).
console_write:
    ld r0, [pv_split]
    cmp r0, 0
    jnz .Lsplit
    HYPERCALL HC_CONSOLE_WRITE
    ret
.Lsplit:
    EVT_MASK_SAVE               ; critical section: the console ring
    call consfront_write
    EVT_MASK_RESTORE
    ret
