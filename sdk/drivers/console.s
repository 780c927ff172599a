; console.s - split console front-end: bytes out through the CONSRING OUT buffer, in from IN, one notify per write.
;
; The ring page (CONSRING in vx32.inc) is Xen's console interface: OUT and IN byte buffers with
; free-running producer/consumer indices. The front-end owns out_prod and in_cons, the back-end
; out_cons and in_prod. A whole message is one batch: every byte is stored in OUT (no exit), then one
; EVTCHN_SEND hands the batch to the back-end, where the emulated UART would take an exit per byte.
; Bytes written before consfront_init are kept in the ring and go out with the first notify after it.
; Needs vx32.inc and split.inc included first (see split.inc).

.ifndef SPLIT_INC
.error "console.s: include split.inc before the drivers"
.endif
.if (CONSRING_OUT_SIZE & (CONSRING_OUT_SIZE - 1)) | (CONSRING_IN_SIZE & (CONSRING_IN_SIZE - 1))
.error "console.s: the CONSRING buffers must be powers of two"
.endif

.text
; consfront_init() -> r0 = 0, or a negated HC_ERR. Grant the ring page, bind a port, connect.
consfront_init:
    SPLIT_GRANT consfront_ring, BACKEND_CONSOLE, 0
    cmp r0, 0
    jl .Lout
    st [consfront_ref], r0
    SPLIT_BIND BACKEND_CONSOLE
    cmp r0, 0
    jl .Lout
    st [consfront_port], r0
    ; connect: the back-end takes over out_cons/in_prod from the page as they stand
    li r1, BACKEND_CONSOLE
    ld r2, [consfront_ref]
    ld r3, [consfront_port]
    li r4, 0
    li r0, HC_DEVICE_CONNECT
    hcall
    cmp r0, 0
    jl .Lout
    li r0, 0
.Lout:
    ret

; consfront_write(r1 = buf, r2 = len) -> r0 = bytes accepted (len unless the back-end stopped draining).
consfront_write:
    push r6
    push r7
    push r8
    push r9
    mov r9, r1                  ; start of the message
    mov r6, r1                  ; next byte to copy
    mov r7, r2                  ; bytes left
    li r8, consfront_ring
.Lnext:
    cmp r7, 0
    jz .Ldone
    ; room in OUT: CONSRING_OUT_SIZE - (out_prod - out_cons)
    ld r3, [r8 + CONSRING_OUT_PROD]
    ld r4, [r8 + CONSRING_OUT_CONS]
    mov r5, r3
    sub r5, r4
    cmp r5, CONSRING_OUT_SIZE
    jb .Lroom
    ; OUT is full: hand over what is there; the back-end drains it before the hypercall returns
    SPLIT_NOTIFY consfront_port
    ld r3, [r8 + CONSRING_OUT_PROD]
    ld r4, [r8 + CONSRING_OUT_CONS]
    sub r3, r4
    cmp r3, CONSRING_OUT_SIZE
    jb .Lnext
    jmp .Ldone                  ; still full: no back-end is draining; report what was taken
.Lroom:
    ; copy one byte to OUT[out_prod mod size] and advance out_prod (plain stores: no exit)
    ldb r1, [r6]
    mov r2, r3
    and r2, CONSRING_OUT_SIZE - 1
    add r2, r8
    stb [r2 + CONSRING_OUT], r1
    add r3, 1
    st [r8 + CONSRING_OUT_PROD], r3
    add r6, 1
    sub r7, 1
    jmp .Lnext
.Ldone:
    ; one notification for the whole message
    SPLIT_NOTIFY consfront_port
    mov r0, r6
    sub r0, r9                  ; bytes accepted
    pop r9
    pop r8
    pop r7
    pop r6
    ret

; consfront_puts(r1 = NUL-terminated string) -> r0 = bytes written: one batch, one notification.
consfront_puts:
    mov r2, r1
.Llen:
    ldb r3, [r2]
    cmp r3, 0
    jz .Lhave
    add r2, 1
    jmp .Llen
.Lhave:
    sub r2, r1
    jmp consfront_write

; consfront_read(r1 = buf, r2 = max) -> r0 = bytes read from IN (0 if none). Notifies the back-end
; when it took any, so that more queued input can come in.
consfront_read:
    push r6
    li r6, 0                    ; bytes read
    li r5, consfront_ring
    ld r3, [r5 + CONSRING_IN_CONS]
.Lbyte:
    cmp r6, r2
    jae .Lread
    ld r4, [r5 + CONSRING_IN_PROD]
    cmp r3, r4
    jz .Lread                   ; IN is empty
    mov r4, r3
    and r4, CONSRING_IN_SIZE - 1
    add r4, r5
    ldb r4, [r4 + CONSRING_IN]
    stb [r1], r4
    add r1, 1
    add r3, 1
    add r6, 1
    jmp .Lbyte
.Lread:
    st [r5 + CONSRING_IN_CONS], r3
    cmp r6, 0
    jz .Lnone
    SPLIT_NOTIFY consfront_port
.Lnone:
    mov r0, r6
    pop r6
    ret

.data
.align 4
consfront_ref:  .word -1
consfront_port: .word 0         ; 0 is never a bound port: a notify before init is refused by the VMM

.bss
.align PAGE_SIZE
consfront_ring: .space PAGE_SIZE    ; the CONSRING page, granted to the console back-end
