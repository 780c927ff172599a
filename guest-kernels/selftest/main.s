; main.s - the in-guest self-test kernel: runs a table of CPU, trap and paging cases and reports each through the test ports.
;
; Each case is a function that returns r0 = 0 when every check passed. A failing check jumps to
; case_fail with r0 = its check id, and an unexpected trap aborts the case with r0 = 1000 + vector;
; both restore the runner's stack, so a broken case cannot take the others down. For each case the
; runner writes its number to PORT_TEST_PASS or PORT_TEST_FAIL and prints a line; at the end it
; prints a summary and powers off with the number of failures as the status.
;
; Expected traps: a case stores where to resume in trap_resume before the trapping instruction;
; trap_any records the frame (t_vec, t_err, t_pc, t_flags, t_sp, t_cr2, t_hsp), points the saved pc
; at the resume address and irets (to ring 3 if the trap came from there).

.include "vx32.inc"

.equ NVECTOR, 256
.equ TEST_VA, 0x00200000        ; not present unless a case maps it
.equ RO_PAGE, 0x00201000        ; present, read-only, supervisor
.equ FRAME_A, 0x00210000        ; two frames with markers, for the paging cases
.equ FRAME_B, 0x00211000
.equ MARK_A, 0xaaaa0001
.equ MARK_B, 0xbbbb0002
.equ TEST_PTE, pt0 + (TEST_VA >> PAGE_SHIFT) * 4
.equ VEC_USER_EXIT, 0x81        ; ring 3 -> back to the case that entered it
.equ VEC_ARM, 0x82              ; ring 3 asks for trap_resume = r1
.equ TLOG_MAX, 8                ; traps logged per case
.equ USER_CPL, 3 << FLAG_CPL_SHIFT
.equ OP_MOV_CR, 84              ; isa/table.ts opcode of mov.cr (for an undefined cr number)
.equ OP_INT, 74                 ; opcode of int (for a vector below VEC_SOFT_MIN)
.equ BAD_OPCODE, 0xff           ; no instruction has this opcode
.equ NO_RAM, 0x08000000         ; physical 128 MiB: above any RAM vmlab allows, below MMIO
.equ UNUSED_PORT, 0x999         ; no device answers here

; EXPECT reg, value, id: fail the case with check id unless reg == value.
.macro EXPECT reg, value, id
    cmp \reg, \value
    jz .Lok\@
    li r0, \id
    jmp case_fail
.Lok\@:
.endm

; TAKEN jcc, id / NOTTAKEN jcc, id: check a conditional branch against the current flags.
.macro TAKEN jcc, id
    \jcc .Lt\@
    li r0, \id
    jmp case_fail
.Lt\@:
.endm
.macro NOTTAKEN jcc, id
    \jcc .Lf\@
    jmp .Ln\@
.Lf\@:
    li r0, \id
    jmp case_fail
.Ln\@:
.endm

; RESUME label: the next expected trap resumes at label.
.macro RESUME label
    li r1, \label
    st [trap_resume], r1
.endm

; SETVEC vec, handler
.macro SETVEC vec, handler
    li r1, \handler
    st [idt + (\vec) * 4], r1
.endm

.text
.global _start
_start:
    li sp, kstack_top
    li r1, 0xffff
    out PORT_PIC_MASK, r1       ; no interrupt line until a case unmasks one
    call setup_traps
    call setup_paging
    li r1, s_banner
    call puts

; --- the runner ---
    li r1, 1
    st [case_no], r1
runner_next:
    ld r1, [case_no]
    cmp r1, NCASES
    ja runner_summary
    li r1, 0
    st [trap_resume], r1
    st [runner_sp], sp
    ld r1, [case_no]
    sub r1, 1
    shl r1, 3
    ld r1, [r1 + case_table]
    call r1
case_report:                    ; r0 = 0 pass, else the failing check; sp = runner_sp
    cli
    li r1, 0
    mov cr8, r1
    ld r6, [case_no]
    mov r7, r0
    cmp r7, 0
    jnz .Lfail
    out PORT_TEST_PASS, r6
    ld r1, [passes]
    add r1, 1
    st [passes], r1
    li r1, s_ok
    call puts
    jmp .Lname
.Lfail:
    out PORT_TEST_FAIL, r6
    ld r1, [fails]
    add r1, 1
    st [fails], r1
    li r1, s_fail
    call puts
.Lname:
    mov r1, r6
    call putdec
    li r1, s_space
    call puts
    mov r1, r6
    sub r1, 1
    shl r1, 3
    ld r1, [r1 + case_table + 4]
    call puts
    cmp r7, 0
    jz .Lnl
    li r1, s_check
    call puts
    mov r1, r7
    call putdec
.Lnl:
    li r1, s_nl
    call puts
    ld r1, [case_no]
    add r1, 1
    st [case_no], r1
    jmp runner_next
