; blk.s - the block-device driver: program SECTOR, DMA_ADDR, COUNT and CMD, poll STATUS; and blkread()/blkwrite().
;
; PV: under --devices split, each request goes to the SDK's block front-end (sdk/drivers/block.s): the
; sector moves through its granted data page, which serves as the bounce buffer, and one request is
; one ring batch and one notification. Under --devices emulated, mini's own driver of the emulated
; block device, kept as it was (its registers are mapped only then, and every register access traps
; to the VMM's model), with the critical section on the event mask. DMA addresses are
; pseudo-physical, which is what the VMM's device model takes.
;
; DMA goes through a kernel bounce buffer (1:1 mapped, so its address is guest-physical); the
; calls copy between it and the task's buffer, which lives in the task's own address space.

.text
; blk_init(): record the capacity and clear any stale completion.
blk_init:
    ld r1, [pv_split]
    cmp r1, 0
    jz .Lemulated
    li r1, blkfront_data        ; PV split: the granted data page is the bounce buffer
    st [blk_bounce_at], r1
    call blkfront_init          ; the capacity, or a negated error
    mov r1, r0
    cmp r1, 0
    jge .Lsplitcap
    li r1, 0
.Lsplitcap:
    st [blk_capacity], r1
    jmp .Lcheck
.Lemulated:
    li r1, 0
    ld r2, [pv_mmio]
    cmp r2, 0
    jz .Lcap                    ; PV: no device registers mapped: no disk
    li r5, MEM_BLOCK_MMIO
    ld r1, [r5 + BLK_CAPACITY]
.Lcap:
    st [blk_capacity], r1
    cmp r2, 0
    jz .Lcheck
    li r1, 1
    st [r5 + BLK_INT_ACK], r1
.Lcheck:
    ld r1, [blk_capacity]
    cmp r1, BLK_NEEDED
    jae .Lok
    li r1, msg_nodisk           ; say why the I/O phase will report failures
    call kputs
.Lok:
    ret

; blk_rw(r1 = command, r2 = sector, r3 = physical buffer) -> r0 = 0, or -1 on a device error.
; Under --devices split the buffer is always blkfront_data (offset 0), and BLK_CMD_* equal BLKIF_OP_*.
.if (BLK_CMD_READ != BLKIF_OP_READ) | (BLK_CMD_WRITE != BLKIF_OP_WRITE)
.error "blk.s: BLK_CMD_* and BLKIF_OP_* must agree"
.endif
blk_rw:
    EVT_MASK_SAVE               ; critical section: one request at a time on the shared registers (split: the ring)
    ld r4, [pv_split]
    cmp r4, 0
    jz .Lmmio
    li r3, 0                    ; offset in the granted page
    call blkfront_rw
    jmp .Lout
.Lmmio:
    li r5, MEM_BLOCK_MMIO
    st [r5 + BLK_SECTOR], r2
    st [r5 + BLK_DMA_ADDR], r3
    li r4, 1
    st [r5 + BLK_COUNT], r4
    st [r5 + BLK_CMD], r1       ; start
    li r4, POLL_LIMIT
.Lpoll:
    ld r2, [r5 + BLK_STATUS]
    test r2, BLK_STATUS_DONE
    jnz .Ldone
    sub r4, 1
    cmp r4, 0
    jnz .Lpoll
    li r0, -1                   ; never completed
    jmp .Lout
.Ldone:
    li r0, 0
    test r2, BLK_STATUS_ERROR
    jz .Lack
    li r0, -1
.Lack:
    li r4, 1
    st [r5 + BLK_INT_ACK], r4   ; clear done/error for the next request
.Lout:
    EVT_MASK_RESTORE
    ret

; blk_check(r1 = sector, r2 = user buf) -> r0 = 0 if both are acceptable, else -1.
blk_check:
    push r6
    mov r6, r1
    mov r1, r2
    li r2, BLK_SECTOR_SIZE
    call check_user
    cmp r0, 0
    jnz .Lout
    ld r1, [blk_capacity]
    cmp r6, r1
    jb .Lout
    li r0, -1
.Lout:
    pop r6
    ret

; blkwrite(r1 = sector, r2 = buf)
sys_blkwrite:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
    call blk_check
    cmp r0, 0
    jnz .Lout
    ld r1, [blk_bounce_at]
    mov r2, r7
    li r3, BLK_SECTOR_SIZE
    call memcpy
    li r1, BLK_CMD_WRITE
    mov r2, r6
    ld r3, [blk_bounce_at]
    call blk_rw
.Lout:
    pop r7
    pop r6
    ret

; blkread(r1 = sector, r2 = buf)
sys_blkread:
    push r6
    push r7
    mov r6, r1
    mov r7, r2
    call blk_check
    cmp r0, 0
    jnz .Lout
    li r1, BLK_CMD_READ
    mov r2, r6
    ld r3, [blk_bounce_at]
    call blk_rw
    cmp r0, 0
    jnz .Lout
    mov r1, r7
    ld r2, [blk_bounce_at]
    li r3, BLK_SECTOR_SIZE
    call memcpy
    li r0, 0
.Lout:
    pop r7
    pop r6
    ret

.data
msg_nodisk: .asciz "mini: warning: the disk is missing or too small (attach one with --block); block I/O will fail\n"
.align 4
blk_capacity: .word 0           ; sectors; requests beyond it are refused
blk_bounce_at: .word blk_bounce ; PV: the bounce buffer (split: the front-end's granted data page)

.bss
.align 16
blk_bounce: .space BLK_SECTOR_SIZE
