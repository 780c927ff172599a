; netfront.s - exercise 05: YOUR split net front-end, written with the SDK's ring macros (see the README).
;
; A TX ring of packets to send and an RX ring of posted receive buffers, each one granted page shared
; with the net back-end. Buffers are half pages (NIC_MAX_PACKET bytes), granted once at init: NF_TXBUFS
; for sending (read-only to the back-end), NF_RXBUFS for receiving (writable). TX request i uses
; buffer i mod NF_TXBUFS. nf_init and nf_post are written (nf_post shows how a request is filled);
; the ring logic of nf_queue, nf_kick and nf_recv is yours: look for TODO. The macros are in
; sdk/include/ring.inc (RING_*) and split.inc (SPLIT_NOTIFY); sdk/README.md explains the protocol.

.equ NF_BUF_SHIFT, 11                   ; 2048-byte buffers, two per page
.equ NF_TXBUFS, 8                       ; a power of two, at most RING_SLOTS
.equ NF_RXBUFS, 4
.equ NF_POLLS, 1000                     ; response checks before nf_kick gives up

.text
; nf_init() -> r0 = 0, or a negated HC_ERR: rings, buffer grants, RX buffers posted, an event port, connect.
nf_init:
    push r6
    li r1, nf_txf
    li r2, nf_txring
    RING_FRONT_INIT r1, r2, r3
    li r1, nf_rxf
    li r2, nf_rxring
    RING_FRONT_INIT r1, r2, r3
    SPLIT_GRANT nf_txring, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [nf_txref], r0
    SPLIT_GRANT nf_rxring, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [nf_rxref], r0
    SPLIT_GRANT nf_txbufs, BACKEND_NET, GRANT_FLAG_READONLY
    cmp r0, 0
    jl .Lout
    st [nf_txbufref], r0
    SPLIT_GRANT nf_txbufs + PAGE_SIZE, BACKEND_NET, GRANT_FLAG_READONLY
    cmp r0, 0
    jl .Lout
    st [nf_txbufref + 4], r0
    SPLIT_GRANT nf_txbufs + 2 * PAGE_SIZE, BACKEND_NET, GRANT_FLAG_READONLY
    cmp r0, 0
    jl .Lout
    st [nf_txbufref + 8], r0
    SPLIT_GRANT nf_txbufs + 3 * PAGE_SIZE, BACKEND_NET, GRANT_FLAG_READONLY
    cmp r0, 0
    jl .Lout
    st [nf_txbufref + 12], r0
    SPLIT_GRANT nf_rxbufs, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [nf_rxbufref], r0
    SPLIT_GRANT nf_rxbufs + PAGE_SIZE, BACKEND_NET, 0
    cmp r0, 0
    jl .Lout
    st [nf_rxbufref + 4], r0
    ; post every RX buffer; the back-end sees them when it connects, so no notification is needed
    li r6, 0
.Lpost:
    mov r1, r6
    call nf_post
    add r6, 1
    cmp r6, NF_RXBUFS
    jnz .Lpost
    li r6, nf_rxf
    RING_PUSH r6, r0, r1, r2
    SPLIT_BIND BACKEND_NET
    cmp r0, 0
    jl .Lout
    st [nf_port], r0
    li r1, BACKEND_NET
    ld r2, [nf_txref]
    ld r3, [nf_port]
    ld r4, [nf_rxref]
    HYPERCALL HC_DEVICE_CONNECT
    cmp r0, 0
    jl .Lout
    li r0, 0
.Lout:
    pop r6
    ret

; nf_post(r1 = RX buffer index): write an RX request offering that buffer (not yet published).
nf_post:
    push r6
    li r6, nf_rxf
    RING_NEXT_REQ r5, r6, r0
    st [r5 + NETIF_REQ_ID], r1          ; id = the buffer's index: the response names it
    mov r2, r1
    shr r2, 1
    shl r2, 2
    ld r2, [r2 + nf_rxbufref]
    st [r5 + NETIF_REQ_GREF], r2        ; the grant of the buffer's page
    mov r2, r1
    and r2, 1
    shl r2, NF_BUF_SHIFT
    st [r5 + NETIF_REQ_OFFSET], r2      ; its half of the page
    li r2, NIC_MAX_PACKET
    st [r5 + NETIF_REQ_LEN], r2         ; room
    RING_ADVANCE_REQ r6, r0
    pop r6
    ret

; nf_queue(r1 = buf, r2 = len) -> r0 = 0, or -1 (bad length, or every TX buffer in flight).
; Copies the packet into TX buffer req_prod_pvt mod NF_TXBUFS and writes its request, privately.
nf_queue:
    push r6
    push r7
    push r8
    mov r6, r1
    mov r7, r2
    li r8, nf_txf
    cmp r7, 0
    jz .Lbad
    cmp r7, NIC_MAX_PACKET
    ja .Lbad
    ; requests written and not yet answered-and-consumed each hold a buffer
    RING_FREE r0, r8, r1
    cmp r0, RING_SLOTS - NF_TXBUFS
    jbe .Lbad
    ; the buffer: req_prod_pvt mod NF_TXBUFS
    ld r1, [r8 + FRING_REQ_PVT]
    and r1, NF_TXBUFS - 1
    shl r1, NF_BUF_SHIFT
    add r1, nf_txbufs
    mov r2, r6
    mov r3, r7
    call nf_copy
    ; TODO (part 1): write the request into the next TX slot and advance req_prod_pvt privately:
    ;   RING_NEXT_REQ gives the slot; NETIF_REQ_ID = the ring index (req_prod_pvt), NETIF_REQ_GREF =
    ;   the grant of the buffer's page (nf_txbufref, one word per page), NETIF_REQ_OFFSET = its half of
    ;   the page, NETIF_REQ_LEN = the length (r7); then RING_ADVANCE_REQ. (nf_post does the same for RX.)
    li r0, 0
    jmp .Lout
.Lbad:
    li r0, -1
.Lout:
    pop r8
    pop r7
    pop r6
    ret

; nf_kick() -> r0 = packets that failed (0: all sent), or -1 if the responses never came.
nf_kick:
    ; TODO (part 1): publish the batch with one RING_PUSH and, only if it says the back-end asked
    ;   (rn = 1), notify it once: SPLIT_NOTIFY nf_port. Then collect one response per request
    ;   (RING_UNCONSUMED, RING_NEXT_RSP, NETIF_RSP_STATUS, RING_ADVANCE_RSP) until rsp_cons reaches
    ;   req_prod_pvt, counting those whose status is not IF_STATUS_OK; give up after NF_POLLS empty looks.
    li r0, 0
    ret

; nf_recv(r1 = buf, r2 = max) -> r0 = length of the packet copied to buf (at most max), 0 if none has
; arrived, -1 if the back-end returned the buffer with an error. The buffer is posted again at once.
nf_recv:
    ; TODO (part 2): if a response waits in the RX ring (RING_UNCONSUMED; when there is none, ask for an
    ;   event with RING_FINAL_CHECK and look once more), take it (RING_NEXT_RSP, RING_ADVANCE_RSP): its
    ;   NETIF_RSP_ID is the buffer's index (mask it with NF_RXBUFS - 1: never trust the page), its
    ;   NETIF_RSP_STATUS and NETIF_RSP_LEN say how it went. Copy min(len, max) bytes out of that buffer
    ;   (nf_copy) and return the length (-1 for a bad status).
    ; TODO (part 3): post the buffer again (nf_post), publish it (RING_PUSH) and notify only if asked.
    li r0, 0
    ret

; nf_copy(r1 = dst, r2 = src, r3 = len): bytes, so neither side need be aligned.
nf_copy:
    cmp r3, 0
    jz .Ldone
    ldb r4, [r2]
    stb [r1], r4
    add r1, 1
    add r2, 1
    sub r3, 1
    jmp nf_copy
.Ldone:
    ret

.data
.align 4
nf_txref:    .word -1
nf_rxref:    .word -1
nf_port:     .word 0
nf_txbufref: .space 4 * 4               ; one grant per TX page
nf_rxbufref: .space 2 * 4               ; one grant per RX page
nf_txf:      .space FRING_SIZE          ; the TX ring's private indices
nf_rxf:      .space FRING_SIZE          ; the RX ring's

.bss
.align PAGE_SIZE
nf_txring: .space PAGE_SIZE
nf_rxring: .space PAGE_SIZE
nf_txbufs: .space 4 * PAGE_SIZE
nf_rxbufs: .space 2 * PAGE_SIZE