runner_summary:
    li r1, s_summary
    call puts
    ld r1, [passes]
    call putdec
    li r1, s_passed
    call puts
    ld r1, [fails]
    call putdec
    li r1, s_failed
    call puts
    ld r1, [fails]
    out PORT_POWEROFF, r1
    hlt

; case_fail (r0 = check id): abandon the case.
case_fail:
    ld sp, [runner_sp]
    jmp case_report

; --- setup ---
setup_traps:
    li r1, idt
    li r2, trap_any
    li r3, NVECTOR
1:  st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz 1b
    SETVEC VEC_USER_EXIT, user_exit
    SETVEC VEC_IRQ_BASE + IRQ_TIMER, timer_handler
    SETVEC VEC_ARM, arm_resume
    li r1, idt
    lidt r1
    li r1, tstack_top
    mov cr4, r1                 ; traps from ring 3 land on their own stack
    ret

; pt0 maps the first 4 MiB 1:1: page 0 and TEST_VA absent, RO_PAGE read-only, the user region
; (user_start..user_end) user-accessible and writable, everything else supervisor read-write.
setup_paging:
    li r1, MARK_A
    st [FRAME_A], r1
    li r1, MARK_B
    st [FRAME_B], r1
    li r1, pt0
    li r2, 0
.Lpage:
    mov r3, r2
    shl r3, PAGE_SHIFT
    cmp r2, 0
    jz .Labsent
    cmp r3, TEST_VA
    jz .Labsent
    cmp r3, RO_PAGE
    jz .Lro
    cmp r3, user_start
    jb .Lkernel
    cmp r3, user_end
    jae .Lkernel
    or r3, PTE_P | PTE_W | PTE_U
    jmp .Lset
.Lro:
    or r3, PTE_P
    jmp .Lset
.Lkernel:
    or r3, PTE_P | PTE_W
    jmp .Lset
.Labsent:
    li r3, 0
.Lset:
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, 1024
    jnz .Lpage
    li r1, pt0 | PTE_P | PTE_W | PTE_U
    st [pgdir], r1
    li r1, pgdir
    mov cr3, r1
    li r1, CR0_PG
    mov cr0, r1
    ret

; --- trap handlers ---
; trap_any: record the frame; resume where the case asked, or abort the case if it asked nothing.
trap_any:
    push r1
    ld r1, [sp + 4 + FRAME_VECTOR]
    st [t_vec], r1
    ld r1, [sp + 4 + FRAME_ERROR]
    st [t_err], r1
    ld r1, [sp + 4 + FRAME_PC]
    st [t_pc], r1
    ld r1, [sp + 4 + FRAME_FLAGS]
    st [t_flags], r1
    ld r1, [sp + 4 + FRAME_SP]
    st [t_sp], r1
    mov r1, cr2
    st [t_cr2], r1
    mov r1, sp
    add r1, 4
    st [t_hsp], r1
    ld r1, [t_count]
    add r1, 1
    st [t_count], r1
    push r2
    ld r2, [tlog_n]             ; log (vector, error, cr2) of the first TLOG_MAX traps of a case
    cmp r2, TLOG_MAX
    jae .Lnolog
    add r2, 1
    st [tlog_n], r2
    mul r2, 12
    add r2, tlog - 12
    ld r1, [t_vec]
    st [r2], r1
    ld r1, [t_err]
    st [r2 + 4], r1
    ld r1, [t_cr2]
    st [r2 + 8], r1
.Lnolog:
    pop r2
    ld r1, [trap_resume]
    cmp r1, 0
    jz .Lunexpected
    st [sp + 4 + FRAME_PC], r1
    li r1, 0
    st [trap_resume], r1
    pop r1
    iret
.Lunexpected:
    ld r0, [t_vec]
    add r0, 1000
    ld sp, [runner_sp]
    jmp case_report

; user_exit (int 0x81 from ring 3): back to ring 0, returning from run_user with the ring-3
; registers r0..r5 as they were. Records the frame's flags and where the frame was.
user_exit:
    st [t_hsp], sp
    push r1
    ld r1, [sp + 4 + FRAME_FLAGS]
    st [t_flags], r1
    ld r1, [sp + 4 + FRAME_SP]
    st [t_sp], r1
    pop r1
    ld sp, [user_ret_sp]
    ret

; arm_resume (int VEC_ARM from ring 3): trap_resume = r1, for the next expected trap.
arm_resume:
    st [trap_resume], r1
    iret

; run_user(r1 = ring-3 entry, r2 = FLAGS to enter with): returns when ring 3 executes int 0x81.
run_user:
    st [user_ret_sp], sp        ; the return address is on top
    li r3, ustack_top
    push r3                     ; sp
    or r2, USER_CPL
    push r2                     ; flags
    push r1                     ; pc
    li r3, 0
    push r3                     ; error
    push r3                     ; vector
    iret

