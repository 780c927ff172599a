; boot.s - ring-1 entry: start info, own stack, banner, trap vectors, page tables, paging on, devices, tasks; then task 1.
;
; PV: the VMM starts the kernel at ring 1 with events masked (the virtual IF = 0) on its own map of
; the domain's RAM, so virtual = pseudo-physical until vm_enable, and r1 = the start-info page.
; Since the kernel maps itself 1:1 nothing moves when its own tables take over.

.text
.global _start
_start:
    li sp, boot_stack_top       ; a stack inside the image, not wherever top-of-RAM happens to be
    call pv_start               ; PV: shared-info address, machine base, device model (r1 = start info)
    li r1, msg_boot
    call kputs
    call trap_init              ; all 256 vectors -> trap_entry, then set_trap_table
    call vm_init                ; kernel page table (1:1, supervisor), MMIO page table, kernel page directory
    call task_init              ; each task: address space, kernel stack holding its first trapframe
    call vm_enable              ; new_baseptr: the VMM validates and pins the tables, then loads them
    li r1, msg_paging
    call kputs
    call nic_init               ; transmit ring, device enabled, no interrupts (the driver polls)
    call blk_init
    call timer_init             ; VIRQ_TIMER on a port, periodic; events stay masked until the first return to ring 3
    li r1, msg_start
    call kputs
    li r1, NTASK
    call kputdec
    li r1, msg_tasks
    call kputs
    jmp sched_start             ; never returns: the return gate into task 1 at ring 3

; pv_start(r1 = start info): PV only. Record where the shared-info page is (this kernel maps its
; first 4 MiB 1:1, so its virtual address is its pseudo-physical one), the machine address of
; pseudo-physical 0 (page-table entries hold machine frames), and whether the VMM lets it map the
; emulated devices' registers (--devices emulated) or offers split devices instead (--devices split:
; then the console, block and NIC drivers are the SDK's front-ends, and the console connects here).
pv_start:
    ld r2, [r1 + START_INFO_MAGIC]
    li r3, PV_START_MAGIC
    cmp r2, r3
    jnz .Lbad
    st [pv_start_info], r1      ; read-only in the kernel's map (vm_init)
    ld r2, [r1 + START_INFO_SHARED_INFO]
    cmp r2, KERNEL_WINDOW
    jae .Lbad                   ; outside the 1:1 window: run with --ram 4M or less
    st [pv_shinfo], r2
    ld r2, [r1 + START_INFO_MACHINE_BASE]
    st [machine_base], r2
    HYPERCALL HC_FEATURES
    mov r2, r0
    and r2, PV_FEATURE_SPLIT_DEVICES
    st [pv_split], r2
    and r0, PV_FEATURE_DEVICE_MMIO
    st [pv_mmio], r0
    cmp r2, 0
    jz .Lout
    call consfront_init         ; PV split: the console ring first, so that the banner goes through it
.Lout:
    ret
.Lbad:
    li r1, 2
    HYPERCALL HC_SHUTDOWN

.data
msg_boot:   .asciz "mini: VX32 kernel booting\n"
msg_paging: .asciz "mini: paging on, page 0 unmapped, kernel supervisor-only\n"
msg_start:  .asciz "mini: starting "
msg_tasks:  .asciz " user tasks at ring 3\n"

.align 4
pv_start_info: .word 0          ; PV: pseudo-physical address of the start-info page (also its VA)
pv_shinfo:    .word 0           ; PV: virtual address of the shared-info page (hypercall.inc's macros use it)
machine_base: .word 0           ; PV: machine address of pseudo-physical 0
pv_mmio:      .word 0           ; PV: non-zero if the device registers may be mapped (--devices emulated)
pv_split:     .word 0           ; PV: non-zero if the VMM offers split back-ends (--devices split)

.bss
.align 16
boot_stack:     .space 1024     ; used until sched_start switches to task 1's kernel stack
boot_stack_top:
