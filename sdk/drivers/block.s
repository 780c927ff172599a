; block.s - split block front-end: BLKIF requests on a shared ring, data in one granted page, one notify per batch.
;
; The kernel copies sector data into or out of blkfront_data (PAGE_SIZE bytes, granted writable to the
; block back-end at init: a persistent grant, so no grant hypercall per request). A request names
; sectors and an offset in that page. Queue any number of requests (up to RING_SLOTS), then kick:
; one RING_PUSH publishes them all, one EVTCHN_SEND at most wakes the back-end, and the responses are
; collected by polling the ring (rsp_event is left alone, so the back-end never interrupts us).
; Needs vx32.inc and split.inc included first (see split.inc).

.ifndef SPLIT_INC
.error "block.s: include split.inc before the drivers"
.endif

.text
; blkfront_init() -> r0 = the disk's capacity in sectors, or a negated HC_ERR.
blkfront_init:
    li r1, blkfront_fring
    li r2, blkfront_ring
    RING_FRONT_INIT r1, r2, r3
    SPLIT_GRANT blkfront_ring, BACKEND_BLOCK, 0
    cmp r0, 0
    jl .Lout
    st [blkfront_ringref], r0
    SPLIT_GRANT blkfront_data, BACKEND_BLOCK, 0     ; writable: reads land in it
    cmp r0, 0
    jl .Lout
    st [blkfront_dataref], r0
    SPLIT_BIND BACKEND_BLOCK
    cmp r0, 0
    jl .Lout
    st [blkfront_port], r0
    ; connect: the block back-end answers with the capacity
    li r1, BACKEND_BLOCK
    ld r2, [blkfront_ringref]
    ld r3, [blkfront_port]
    li r4, 0
    li r0, HC_DEVICE_CONNECT
    hcall
    cmp r0, 0
    jl .Lout
    st [blkfront_sectors], r0
.Lout:
    ret

; blkfront_queue(r1 = BLKIF_OP_*, r2 = first sector, r3 = sectors, r4 = byte offset in blkfront_data)
; -> r0 = 0, or -1 if the ring is full (kick first). The request is not yet visible to the back-end.
blkfront_queue:
    push r6
    li r6, blkfront_fring
    RING_FREE r0, r6, r5
    cmp r0, 0
    jz .Lfull
    RING_NEXT_REQ r5, r6, r0
    ld r0, [r6 + FRING_REQ_PVT]
    st [r5 + BLKIF_REQ_ID], r0          ; id = ring index: responses come back in order anyway
    st [r5 + BLKIF_REQ_OP], r1
    st [r5 + BLKIF_REQ_SECTOR], r2
    st [r5 + BLKIF_REQ_COUNT], r3
    ld r0, [blkfront_dataref]
    st [r5 + BLKIF_REQ_GREF], r0
    st [r5 + BLKIF_REQ_OFFSET], r4
    RING_ADVANCE_REQ r6, r0
    li r0, 0
    pop r6
    ret
.Lfull:
    li r0, -1
    pop r6
    ret

; blkfront_kick() -> r0 = requests that failed (0: all done), or -1 if responses never came.
; Publishes every queued request, notifies the back-end if it asked, and collects every response.
blkfront_kick:
    push r6
    push r7
    push r8
    li r6, blkfront_fring
    li r7, 0                            ; failures
    RING_PUSH r6, r0, r1, r2
    cmp r0, 0
    jz .Lcollect                        ; the back-end is still busy with an earlier batch: no notify
    SPLIT_NOTIFY blkfront_port
.Lcollect:
    li r8, SPLIT_POLL_LIMIT
.Lwait:
    ; done when every request written has its response consumed
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
    li r7, -1                           ; the back-end never answered
    jmp .Ldone
.Ltake:
    RING_NEXT_RSP r1, r6, r0
    ld r0, [r1 + BLKIF_RSP_STATUS]
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

; blkfront_rw(r1 = BLKIF_OP_*, r2 = sector, r3 = byte offset in blkfront_data) -> r0 = 0, or -1.
; One sector, one batch: the split counterpart of mini's blk_rw.
blkfront_rw:
    mov r4, r3
    li r3, 1
    call blkfront_queue
    cmp r0, 0
    jnz .Lfail
    call blkfront_kick
    cmp r0, 0
    jnz .Lfail
    ret
.Lfail:
    li r0, -1
    ret

.data
.align 4
blkfront_ringref: .word -1
blkfront_dataref: .word -1
blkfront_port:    .word 0
blkfront_sectors: .word 0       ; capacity reported at connect
blkfront_fring:   .space FRING_SIZE

.bss
.align PAGE_SIZE
blkfront_ring: .space PAGE_SIZE     ; the shared ring, granted to the block back-end
blkfront_data: .space PAGE_SIZE     ; the data page, granted writable to the block back-end