; timer_handler: count the tick and look at the controller before and after EOI.
timer_handler:
    push r1
    ld r1, [sp + 4 + FRAME_VECTOR]
    st [t_vec], r1
    in r1, PORT_PIC_INSERVICE
    st [irq_inservice], r1
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1
    in r1, PORT_PIC_INSERVICE
    st [irq_after_eoi], r1
    ld r1, [ticks]
    add r1, 1
    st [ticks], r1
    pop r1
    iret

; ================= the cases =================

; 1: ALU results, register and immediate forms
case_alu:
    li r1, 7
    add r1, 5
    EXPECT r1, 12, 1
    li r1, 5
    li r2, 7
    sub r1, r2
    EXPECT r1, -2, 2
    li r1, 0xf0
    and r1, 0x3c
    EXPECT r1, 0x30, 3
    li r1, 0xf0
    or r1, 0x3c
    EXPECT r1, 0xfc, 4
    li r1, 0xf0
    xor r1, 0x3c
    EXPECT r1, 0xcc, 5
    li r1, 1
    shl r1, 31
    EXPECT r1, 0x80000000, 6
    mov r2, r1
    shr r2, 31
    EXPECT r2, 1, 7
    sar r1, 31
    EXPECT r1, -1, 8
    li r1, 1
    li r2, 33
    shl r1, r2                  ; count taken mod 32
    EXPECT r1, 2, 9
    li r1, 0x10000
    mul r1, 0x10000
    EXPECT r1, 0, 10            ; low 32 bits only
    li r1, -3
    mul r1, 7
    EXPECT r1, -21, 11
    li r1, 100
    li r2, 7
    mov r3, r1
    div r1, r2
    EXPECT r1, 14, 12
    mod r3, r2
    EXPECT r3, 2, 13
    li r1, -1
    div r1, 2                   ; unsigned
    EXPECT r1, 0x7fffffff, 14
    li r1, 0
    not r1
    EXPECT r1, -1, 15
    li r1, 5
    neg r1
    EXPECT r1, -5, 16
    li r1, 0x12345678
    EXPECT r1, 0x12345678, 17
    li r1, 0x8000               ; just past imm16: the long form
    EXPECT r1, 32768, 18
    li r1, 3
    add r1, 0x10000
    EXPECT r1, 0x10003, 19
    li r1, -1
    and r1, 0xffff0000
    EXPECT r1, 0xffff0000, 20
    li r0, 0
    ret

; 2: condition flags (only cmp/test set them) and every conditional branch
case_flags:
    li r1, 5
    cmp r1, 5
    TAKEN jz, 1
    NOTTAKEN jnz, 2
    TAKEN jle, 3
    TAKEN jge, 4
    TAKEN jbe, 5
    TAKEN jae, 6
    NOTTAKEN jl, 7
    NOTTAKEN ja, 8
    li r1, -1
    cmp r1, 1
    TAKEN jl, 9                 ; signed -1 < 1
    TAKEN ja, 10                ; unsigned 0xffffffff > 1
    NOTTAKEN jb, 11
    li r1, 1
    cmp r1, -1
    TAKEN jg, 12
    TAKEN jb, 13
    li r1, 0x80000000
    cmp r1, 1                   ; overflows: INT_MIN < 1 still
    TAKEN jl, 14
    NOTTAKEN jg, 15
    li r1, 0x7fffffff
    cmp r1, -1                  ; overflows: INT_MAX > -1 still
    TAKEN jg, 16
    li r1, 0x0f
    test r1, 0xf0
    TAKEN jz, 17
    li r1, 1
    cmp r1, 2                   ; C = 1
    add r1, 100                 ; arithmetic leaves the flags alone
    mov r2, r1
    TAKEN jb, 18
    li r1, 0
    cmp r1, 1                   ; -1: S and C, not Z or O
    pushf
    pop r2
    and r2, FLAG_ARITH
    EXPECT r2, FLAG_S | FLAG_C, 19
    li r1, 0x80000000
    cmp r1, 1                   ; O, not S
    pushf
    pop r2
    and r2, FLAG_ARITH
    EXPECT r2, FLAG_O, 20
    li r0, 0
    ret

