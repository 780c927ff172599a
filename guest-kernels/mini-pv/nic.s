; nic.s - the NIC driver: a transmit descriptor ring in kernel memory, doorbell on TDT, poll for DD; and send().
;
; PV: under --devices split, send() hands the packet to the SDK's net front-end (sdk/drivers/net.s): a
; copy into a granted TX buffer, one ring request and one notification. Under --devices emulated,
; mini's own driver of the emulated NIC, kept as it was (its registers are mapped only then, and every
; register access traps to the VMM's model), with the critical section on the event mask.
;
; The ring and the buffers live in the kernel's 1:1 map, so their virtual addresses are the
; guest-physical addresses the device's DMA wants. The driver polls; the NIC's interrupt stays off.

.text
; nic_init(): point the device at the ring and enable it.
nic_init:
    ld r1, [pv_split]
    cmp r1, 0
    jz .Lemulated
    jmp netfront_init           ; PV split: rings, buffer grants, connect
.Lemulated:
    ld r1, [pv_mmio]
    cmp r1, 0
    jz .Lnone                   ; PV: no NIC registers mapped, send() reports failure
    li r5, MEM_NIC_MMIO
    li r1, 0
    st [r5 + NIC_IMS], r1       ; no interrupt causes
    li r1, tx_ring
    st [r5 + NIC_TDBA], r1
    li r1, NTXDESC
    st [r5 + NIC_TDLEN], r1
    li r1, 0
    st [r5 + NIC_TDH], r1
    st [r5 + NIC_TDT], r1
    li r1, NIC_CTRL_ENABLE
    st [r5 + NIC_CTRL], r1
.Lnone:
    ret

; send(r1 = buf, r2 = len): copy the packet from the task into the next transmit buffer, hand the
; descriptor to the device and wait until it is written back. Returns len, or -1.
sys_send:
    push r6
    push r7
    push r8
    mov r6, r1
    mov r7, r2
    cmp r7, 0
    jz .Lbad
    cmp r7, NIC_MAX_PACKET
    ja .Lbad
    ld r1, [pv_mmio]
    ld r2, [pv_split]
    or r1, r2
    cmp r1, 0
    jz .Lbad
    mov r1, r6                  ; PV: check_user wants buf, len again
    mov r2, r7
    call check_user
    cmp r0, 0
    jnz .Lbad
    ld r1, [pv_split]
    cmp r1, 0
    jz .Lmmio
    EVT_MASK_SAVE               ; critical section: the TX ring is shared by every sender
    mov r1, r6
    mov r2, r7
    call netfront_send          ; len, or -1
    EVT_MASK_RESTORE
    pop r8
    pop r7
    pop r6
    ret
.Lmmio:
    EVT_MASK_SAVE               ; critical section: the ring and tx_tail are shared by every sender
    ld r8, [tx_tail]
    mov r1, r8
    shl r1, TXBUF_SHIFT
    add r1, tx_bufs             ; this descriptor's buffer
    mov r2, r6
    mov r3, r7
    call memcpy
    mov r2, r8
    shl r2, TXBUF_SHIFT
    add r2, tx_bufs
    shl r8, 4                   ; descriptor offset: index * NIC_DESC_SIZE
    add r8, tx_ring             ; r8 = the descriptor
    st [r8 + NIC_DESC_ADDR], r2
    sth [r8 + NIC_DESC_LEN], r7
    li r1, NIC_DESC_CMD_EOP
    stb [r8 + NIC_DESC_CMD], r1
    li r1, 0
    stb [r8 + NIC_DESC_STATUS], r1
    ld r1, [tx_tail]
    add r1, 1
    mod r1, NTXDESC
    st [tx_tail], r1
    li r5, MEM_NIC_MMIO
    st [r5 + NIC_TDT], r1       ; doorbell: the device owns descriptors up to the new tail
    li r3, POLL_LIMIT
.Lpoll:
    ldb r1, [r8 + NIC_DESC_STATUS]
    test r1, NIC_DESC_STATUS_DD
    jnz .Lsent
    sub r3, 1
    cmp r3, 0
    jnz .Lpoll
    EVT_MASK_RESTORE
    jmp .Lbad                   ; the device never wrote it back
.Lsent:
    EVT_MASK_RESTORE
    mov r0, r7
    pop r8
    pop r7
    pop r6
    ret
.Lbad:
    li r0, -1
    pop r8
    pop r7
    pop r6
    ret

.data
.align 4
tx_tail: .word 0                ; next descriptor the driver fills

.bss
.align 16
tx_ring: .space NTXDESC * NIC_DESC_SIZE
.align 4
tx_bufs: .space NTXDESC << TXBUF_SHIFT
