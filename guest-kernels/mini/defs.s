; defs.s - mini's constants: memory layout, task and trapframe layouts, task states, system-call numbers.
; Only .equ lines (the xv6 param.h / mmu.h / syscall.h of this kernel): it emits no bytes.

.equ NTASK, 3                   ; user tasks, pids 1..NTASK
.equ NVECTOR, 256               ; entries in the vector table
.ifndef TICK_INSNS
.equ TICK_INSNS, 5000           ; timer period in guest instructions (-D TICK_INSNS=n to vary it)
.endif

; --- user virtual address window: one page table (PDE USER_PDE) private to each task ---
; The user program's code is NOT here: it is identity-mapped, shared and read-only, in the kernel's
; low 4 MiB (pages between user_text_start and user_text_end carry PTE_U). Only data lives here,
; at the same virtual address in every task but in different frames: per-task address spaces.
.equ USER_BASE, 0x40000000
.equ USER_PDE, (USER_BASE >> 22) & 0x3ff
.equ USER_DATA, USER_BASE               ; window page 0: the task's data page
.equ USER_SCRATCH, USER_BASE + 0x1000   ; window pages 1..USER_SCRATCH_PAGES: SYS_MAP slots
.equ USER_SCRATCH_PAGES, 8
.equ USER_STACK_PTE, 1023               ; window page 1023: the user stack
.equ USER_TOP, USER_BASE + 0x400000     ; initial user sp
.equ MMIO_PDE, (MEM_MMIO_BASE >> 22) & 0x3ff

; --- the pages each task owns, one block of TASK_PAGES pages in .bss, in this order ---
.equ TP_PGDIR, 0                ; page directory
.equ TP_UPT, 1                  ; page table of the user window
.equ TP_DATA, 2                 ; frame mapped at USER_DATA
.equ TP_STACK, 3                ; frame mapped at the top of the window
.equ TP_SCRATCH, 4              ; frame SYS_MAP moves around the scratch slots
.equ TP_KSTACK, 5               ; kernel stack (cr4 points at its top while the task runs)
.equ TASK_PAGES, 6
.equ TASK_BYTES, TASK_PAGES * PAGE_SIZE

; --- task states ---
.equ T_UNUSED, 0
.equ T_RUNNABLE, 1
.equ T_SLEEPING, 2              ; waits for ticks >= P_WAKE
.equ T_BLOCKED, 3               ; waits at a phase barrier
.equ T_ZOMBIE, 4                ; exited

; --- struct proc (P_SIZE bytes each, array `tasks`) ---
.equ P_STATE, 0
.equ P_PID, 4
.equ P_KSP, 8                   ; kernel sp saved by swtch while the task is switched out
.equ P_PGDIR, 12                ; physical address of its page directory (loaded into cr3)
.equ P_KSTACK, 16               ; top of its kernel stack (loaded into cr4)
.equ P_WAKE, 20                 ; tick at which a sleeper becomes runnable
.equ P_OUTLEN, 24               ; bytes buffered in P_OUT
.equ P_XCODE, 28                ; exit code
.equ P_UPT, 32                  ; its user-window page table
.equ P_SCRATCH, 36              ; its scratch frame
.equ P_OUT, 64                  ; write() output, printed at the next phase barrier
.equ OUTBUF_SIZE, 448
.equ P_SIZE, 512
.equ P_SHIFT, 9                 ; log2(P_SIZE)

; --- trapframe: trap_entry pushes r14..r0 below the CPU's frame, so r0 is at the lowest address ---
.equ TF_R0, 0
.equ TF_R1, 4
.equ TF_R2, 8
.equ TF_R3, 12
.equ TF_NREGS, 15
.equ TF_VEC, TF_NREGS * 4 + FRAME_VECTOR
.equ TF_ERR, TF_NREGS * 4 + FRAME_ERROR
.equ TF_PC, TF_NREGS * 4 + FRAME_PC
.equ TF_FLAGS, TF_NREGS * 4 + FRAME_FLAGS
.equ TF_SP, TF_NREGS * 4 + FRAME_SP
.equ TF_SIZE, TF_NREGS * 4 + FRAME_SIZE

; swtch saves r6..r14 and its return address: the frame a switched-out kernel stack ends with
.equ SWTCH_REGS, 9
.equ SWTCH_FRAME, SWTCH_REGS * 4 + 4

; FLAGS of a task's first return to ring 3: CPL 3, interrupts (mini-pv: events) on
.equ USER_FLAGS, (3 << FLAG_CPL_SHIFT) | FLAG_IF

; --- system calls: int 0x80, number in r0, arguments r1..r3, result in r0 (-1 = error) ---
.equ SYS_WRITE, 0               ; write(buf, len): buffered, printed at the next barrier
.equ SYS_YIELD, 1               ; yield()
.equ SYS_GETPID, 2              ; getpid()
.equ SYS_SLEEP, 3               ; sleep(ticks)
.equ SYS_EXIT, 4                ; exit(code)
.equ SYS_SEND, 5                ; send(buf, len): one packet through the NIC
.equ SYS_BLKREAD, 6             ; blkread(sector, buf): one 512-byte sector
.equ SYS_BLKWRITE, 7            ; blkwrite(sector, buf)
.equ SYS_MAP, 8                 ; map(va): put the scratch frame at a scratch slot
.equ SYS_UNMAP, 9               ; unmap(va)
.equ SYS_BARRIER, 10            ; barrier(phase): wait for every task to finish the phase
.equ SYS_PASS, 11               ; pass(): if I hold the baton, hand it to the next pid, return 1
.equ NSYSCALL, 12

.equ NPHASE, 6                  ; workload phases (names in sched.s)

; --- drivers ---
.equ NTXDESC, 8                 ; NIC transmit descriptors
.equ TXBUF_SHIFT, 11            ; 2 KiB per transmit buffer (NIC_MAX_PACKET)
.equ BLK_NEEDED, (NTASK + 1) * 8   ; sectors the workload touches: task pid uses pid*8 .. pid*8+7
.equ POLL_LIMIT, 100000         ; device polls before a driver gives up
.equ PAGE_MASK_LOW, PAGE_SIZE - 1   ; offset bits of an address