; 3: loads and stores: sizes, zero extension, little-endian order, addressing forms
case_mem:
    li r2, membuf
    li r1, 0x11223344
    st [r2], r1
    ldb r3, [r2]
    EXPECT r3, 0x44, 1
    ldb r3, [r2 + 3]
    EXPECT r3, 0x11, 2
    ldh r3, [r2]
    EXPECT r3, 0x3344, 3
    ldh r3, [r2 + 2]
    EXPECT r3, 0x1122, 4
    li r1, 0xab
    stb [r2 + 1], r1
    ld r3, [membuf]
    EXPECT r3, 0x1122ab44, 5
    li r1, 0xbeef
    sth [membuf + 2], r1
    ld r3, [r2]
    EXPECT r3, 0xbeefab44, 6
    li r1, 0x80
    stb [r2 + 4], r1
    ldb r3, [r2 + 4]
    EXPECT r3, 0x80, 7          ; zero-extended
    li r1, 0xfffe
    sth [r2 + 4], r1
    ldh r3, [r2 + 4]
    EXPECT r3, 0xfffe, 8
    add r2, 8
    ld r3, [r2 - 8]
    EXPECT r3, 0xbeefab44, 9
    li r4, 4
    ld r3, [r4 + membuf]
    EXPECT r3, 0xfffe, 10       ; bytes 4..7: fe ff 00 00
    li r0, 0
    ret

; 4: unaligned words and halves
case_unaligned:
    li r2, membuf
    li r1, 0
    st [r2 + 4], r1
    st [r2 + 8], r1
    li r1, 0xaabbccdd
    st [r2 + 5], r1
    ld r3, [r2 + 5]
    EXPECT r3, 0xaabbccdd, 1
    ldb r3, [r2 + 5]
    EXPECT r3, 0xdd, 2
    ldb r3, [r2 + 8]
    EXPECT r3, 0xaa, 3
    ldh r3, [r2 + 7]
    EXPECT r3, 0xaabb, 4
    ld r3, [r2 + 4]
    EXPECT r3, 0xbbccdd00, 5
    li r1, 0x1234
    sth [r2 + 9], r1
    ld r3, [r2 + 8]
    EXPECT r3, 0x1234aa, 6
    li r0, 0
    ret

; 5: push and pop
case_stack:
    mov r5, sp
    li r1, 0x111
    push r1
    li r1, 0x222
    push r1
    mov r2, r5
    sub r2, sp
    EXPECT r2, 8, 1
    ld r3, [sp]
    EXPECT r3, 0x222, 2
    ld r3, [sp + 4]
    EXPECT r3, 0x111, 3
    pop r3
    EXPECT r3, 0x222, 4
    pop r3
    EXPECT r3, 0x111, 5
    EXPECT sp, r5, 6
    li r0, 0
    ret

; 6: call and ret, direct and indirect, and indirect jmp
case_call:
    mov r5, sp
    li r1, 0
    call st_add_one
    EXPECT r1, 1, 1
    EXPECT sp, r5, 2
    call st_ret_addr
.Lafter:
    li r2, .Lafter
    EXPECT r0, r2, 3            ; call pushed the address of the next instruction
    li r4, st_add_one
    call r4
    EXPECT r1, 2, 4
    li r4, .Ltarget
    jmp r4
    li r0, 5
    jmp case_fail
.Ltarget:
    call st_nested
    EXPECT r1, 4, 6
    li r0, 0
    ret
st_add_one:
    add r1, 1
    ret
st_ret_addr:
    ld r0, [sp]
    ret
st_nested:
    call st_add_one
    call st_add_one
    ret

; 7: int from ring 0: vector, pc = the next instruction, FLAGS with CPL 0, frame on the same stack
case_int:
    li r1, 0
    st [t_count], r1
    RESUME .Lback
    mov r5, sp
    int 0x80
.Lback:
    ld r1, [t_count]
    EXPECT r1, 1, 1
    ld r1, [t_vec]
    EXPECT r1, 0x80, 2
    ld r1, [t_pc]
    li r2, .Lback
    EXPECT r1, r2, 3
    ld r1, [t_flags]
    and r1, FLAG_CPL_MASK
    EXPECT r1, 0, 4
    ld r1, [t_sp]
    EXPECT r1, r5, 5            ; the old sp in the frame
    ld r1, [t_hsp]
    mov r2, r5
    sub r2, FRAME_SIZE
    EXPECT r1, r2, 6            ; same-ring trap: frame pushed on the current stack
    EXPECT sp, r5, 7            ; iret reloaded sp
    li r0, 0
    ret

; 8: brk -> #BP with pc = the next instruction
case_brk:
    RESUME .Lback
    brk
.Lback:
    ld r1, [t_vec]
    EXPECT r1, VEC_BP, 1
    ld r1, [t_pc]
    li r2, .Lback
    EXPECT r1, r2, 2
    li r0, 0
    ret

; 9: #DE: pc = the div itself, error 0, destination unchanged
case_de:
    RESUME .Lback
    li r1, 77
    li r2, 0
.Ldiv:
    div r1, r2
.Lback:
    ld r3, [t_vec]
    EXPECT r3, VEC_DE, 1
    ld r3, [t_err]
    EXPECT r3, 0, 2
    ld r3, [t_pc]
    li r4, .Ldiv
    EXPECT r3, r4, 3
    EXPECT r1, 77, 4
    RESUME .Lback2
    li r1, 5
.Lmod:
    mod r1, 0
