; boot.s - ring-0 entry: own stack, banner, trap vectors, page tables, paging on, devices, tasks; then task 1.
;
; The CPU starts here at CPL 0 with IF = 0 and paging off, so physical = virtual until vm_enable,
; and since the kernel maps itself 1:1 nothing moves when paging comes on.

.text
.global _start
_start:
    li sp, boot_stack_top       ; a stack inside the image, not wherever top-of-RAM happens to be
    li r1, msg_boot
    call kputs
    call trap_init              ; all 256 vectors -> trap_entry, then lidt
    call vm_init                ; kernel page table (1:1, supervisor), MMIO page table, kernel page directory
    call task_init              ; each task: address space, kernel stack holding its first trapframe
    call vm_enable              ; cr3, then cr0.PG
    li r1, msg_paging
    call kputs
    call nic_init               ; transmit ring, device enabled, no interrupts (the driver polls)
    call blk_init
    call timer_init             ; periodic tick, timer line unmasked; IF stays 0 until the first iret
    li r1, msg_start
    call kputs
    li r1, NTASK
    call kputdec
    li r1, msg_tasks
    call kputs
    jmp sched_start             ; never returns: iret into task 1 at ring 3

.data
msg_boot:   .asciz "mini: VX32 kernel booting\n"
msg_paging: .asciz "mini: paging on, page 0 unmapped, kernel supervisor-only\n"
msg_start:  .asciz "mini: starting "
msg_tasks:  .asciz " user tasks at ring 3\n"

.bss
.align 16
boot_stack:     .space 1024     ; used until sched_start switches to task 1's kernel stack
boot_stack_top:
