; net.s - split net front-end: a TX ring of packets to send and an RX ring of posted buffers, one notify per batch.
;
; Buffers are half pages (NIC_MAX_PACKET = 2048 bytes), granted once at init: NETFRONT_TXBUFS for
; sending (read-only to the back-end), NETFRONT_RXBUFS for receiving (writable). TX request i uses
; buffer i mod NETFRONT_TXBUFS, so at most NETFRONT_TXBUFS packets are outstanding; queue packets,
; then kick: one RING_PUSH and at most one EVTCHN_SEND for the batch, responses collected by polling.
; RX buffers are posted before connecting (so no notification is needed for them) and reposted as
; packets are taken; the back-end raises the port's event when a packet arrives and the front-end
; asked for it (netfront_recv's final check), for a kernel that waits on that event.
; Needs vx32.inc and split.inc included first (see split.inc).

.ifndef SPLIT_INC
.error "net.s: include split.inc before the drivers"
.endif
.equ NETFRONT_BUF_SHIFT, 11                 ; 2048-byte buffers, two per page
.equ NETFRONT_TXBUFS, 8                     ; power of two, at most RING_SLOTS
.equ NETFRONT_RXBUFS, 4
.equ NETFRONT_TXPAGES, NETFRONT_TXBUFS / 2
.equ NETFRONT_RXPAGES, NETFRONT_RXBUFS / 2
.if (1 << NETFRONT_BUF_SHIFT) != NIC_MAX_PACKET
.error "net.s: a buffer must hold NIC_MAX_PACKET bytes"
.endif

.text
; netfront_init() -> r0 = 0, or a negated HC_ERR. Rings, buffer grants, RX buffers posted, port, connect.
netfront_init:
    push r6
    push r7
    li r1, netfront_txf
    li r2, netfront_txring
    RING_FRONT_INIT r1, r2, r3
    li r1, netfront_rxf
    li r2, netfront_rxring
    RING_FRONT_INIT r1, r2, r3
    SPLIT_GRANT netfront_txring, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [netfront_txref], r0
    SPLIT_GRANT netfront_rxring, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [netfront_rxref], r0
    ; grant each buffer page: TX pages read-only (the back-end only reads packets), RX writable
    li r6, 0
.Ltxpage:
    mov r1, r6
    shl r1, PAGE_SHIFT
    add r1, netfront_txbufs
    sub r1, PV_KVA_OFFSET
    li r2, BACKEND_NET
    li r3, GRANT_FLAG_READONLY
    li r0, HC_GRANT
    hcall
    cmp r0, 0
    jl .Lout
    mov r1, r6
    shl r1, 2
    st [r1 + netfront_txbufref], r0
    add r6, 1
    cmp r6, NETFRONT_TXPAGES
    jnz .Ltxpage
    li r6, 0
.Lrxpage:
    mov r1, r6
    shl r1, PAGE_SHIFT
    add r1, netfront_rxbufs
    sub r1, PV_KVA_OFFSET
    li r2, BACKEND_NET
    li r3, 0
    li r0, HC_GRANT
    hcall
    cmp r0, 0
    jl .Lout
    mov r1, r6
    shl r1, 2
    st [r1 + netfront_rxbufref], r0
    add r6, 1
    cmp r6, NETFRONT_RXPAGES
    jnz .Lrxpage
    ; post every RX buffer; published now, seen by the back-end when it connects
    li r6, 0
.Lpost:
    mov r1, r6
    call netfront_post
    add r6, 1
    cmp r6, NETFRONT_RXBUFS
    jnz .Lpost
    li r6, netfront_rxf
    RING_PUSH r6, r0, r1, r2            ; not connected yet: no notification needed
    SPLIT_BIND BACKEND_NET
    cmp r0, 0
    jl .Lout
    st [netfront_port], r0
    li r1, BACKEND_NET
    ld r2, [netfront_txref]
    ld r3, [netfront_port]
    ld r4, [netfront_rxref]
    li r0, HC_DEVICE_CONNECT
    hcall
    cmp r0, 0
    jl .Lout
    li r0, 0
.Lout:
    pop r7
    pop r6
    ret

; netfront_post(r1 = RX buffer index): write an RX request for that buffer (not yet published).
netfront_post:
    push r6
    li r6, netfront_rxf
    RING_NEXT_REQ r5, r6, r0
    st [r5 + NETIF_REQ_ID], r1          ; id = buffer index
    mov r2, r1
    shr r2, 1
    shl r2, 2
    ld r2, [r2 + netfront_rxbufref]
    st [r5 + NETIF_REQ_GREF], r2        ; the buffer's page
    mov r2, r1
    and r2, 1
    shl r2, NETFRONT_BUF_SHIFT
    st [r5 + NETIF_REQ_OFFSET], r2      ; its half of the page
    li r2, NIC_MAX_PACKET
    st [r5 + NETIF_REQ_LEN], r2         ; room
    RING_ADVANCE_REQ r6, r0
    pop r6
    ret

; netfront_queue(r1 = buf, r2 = len) -> r0 = 0, or -1 (bad length). Copies the packet into the next TX
; buffer and writes its request; kicks first if every buffer is in flight.
netfront_queue:
    push r6
    push r7
    push r8
    mov r6, r1
    mov r7, r2
    cmp r7, 0
    jz .Lbad
    cmp r7, NIC_MAX_PACKET
    ja .Lbad
    ; outstanding = req_prod_pvt - rsp_cons; all buffers busy: send what is queued first
    li r8, netfront_txf
    ld r0, [r8 + FRING_REQ_PVT]
    ld r1, [r8 + FRING_RSP_CONS]
    sub r0, r1
    cmp r0, NETFRONT_TXBUFS
    jb .Lroom
    call netfront_kick
    ld r0, [r8 + FRING_REQ_PVT]
    ld r1, [r8 + FRING_RSP_CONS]
    sub r0, r1
    cmp r0, NETFRONT_TXBUFS
    jae .Lbad                           ; the back-end did not answer: no buffer is free
.Lroom:
    ; buffer = req_prod_pvt mod NETFRONT_TXBUFS
    ld r1, [r8 + FRING_REQ_PVT]
    and r1, NETFRONT_TXBUFS - 1
    shl r1, NETFRONT_BUF_SHIFT
    add r1, netfront_txbufs
    mov r2, r6
    mov r3, r7
    call netfront_copy
    ; the request: id = ring index, the buffer's page grant and offset, the length
    RING_NEXT_REQ r5, r8, r0
    ld r0, [r8 + FRING_REQ_PVT]
    st [r5 + NETIF_REQ_ID], r0
    and r0, NETFRONT_TXBUFS - 1
    mov r1, r0
    shr r1, 1
    shl r1, 2
    ld r1, [r1 + netfront_txbufref]
    st [r5 + NETIF_REQ_GREF], r1
    and r0, 1
    shl r0, NETFRONT_BUF_SHIFT
    st [r5 + NETIF_REQ_OFFSET], r0
    st [r5 + NETIF_REQ_LEN], r7
    RING_ADVANCE_REQ r8, r0
    li r0, 0
    jmp .Lout
.Lbad:
    li r0, -1
.Lout:
    pop r8
    pop r7
    pop r6
    ret

; netfront_kick() -> r0 = packets that failed (0: all sent), or -1 if responses never came.
netfront_kick:
    push r6
    push r7
    push r8
    li r6, netfront_txf
    li r7, 0                            ; failures
    RING_PUSH r6, r0, r1, r2
    cmp r0, 0
    jz .Lcollect
    SPLIT_NOTIFY netfront_port          ; one notification for the whole batch
.Lcollect:
    li r8, SPLIT_POLL_LIMIT
.Lwait:
    ld r0, [r6 + FRING_REQ_PVT]
    ld r1, [r6 + FRING_RSP_CONS]
    cmp r0, r1
    jz .Ldone
    RING_UNCONSUMED r0, r6, r1
    cmp r0, 0
    jnz .Ltake
    sub r8, 1
    cmp r8, 0
    jnz .Lwait
    li r7, -1
    jmp .Ldone
.Ltake:
    RING_NEXT_RSP r1, r6, r0
    ld r0, [r1 + NETIF_RSP_STATUS]
    cmp r0, IF_STATUS_OK
    jz .Lok
    add r7, 1
.Lok:
    RING_ADVANCE_RSP r6, r0
    jmp .Lwait
.Ldone:
    mov r0, r7
    pop r8
    pop r7
    pop r6
    ret

; netfront_send(r1 = buf, r2 = len) -> r0 = len, or -1. One packet, one batch: mini's send().
netfront_send:
    push r6
    mov r6, r2
    call netfront_queue
    cmp r0, 0
    jnz .Lfail
    call netfront_kick
    cmp r0, 0
    jnz .Lfail
    mov r0, r6
    pop r6
    ret
.Lfail:
    li r0, -1
    pop r6
    ret

; netfront_recv(r1 = buf, r2 = max) -> r0 = length of the packet copied to buf (truncated to max),
; 0 if none has arrived, -1 if the back-end returned the buffer with an error. The buffer is reposted.
; With nothing there, it asks for the RX event (rsp_event = rsp_cons + 1) and looks once more, so a
; kernel may wait on the port after a 0.
netfront_recv:
    push r6
    push r7
    push r8
    push r9
    mov r6, r1
    mov r7, r2
    li r8, netfront_rxf
    RING_UNCONSUMED r0, r8, r1
    cmp r0, 0
    jnz .Ltake
    RING_FINAL_CHECK r8, r0, r1
    cmp r0, 0
    jz .Lout                            ; r0 = 0: nothing yet
.Ltake:
    RING_NEXT_RSP r5, r8, r0
    ld r9, [r5 + NETIF_RSP_ID]          ; buffer index
    and r9, NETFRONT_RXBUFS - 1         ; never trust it as more than an index
    ld r0, [r5 + NETIF_RSP_STATUS]
    ld r3, [r5 + NETIF_RSP_LEN]
    RING_ADVANCE_RSP r8, r1
    cmp r0, IF_STATUS_OK
    jz .Lgood
    li r7, -1
    jmp .Lrepost
.Lgood:
    cmp r3, r7
    jae .Lcopy
    mov r7, r3                          ; copy min(len, max)
.Lcopy:
    cmp r7, NIC_MAX_PACKET
    jbe .Lsized
    li r7, NIC_MAX_PACKET
.Lsized:
    mov r2, r9
    shl r2, NETFRONT_BUF_SHIFT
    add r2, netfront_rxbufs
    mov r1, r6
    mov r3, r7
    call netfront_copy
.Lrepost:
    mov r1, r9
    call netfront_post
    RING_PUSH r8, r0, r1, r2
    cmp r0, 0
    jz .Lposted
    SPLIT_NOTIFY netfront_port
.Lposted:
    mov r0, r7
.Lout:
    pop r9
    pop r8
    pop r7
    pop r6
    ret

; netfront_copy(r1 = dst, r2 = src, r3 = len): bytes, so neither side need be aligned.
netfront_copy:
    cmp r3, 0
    jz .Ldone
    ldb r4, [r2]
    stb [r1], r4
    add r1, 1
    add r2, 1
    sub r3, 1
    jmp netfront_copy
.Ldone:
    ret

.data
.align 4
netfront_txref:    .word -1
netfront_rxref:    .word -1
netfront_port:     .word 0
netfront_txbufref: .space NETFRONT_TXPAGES * 4
netfront_rxbufref: .space NETFRONT_RXPAGES * 4
netfront_txf:      .space FRING_SIZE
netfront_rxf:      .space FRING_SIZE

.bss
.align PAGE_SIZE
netfront_txring: .space PAGE_SIZE
netfront_rxring: .space PAGE_SIZE
netfront_txbufs: .space NETFRONT_TXPAGES * PAGE_SIZE
netfront_rxbufs: .space NETFRONT_RXPAGES * PAGE_SIZE