.Lback2:
    ld r3, [t_vec]
    EXPECT r3, VEC_DE, 5
    ld r3, [t_pc]
    li r4, .Lmod
    EXPECT r3, r4, 6
    EXPECT r1, 5, 7
    li r0, 0
    ret

; 10: #UD: an undefined opcode and an undefined control register
case_ud:
    RESUME .Lback
.Lbad:
    .word BAD_OPCODE
.Lback:
    ld r1, [t_vec]
    EXPECT r1, VEC_UD, 1
    ld r1, [t_err]
    EXPECT r1, 0, 2
    ld r1, [t_pc]
    li r2, .Lbad
    EXPECT r1, r2, 3
    RESUME .Lback2
.Lcr5:
    .word OP_MOV_CR | (1 << 8) | (5 << 12)     ; mov cr5, r1
.Lback2:
    ld r1, [t_vec]
    EXPECT r1, VEC_UD, 4
    ld r1, [t_pc]
    li r2, .Lcr5
    EXPECT r1, r2, 5
    li r0, 0
    ret

; 11: #GP at ring 0: int with a vector below VEC_SOFT_MIN; a jump to an unaligned address
case_gp:
    RESUME .Lback
.Lint:
    .word OP_INT | (5 << 16)    ; int 5
.Lback:
    ld r1, [t_vec]
    EXPECT r1, VEC_GP, 1
    ld r1, [t_err]
    EXPECT r1, 0, 2
    ld r1, [t_pc]
    li r2, .Lint
    EXPECT r1, r2, 3
    RESUME .Lback2
    li r1, .Lback2 + 2
    jmp r1
.Lback2:
    ld r1, [t_vec]
    EXPECT r1, VEC_GP, 4
    li r0, 0
    ret

; 12: #PF at ring 0: not present (read, write), read-only write, instruction fetch; error codes and cr2
case_pf:
    RESUME .Lb1
    li r2, 0x10
.Lr1:
    ld r1, [r2]                 ; null page
.Lb1:
    ld r1, [t_vec]
    EXPECT r1, VEC_PF, 1
    ld r1, [t_err]
    EXPECT r1, 0, 2             ; not present, read, supervisor
    ld r1, [t_cr2]
    EXPECT r1, 0x10, 3
    ld r1, [t_pc]
    li r3, .Lr1
    EXPECT r1, r3, 4
    RESUME .Lb2
    li r1, 1
    st [TEST_VA + 8], r1
.Lb2:
    ld r1, [t_err]
    EXPECT r1, PF_W, 5
    ld r1, [t_cr2]
    EXPECT r1, TEST_VA + 8, 6
    RESUME .Lb3
    li r1, 0x55
    st [RO_PAGE + 4], r1        ; supervisor writes to read-only pages fault too
.Lb3:
    ld r1, [t_err]
    EXPECT r1, PF_P | PF_W, 7
    ld r1, [t_cr2]
    EXPECT r1, RO_PAGE + 4, 8
    ld r1, [RO_PAGE + 4]        ; reading it is fine, and the store left nothing behind
    EXPECT r1, 0, 9
    RESUME .Lb4
    li r1, TEST_VA
    jmp r1                      ; fetch from a page that is not there
.Lb4:
    ld r1, [t_err]
    EXPECT r1, PF_F, 10
    ld r1, [t_cr2]
    EXPECT r1, TEST_VA, 11
    li r0, 0
    ret

; 13: iret to ring 3 and back: rdcpl, a system call from ring 3, cr4's stack, the frame's CPL
case_ring3:
    li r1, 0
    st [t_count], r1
    SETVEC VEC_SYSCALL, sys_triple
    li r1, u_ring3
    li r2, 0
    call run_user
    EXPECT r0, 3, 1             ; rdcpl at ring 3
    EXPECT r1, 21, 2            ; the system call's result
    ld r3, [t_flags]
    and r3, FLAG_CPL_MASK
    EXPECT r3, USER_CPL, 3      ; the int 0x81 frame says CPL 3
    ld r3, [t_hsp]
    EXPECT r3, tstack_top - FRAME_SIZE, 4   ; the frame went on cr4's stack
    ld r3, [t_sp]
    EXPECT r3, ustack_top, 5                ; and recorded the user sp (balanced push/pop)
    EXPECT r2, 1, 6             ; ring 3 saw its own push/pop work
    rdcpl r3
    EXPECT r3, 0, 7
    SETVEC VEC_SYSCALL, trap_any
    li r0, 0
    ret
sys_triple:                     ; a ring-0 system call: r1 = r1 * 3
    mul r1, 3
    iret

