; vm.s - page tables: the kernel's 1:1 map, the MMIO map, per-task address spaces, paging on, and map/unmap.
;
; Every address space shares two page-directory entries with the kernel's:
;   PDE 0        -> kpt: virtual = physical for the first 4 MiB. Kernel pages are supervisor-only
;                   (no PTE_U); page 0 is not present so null pointers fault; the pages of the user
;                   program (user_text_start..user_text_end) are PTE_U and read-only. The PDE itself
;                   has PTE_U because access needs U at both levels: the PTEs decide.
;   PDE MMIO_PDE -> mmio_pt: the block device and NIC registers, supervisor-only.
; and has one of its own:
;   PDE USER_PDE -> the task's user-window page table: data page, scratch slots, stack page.

.text
; vm_init(): build kpt, mmio_pt and the kernel page directory (paging still off).
vm_init:
    li r1, kpt
    li r2, 0                    ; page number = frame number
.Lpage:
    mov r3, r2
    shl r3, PAGE_SHIFT
    cmp r2, 0
    jz .Lnull
    cmp r3, user_text_start
    jb .Lkernel
    cmp r3, user_text_end
    jae .Lkernel
    or r3, PTE_P | PTE_U        ; the shared user program: ring 3 may read and run it, nobody writes it
    jmp .Lset
.Lkernel:
    or r3, PTE_P | PTE_W        ; kernel code and data: supervisor only
    jmp .Lset
.Lnull:
    li r3, 0                    ; page 0 stays unmapped
.Lset:
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, 1024
    jnz .Lpage
    li r1, mmio_pt
    li r2, MEM_BLOCK_MMIO | PTE_P | PTE_W
    st [r1], r2
    li r2, MEM_NIC_MMIO | PTE_P | PTE_W
    st [r1 + 4], r2
    li r1, kpgdir
    li r2, kpt | PTE_P | PTE_W | PTE_U
    st [r1], r2
    li r2, mmio_pt | PTE_P | PTE_W
    st [r1 + MMIO_PDE * 4], r2
    ret

; vm_enable(): load the kernel page directory and turn paging on. The kernel is mapped 1:1, so
; the next instruction fetch finds itself at the same address.
vm_enable:
    li r1, kpgdir
    mov cr3, r1
    mov r1, cr0
    or r1, CR0_PG
    mov cr0, r1
    ret

; uvm_create(r1 = proc): the task's page directory and user-window page table, from its pages.
uvm_create:
    push r6
    mov r6, r1
    ld r1, [r6 + P_PGDIR]
    li r2, PAGE_SIZE
    call memzero
    ld r1, [r6 + P_UPT]
    li r2, PAGE_SIZE
    call memzero
    ld r1, [r6 + P_PGDIR]
    ld r2, [kpgdir]
    st [r1], r2                             ; the shared low 4 MiB
    ld r2, [kpgdir + MMIO_PDE * 4]
    st [r1 + MMIO_PDE * 4], r2              ; device registers
    ld r2, [r6 + P_UPT]
    or r2, PTE_P | PTE_W | PTE_U
    st [r1 + USER_PDE * 4], r2              ; the user window
    ld r1, [r6 + P_UPT]
    ld r2, [r6 + P_PGDIR]
    add r2, TP_DATA * PAGE_SIZE
    or r2, PTE_P | PTE_W | PTE_U
    st [r1], r2                             ; USER_DATA
    ld r2, [r6 + P_PGDIR]
    add r2, TP_STACK * PAGE_SIZE
    or r2, PTE_P | PTE_W | PTE_U
    st [r1 + USER_STACK_PTE * 4], r2        ; the stack page under USER_TOP
    pop r6
    ret

; scratch_pte(r1 = va) -> r0 = address of the current task's PTE for va, or 0 if va is not a
; page-aligned scratch slot (a task may only move its scratch frame among its own slots).
scratch_pte:
    li r0, 0
    test r1, PAGE_MASK_LOW
    jnz .Lout
    cmp r1, USER_SCRATCH
    jb .Lout
    cmp r1, USER_SCRATCH + USER_SCRATCH_PAGES * PAGE_SIZE
    jae .Lout
    mov r0, r1
    sub r0, USER_BASE
    shr r0, PAGE_SHIFT - 2      ; page index * 4
    ld r2, [cur_proc]
    ld r2, [r2 + P_UPT]
    add r0, r2
.Lout:
    ret

; map(r1 = va): map the caller's scratch frame at scratch slot va. 0, or -1 if va is not a free slot.
; A not-present entry is never cached by the TLB, so no invlpg is needed.
sys_map:
    call scratch_pte
    cmp r0, 0
    jz .Lfail
    ld r2, [r0]
    test r2, PTE_P
    jnz .Lfail
    ld r2, [cur_proc]
    ld r2, [r2 + P_SCRATCH]
    or r2, PTE_P | PTE_W | PTE_U
    st [r0], r2
    li r0, 0
    ret
.Lfail:
    li r0, -1
    ret

; unmap(r1 = va): remove the mapping at scratch slot va and evict its TLB entry. 0, or -1.
sys_unmap:
    push r6
    mov r6, r1
    call scratch_pte
    cmp r0, 0
    jz .Lfail
    ld r2, [r0]
    test r2, PTE_P
    jz .Lfail
    li r2, 0
    st [r0], r2
    invlpg r6                   ; the old translation may still be in the TLB
    li r0, 0
    pop r6
    ret
.Lfail:
    li r0, -1
    pop r6
    ret

.bss
.align PAGE_SIZE
kpgdir:  .space PAGE_SIZE       ; used from vm_enable until the first task runs
kpt:     .space PAGE_SIZE
mmio_pt: .space PAGE_SIZE
