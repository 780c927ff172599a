; vm.s - page tables: the kernel's 1:1 map, the MMIO map, per-task address spaces, paging on, and map/unmap.
;
; Every address space shares two page-directory entries with the kernel's:
;   PDE 0        -> kpt: virtual = pseudo-physical for the first 4 MiB. Kernel pages are supervisor-only
;                   (no PTE_U); page 0 is not present so null pointers fault; the pages of the user
;                   program (user_text_start..user_text_end) are PTE_U and read-only. The PDE itself
;                   has PTE_U because access needs U at both levels: the PTEs decide.
;   PDE MMIO_PDE -> mmio_pt: the block device and NIC registers, supervisor-only.
; and has one of its own:
;   PDE USER_PDE -> the task's user-window page table: data page, scratch slots, stack page.
;
; PV (direct paging): entries hold MACHINE frames (pseudo-physical + machine_base), and the real CPU
; walks these tables. The VMM validates them when a directory is first loaded (new_baseptr) or pinned
; (mmu_update PIN_DIRECTORY): only frames this domain owns, and no page used as a page table may be
; writable through any entry, so kpt maps every page-table page read-only, and the start-info page too
; (the VMM's page: the kernel reads it, never writes it; the shared-info page stays writable). After
; that the tables change only through mmu_update and update_va_mapping. The device registers are
; mapped only where the VMM allows it (--devices emulated, PV_FEATURE_DEVICE_MMIO); each access then
; traps to its model.

.text
; vm_init(): build kpt, mmio_pt and the kernel page directory (the VMM's boot map still in use).
vm_init:
    push r6
    ld r6, [machine_base]
    li r1, kpt
    li r2, 0                    ; page number = pseudo-physical frame number
.Lpage:
    mov r3, r2
    shl r3, PAGE_SHIFT
    cmp r2, 0
    jz .Lnull
    mov r1, r3
    call is_table               ; PV: a page-table page is never writable
    ld r4, [pv_start_info]
    cmp r3, r4
    jnz .Lnotinfo
    li r0, 1                    ; PV: nor is the VMM's start-info page (the kernel only reads it)
.Lnotinfo:
    mov r1, r2
    shl r1, 2
    add r1, kpt                 ; r1 = &kpt[page]
    cmp r0, 0
    jnz .Ltable
    cmp r3, user_text_start
    jb .Lkernel
    cmp r3, user_text_end
    jae .Lkernel
    add r3, r6                  ; PV: machine frame
    or r3, PTE_P | PTE_U        ; the shared user program: ring 3 may read and run it, nobody writes it
    jmp .Lset
.Ltable:
    add r3, r6
    or r3, PTE_P                ; PV: the kernel reads its tables; it writes them through the VMM
    jmp .Lset
.Lkernel:
    add r3, r6
    or r3, PTE_P | PTE_W        ; kernel code and data: supervisor only
    jmp .Lset
.Lnull:
    li r3, 0                    ; page 0 stays unmapped
    li r1, kpt
.Lset:
    st [r1], r3
    add r2, 1
    cmp r2, 1024
    jnz .Lpage
    li r1, kpgdir
    li r2, kpt | PTE_P | PTE_W | PTE_U
    add r2, r6
    st [r1], r2
    ld r2, [pv_mmio]
    cmp r2, 0
    jz .Lout                    ; PV: no device registers to map (split devices)
    li r1, mmio_pt
    li r2, MEM_BLOCK_MMIO | PTE_P | PTE_W
    st [r1], r2
    li r2, MEM_NIC_MMIO | PTE_P | PTE_W
    st [r1 + 4], r2
    li r1, kpgdir
    li r2, mmio_pt | PTE_P | PTE_W
    add r2, r6
    st [r1 + MMIO_PDE * 4], r2
.Lout:
    pop r6
    ret

; is_table(r1 = pseudo-physical page address) -> r0 = 1 if the page is one of the kernel's page
; tables or directories (kpgdir, kpt, mmio_pt, each task's TP_PGDIR and TP_UPT page), else 0.
; PV: these are the pages kpt must map read-only. Preserves r2 and r3.
is_table:
    li r0, 1
    cmp r1, kpgdir
    jb .Ltask
    cmp r1, mmio_pt
    jbe .Lyes
.Ltask:
    li r0, 0
    cmp r1, task_pages
    jb .Lyes
    cmp r1, task_pages + NTASK * TASK_BYTES
    jae .Lyes
    mov r4, r1
    sub r4, task_pages
    shr r4, PAGE_SHIFT
    mod r4, TASK_PAGES          ; which page of its task's block
    cmp r4, TP_PGDIR
    jz .Lone
    cmp r4, TP_UPT
    jnz .Lyes
.Lone:
    li r0, 1
.Lyes:
    ret

; vm_enable(): pin every task's directory (and with it its tables) in one batched mmu_update, then
; load the kernel directory with new_baseptr. PV: the VMM validates each table once, here, instead of
; at every context switch; the kernel is mapped 1:1, so the next fetch finds itself at the same address.
vm_enable:
    push r6
    ld r6, [machine_base]
    li r1, tasks
    li r2, pin_reqs
    li r3, 0
.Lreq:
    ld r4, [r1 + P_PGDIR]
    add r4, r6
    or r4, MMU_CMD_PIN_DIRECTORY    ; the command rides in the low bits of the pointer
    st [r2 + MMU_REQ_PTR], r4
    add r1, P_SIZE
    add r2, MMU_REQ_SIZE
    add r3, 1
    cmp r3, NTASK
    jnz .Lreq
    li r1, pin_reqs
    li r2, NTASK
    HYPERCALL HC_MMU_UPDATE
    cmp r0, NTASK
    jnz .Lrefused
    li r1, kpgdir
    add r1, r6
    HYPERCALL HC_NEW_BASEPTR        ; was: mov cr3; mov cr0 with PG
    cmp r0, 0
    jnz .Lrefused
    pop r6
    ret
.Lrefused:
    li r1, msg_vmrefused
    call kputs
    li r1, 1
    HYPERCALL HC_SHUTDOWN

; uvm_create(r1 = proc): the task's page directory and user-window page table, from its pages.
; PV: plain stores, since nothing is pinned before vm_enable; entries hold machine frames.
uvm_create:
    push r6
    push r7
    mov r6, r1
    ld r7, [machine_base]
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
    add r2, r7
    or r2, PTE_P | PTE_W | PTE_U
    st [r1 + USER_PDE * 4], r2              ; the user window
    ld r1, [r6 + P_UPT]
    ld r2, [r6 + P_PGDIR]
    add r2, TP_DATA * PAGE_SIZE
    add r2, r7
    or r2, PTE_P | PTE_W | PTE_U
    st [r1], r2                             ; USER_DATA
    ld r2, [r6 + P_PGDIR]
    add r2, TP_STACK * PAGE_SIZE
    add r2, r7
    or r2, PTE_P | PTE_W | PTE_U
    st [r1 + USER_STACK_PTE * 4], r2        ; the stack page under USER_TOP
    pop r7
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
; PV: the PTE is written by mmu_update, given its machine address, and validated by the VMM.
sys_map:
    call scratch_pte
    cmp r0, 0
    jz .Lfail
    ld r2, [r0]
    test r2, PTE_P
    jnz .Lfail
    ld r2, [cur_proc]
    ld r2, [r2 + P_SCRATCH]
    ld r3, [machine_base]
    add r2, r3
    or r2, PTE_P | PTE_W | PTE_U
    add r0, r3                  ; the PTE's machine address
    sub sp, MMU_REQ_SIZE
    st [sp + MMU_REQ_PTR], r0   ; MMU_CMD_NORMAL_PT_UPDATE is 0: no bits to add
    st [sp + MMU_REQ_VAL], r2
    mov r1, sp
    li r2, 1
    HYPERCALL HC_MMU_UPDATE     ; was: st [r0], r2
    add sp, MMU_REQ_SIZE
    cmp r0, 1
    jnz .Lfail
    li r0, 0
    ret
.Lfail:
    li r0, -1
    ret

; unmap(r1 = va): remove the mapping at scratch slot va and evict its TLB entry. 0, or -1.
; PV: update_va_mapping clears the PTE and evicts the page in one hypercall (was st + invlpg).
sys_unmap:
    push r6
    mov r6, r1
    call scratch_pte
    cmp r0, 0
    jz .Lfail
    ld r2, [r0]
    test r2, PTE_P
    jz .Lfail
    mov r1, r6
    li r2, 0
    li r3, UVM_INVLPG
    HYPERCALL HC_UPDATE_VA_MAPPING
    cmp r0, 0
    jnz .Lfail
    li r0, 0
    pop r6
    ret
.Lfail:
    li r0, -1
    pop r6
    ret

.data
msg_vmrefused: .asciz "mini: panic: the VMM refused the page tables\n"

.bss
.align PAGE_SIZE
kpgdir:  .space PAGE_SIZE       ; used from vm_enable until the first task runs
kpt:     .space PAGE_SIZE
mmio_pt: .space PAGE_SIZE
.align 4
pin_reqs: .space NTASK * MMU_REQ_SIZE   ; PV: vm_enable's batch