; 14: ring 3 faults: privileged instruction (#GP), supervisor page (#PF P|U), absent page (#PF W|U)
case_ring3_faults:
    li r1, 0
    st [t_count], r1
    st [tlog_n], r1
    li r1, u_faults
    li r2, 0
    call run_user
    EXPECT r0, 3, 1             ; the user code got through all three
    ld r1, [t_count]
    EXPECT r1, 3, 2
    ld r1, [tlog + 0]
    EXPECT r1, VEC_GP, 3
    ld r1, [tlog + 4]
    EXPECT r1, 0, 4
    ld r1, [tlog + 12]
    EXPECT r1, VEC_PF, 5
    ld r1, [tlog + 16]
    EXPECT r1, PF_P | PF_U, 6
    ld r1, [tlog + 20]
    EXPECT r1, t_count, 7
    ld r1, [tlog + 24]
    EXPECT r1, VEC_PF, 8
    ld r1, [tlog + 28]
    EXPECT r1, PF_W | PF_U, 9
    ld r1, [tlog + 32]
    EXPECT r1, TEST_VA, 10
    ld r1, [t_flags]
    and r1, FLAG_CPL_MASK
    EXPECT r1, USER_CPL, 11     ; the last fault came from ring 3
    li r0, 0
    ret

; 15: pushf/popf at ring 0: IF visible and restorable, CPL bits 0
case_pushf0:
    sti
    pushf
    pop r1
    test r1, FLAG_IF
    TAKEN jnz, 1
    and r1, FLAG_CPL_MASK
    EXPECT r1, 0, 2
    cli
    pushf
    pop r1
    test r1, FLAG_IF
    TAKEN jz, 3
    li r1, FLAG_IF
    push r1
    popf                        ; ring 0: popf sets IF
    pushf
    pop r2
    test r2, FLAG_IF
    TAKEN jnz, 4
    li r1, 0
    push r1
    popf                        ; and clears it
    pushf
    pop r2
    test r2, FLAG_IF
    TAKEN jz, 5
    li r0, 0
    ret

; 16: popf at ring 3 leaves IF alone (sensitive, unprivileged); pushf shows CPL 3 and the real IF
case_popf3:
    li r1, u_popf
    li r2, FLAG_IF              ; ring 3 with IF = 1 (every line is masked: nothing arrives)
    call run_user
    mov r3, r1
    and r3, FLAG_CPL_MASK
    EXPECT r3, USER_CPL, 1
    test r1, FLAG_IF
    TAKEN jnz, 2                ; pushf revealed IF = 1
    test r2, FLAG_IF
    TAKEN jnz, 3                ; popf of 0 did not clear it
    and r2, FLAG_ARITH
    EXPECT r2, FLAG_Z, 4        ; but it did load the condition bits
    li r0, 0
    ret

; 17: accessed and dirty bits set by the page walk
case_ad:
    li r1, FRAME_A | PTE_P | PTE_W
    st [TEST_PTE], r1
    li r2, TEST_VA
    invlpg r2
    ld r3, [TEST_VA]
    EXPECT r3, MARK_A, 1
    ld r1, [TEST_PTE]
    and r1, PTE_A | PTE_D
    EXPECT r1, PTE_A, 2         ; read: accessed, not dirty
    st [TEST_VA], r3            ; write after a read that filled the TLB
    ld r1, [TEST_PTE]
    and r1, PTE_A | PTE_D
    EXPECT r1, PTE_A | PTE_D, 3
    ld r1, [pgdir]
    test r1, PTE_A
    TAKEN jnz, 4                ; the directory entry is marked accessed too
    li r1, 0
    st [TEST_PTE], r1
    li r2, TEST_VA
    invlpg r2
    li r0, 0
    ret

; 18: invlpg and cr3 reload make a changed PTE take effect
case_invlpg:
    li r2, TEST_VA
    li r1, FRAME_A | PTE_P | PTE_W
    st [TEST_PTE], r1
    invlpg r2
    ld r3, [TEST_VA]
    EXPECT r3, MARK_A, 1
    li r1, FRAME_B | PTE_P | PTE_W
    st [TEST_PTE], r1
    invlpg r2
    ld r3, [TEST_VA]
    EXPECT r3, MARK_B, 2
    li r1, FRAME_A | PTE_P | PTE_W
    st [TEST_PTE], r1
    mov r1, cr3
    mov cr3, r1                 ; full flush
    ld r3, [TEST_VA]
    EXPECT r3, MARK_A, 3
    li r1, 0
    st [TEST_PTE], r1
    invlpg r2
    RESUME .Lgone
    ld r3, [TEST_VA]
.Lgone:
    ld r1, [t_vec]
    EXPECT r1, VEC_PF, 4        ; unmapped again
    li r0, 0
    ret

; 19: a vector whose entry is 0 is delivered as #DF with the vector as error code
case_df:
    li r1, 0
    st [idt + 50 * 4], r1
    RESUME .Lback
    int 50
.Lback:
    SETVEC 50, trap_any
    ld r1, [t_vec]
    EXPECT r1, VEC_DF, 1
    ld r1, [t_err]
    EXPECT r1, 50, 2
    li r0, 0
    ret

; 20: a timer interrupt wakes hlt; the controller shows it in service until EOI
case_timer:
    li r1, 0
    st [ticks], r1
    li r1, 0xffff & ~(1 << IRQ_TIMER)
    out PORT_PIC_MASK, r1
    li r1, 1000
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE         ; one-shot
    out PORT_TIMER_CTRL, r1
    sti
    hlt                         ; until the tick
    cli
    li r1, 0xffff
    out PORT_PIC_MASK, r1
    ld r1, [ticks]
    EXPECT r1, 1, 1
    ld r1, [t_vec]
    EXPECT r1, VEC_IRQ_BASE + IRQ_TIMER, 2
    ld r1, [irq_inservice]
    EXPECT r1, 1 << IRQ_TIMER, 3
    ld r1, [irq_after_eoi]
    EXPECT r1, 0, 4
    ; with IF = 0 an expired timer stays pending; sti delivers it at the next instruction boundary
    li r1, 0xffff & ~(1 << IRQ_TIMER)
    out PORT_PIC_MASK, r1
    li r1, 100
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE
    out PORT_TIMER_CTRL, r1
    li r2, 200
1:  sub r2, 1
    cmp r2, 0
    jnz 1b                      ; ~600 instructions: well past the expiry
    ld r1, [ticks]
    EXPECT r1, 1, 5             ; not delivered while IF = 0
    in r1, PORT_PIC_PENDING
    EXPECT r1, 1 << IRQ_TIMER, 6
    sti
    nop
    cli
    li r3, 0xffff
    out PORT_PIC_MASK, r3
    ld r1, [ticks]
    EXPECT r1, 2, 7
    li r0, 0
    ret

; 21: sidt and rdcpl at ring 0, control-register round trips
case_sysregs:
    sidt r1
    EXPECT r1, idt, 1
    rdcpl r1
    EXPECT r1, 0, 2
    mov r1, cr3
    EXPECT r1, pgdir, 3
    mov r1, cr4
    EXPECT r1, tstack_top, 4
    mov r1, cr0
    EXPECT r1, CR0_PG, 5
    li r1, 7
    mov cr8, r1
    mov r2, cr8
    EXPECT r2, 7, 6
    li r1, 0
    mov cr8, r1
    in r1, UNUSED_PORT
    EXPECT r1, -1, 7            ; nothing there: all ones
    li r0, 0
    ret

; 22: a physical address that is neither RAM nor a device: a bus error, reported as #PF with P = 1
case_buserr:
    li r2, TEST_VA
    li r1, NO_RAM | PTE_P | PTE_W
    st [TEST_PTE], r1
    invlpg r2
    RESUME .Lback
    ld r3, [TEST_VA + 0x10]
.Lback:
    li r1, 0
    st [TEST_PTE], r1
    invlpg r2
    ld r1, [t_vec]
    EXPECT r1, VEC_PF, 1
    ld r1, [t_err]
    and r1, PF_P
    EXPECT r1, PF_P, 2
    ld r1, [t_cr2]
    EXPECT r1, TEST_VA + 0x10, 3
    li r0, 0
    ret

; 23: ring 3 jumping into a supervisor page: #PF with P | U | F, cr2 = the target
case_ring3_fetch:
    li r1, 0
    st [tlog_n], r1
    li r1, u_fetch
    li r2, 0
    call run_user
    EXPECT r0, 1, 1
    ld r1, [tlog + 0]
    EXPECT r1, VEC_PF, 2
    ld r1, [tlog + 4]
    EXPECT r1, PF_P | PF_U | PF_F, 3
    ld r1, [tlog + 8]
    EXPECT r1, puts, 4
    li r0, 0
    ret

; --- console ---
puts:
    ldb r2, [r1]
    cmp r2, 0
    jz .Ldone
1:  in r3, PORT_UART_STATUS
    test r3, UART_STATUS_TX
    jz 1b
    out PORT_UART_DATA, r2
    add r1, 1
    jmp puts
.Ldone:
    ret

putdec:
    li r3, numbuf + 11
    li r2, 0
    stb [r3], r2
1:  mov r2, r1
    mod r2, 10
    add r2, '0'
    sub r3, 1
    stb [r3], r2
    div r1, 10
    cmp r1, 0
    jnz 1b
    mov r1, r3
    jmp puts

; ================= ring-3 code (user-accessible pages) =================
.align PAGE_SIZE
user_start:
; u_ring3: rdcpl, a push/pop, a system call; back with r0 = cpl, r1 = 7 * 3, r2 = 1
u_ring3:
    rdcpl r0
    li r3, 1
    push r3
    pop r2
    li r1, 7
    int 0x80                    ; sys_triple
    int VEC_USER_EXIT

; u_faults: three faults. Ring 3 cannot write trap_resume, so before each it asks the kernel
; (int VEC_ARM, arm_resume) to resume at the next label. r0 counts the faults survived.
u_faults:
    li r0, 0
    li r1, .Lr1
    int VEC_ARM
    cli                         ; #GP: privileged at ring 3
.Lr1:
    add r0, 1
    li r1, .Lr2
    int VEC_ARM
    ld r2, [t_count]            ; #PF: a supervisor page (protection, user)
.Lr2:
    add r0, 1
    li r1, .Lr3
    int VEC_ARM
    li r2, 9
    st [TEST_VA], r2            ; #PF: not present, write, user
.Lr3:
    add r0, 1
    int VEC_USER_EXIT

; u_fetch: jump to kernel code (puts); resumed at .Lr with r0 = 1
u_fetch:
    li r0, 0
    li r1, .Lr
    int VEC_ARM
    li r2, puts
    jmp r2
.Lr:
    li r0, 1
    int VEC_USER_EXIT

; u_popf: pushf (CPL 3, IF 1); popf with IF = 0 and Z; pushf again. r1 = first, r2 = second.
u_popf:
    pushf
    pop r1
    li r3, FLAG_Z
    push r3
    popf
    pushf
    pop r2
    int VEC_USER_EXIT

.align PAGE_SIZE
ustack: .space 1020
ustack_top: .word 0
.align PAGE_SIZE
user_end:

.data
.align 4
; case table: function, name
case_table:
    .word case_alu, n_alu
    .word case_flags, n_flags
    .word case_mem, n_mem
    .word case_unaligned, n_unaligned
    .word case_stack, n_stack
    .word case_call, n_call
    .word case_int, n_int
    .word case_brk, n_brk
    .word case_de, n_de
    .word case_ud, n_ud
    .word case_gp, n_gp
    .word case_pf, n_pf
    .word case_ring3, n_ring3
    .word case_ring3_faults, n_ring3_faults
    .word case_pushf0, n_pushf0
    .word case_popf3, n_popf3
    .word case_ad, n_ad
    .word case_invlpg, n_invlpg
    .word case_df, n_df
    .word case_timer, n_timer
    .word case_sysregs, n_sysregs
    .word case_buserr, n_buserr
    .word case_ring3_fetch, n_ring3_fetch
case_table_end:
.equ NCASES, (case_table_end - case_table) / 8

n_alu:          .asciz "alu"
n_flags:        .asciz "flags and branches"
n_mem:          .asciz "loads and stores"
n_unaligned:    .asciz "unaligned access"
n_stack:        .asciz "push and pop"
n_call:         .asciz "call and ret"
n_int:          .asciz "int at ring 0"
n_brk:          .asciz "brk"
n_de:           .asciz "#DE"
n_ud:           .asciz "#UD"
n_gp:           .asciz "#GP at ring 0"
n_pf:           .asciz "#PF error codes and cr2"
n_ring3:        .asciz "iret to ring 3 and back"
n_ring3_faults: .asciz "faults at ring 3"
n_pushf0:       .asciz "pushf/popf IF at ring 0"
n_popf3:        .asciz "popf at ring 3 keeps IF"
n_ad:           .asciz "accessed and dirty bits"
n_invlpg:       .asciz "invlpg and cr3 reload"
n_df:           .asciz "#DF on an empty vector"
n_timer:        .asciz "timer interrupt: hlt wakeup, EOI, IF masking"
n_sysregs:      .asciz "sidt, rdcpl, control registers, unused port"
n_buserr:       .asciz "bus error as #PF"
n_ring3_fetch:  .asciz "ring 3 fetch from a supervisor page"

s_banner:  .asciz "selftest: VX32 in-guest self-test\n"
s_ok:      .asciz "ok   "
s_fail:    .asciz "FAIL "
s_space:   .asciz " "
s_check:   .asciz ", check "
s_nl:      .asciz "\n"
s_summary: .asciz "selftest: "
s_passed:  .asciz " passed, "
s_failed:  .asciz " failed\n"
numbuf:    .space 12
.align 4
membuf:    .space 16          ; scratch for the load/store cases

.align 4
case_no:     .word 0
passes:      .word 0
fails:       .word 0
runner_sp:   .word 0
user_ret_sp: .word 0
trap_resume: .word 0
t_vec:       .word 0
t_err:       .word 0
t_pc:        .word 0
t_flags:     .word 0
t_sp:        .word 0
t_cr2:       .word 0
t_hsp:       .word 0
t_count:     .word 0
tlog_n:      .word 0
tlog:        .space TLOG_MAX * 12
ticks:         .word 0
irq_inservice: .word 0
irq_after_eoi: .word 0

.bss
.align PAGE_SIZE
pgdir: .space PAGE_SIZE
pt0:   .space PAGE_SIZE
idt:   .space NVECTOR * 4
.align 16
kstack: .space 4096
kstack_top:
tstack: .space 1024
tstack_top:
