; main.s - exercise 03's test kernel: exercises cli, sti, hlt and every control-register move, one line each.
;
; Natively every line ends in "yes". Under trap-and-emulate each of these instructions faults to the
; VMM, which runs YOUR handler (handlers.ts); a wrong handler turns a line into "no". Run it with
;   vmlab test exercises/03-trap-handlers
; (the suite loads your handlers into the VMM), or natively with vmlab run exercises/03-trap-handlers/kernel/main.s

.include "vx32.inc"

.equ NVECTOR, 256
.equ PERIOD, 200                ; timer period in instructions
.equ VA, 0x00300000             ; the page the paging tests map
.equ FRAME_A, 0x00300000        ; physical frames with markers
.equ FRAME_B, 0x00301000
.equ FRAME_C, 0x00302000
.equ MARK_A, 0xaaaa0001
.equ MARK_B, 0xbbbb0002
.equ MARK_C, 0xcccc0003
.equ NO_RAM, 0x00500000         ; above the 4 MiB of RAM: a bus error, reported as #PF
.equ OP_MOV_RC, 83              ; isa/table.ts opcodes, to encode a control register that does not exist
.equ OP_MOV_CR, 84

; SAY label, reg: print the string at label, then yes if reg != 0 else no.
.macro SAY label, reg
    mov r6, \reg
    li r1, \label
    call puts
    mov r1, r6
    call yesno
.endm

.text
.entry _start
_start:
    li sp, kstack_top
    li r1, idt
    li r2, trap_any
    li r3, NVECTOR
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r1, timer_intr
    st [idt + (VEC_IRQ_BASE + IRQ_TIMER) * 4], r1
    li r1, idt
    lidt r1
    li r1, msg_banner
    call puts
    ; markers in the three frames (paging is off: physical addresses)
    li r1, MARK_A
    st [FRAME_A], r1
    li r1, MARK_B
    st [FRAME_B], r1
    li r1, MARK_C
    st [FRAME_C], r1
    ; a periodic tick on the only unmasked line
    li r1, 0xffff & ~(1 << IRQ_TIMER)
    out PORT_PIC_MASK, r1
    li r1, PERIOD
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE | TIMER_PERIODIC
    out PORT_TIMER_CTRL, r1

; --- sti: with interrupts on, ticks arrive while the kernel spins ---
    li r1, 0
    st [ticks], r1
    sti
    call spin
    ld r7, [ticks]
    SAY s_sti, r7
    st [sti_ok], r7

; --- cli: with interrupts off, no tick arrives however long the kernel spins (only meaningful if sti works) ---
    cli
    li r1, 0
    st [ticks], r1
    call spin
    ld r7, [sti_ok]
    cmp r7, 0
    jnz .Lcli_test
    li r1, s_cli_untested
    call puts
    jmp .Lhlt
.Lcli_test:
    ld r7, [ticks]
    li r8, 0
    cmp r7, 0
    jnz .Lcli_say
    li r8, 1
.Lcli_say:
    SAY s_cli, r8

; --- hlt: with interrupts on, hlt waits for the next tick instead of falling through ---
.Lhlt:
    sti
    li r1, 0
    st [ticks], r1
    hlt
    ld r7, [ticks]
    cli
    SAY s_hlt, r7

; --- cr4 and cr8: a control register reads back what was written ---
    li r2, 0x12345678
    mov cr4, r2
    li r3, 0
    mov r3, cr4
    li r7, 0
    cmp r3, r2
    jnz .Lcr4
    li r7, 1
.Lcr4:
    SAY s_cr4, r7
    li r2, 5
    mov cr8, r2
    li r3, 0
    mov r3, cr8
    li r2, 0
    mov cr8, r2
    li r7, 0
    cmp r3, 5
    jnz .Lcr8
    li r7, 1
.Lcr8:
    SAY s_cr8, r7

; --- cr3 and cr0: paging on through pd1, where VA maps FRAME_B ---
    li r1, pd1
    li r2, pt_low | PTE_P | PTE_W
    st [r1], r2
    li r1, pd2
    st [r1], r2
    call build_pt_low           ; 1:1 for the first 4 MiB, except VA -> FRAME_B
    li r1, pd1
    mov cr3, r1
    mov r1, cr0
    or r1, CR0_PG
    mov cr0, r1
    ld r2, [VA]
    li r7, 0
    cmp r2, MARK_B
    jnz .Lpg
    li r7, 1
.Lpg:
    SAY s_paging, r7

; --- cr3 again: pd2 maps VA to FRAME_C through its own page table ---
    call build_pt_c
    li r1, pd2
    li r2, pt_c | PTE_P | PTE_W
    st [r1], r2
    mov cr3, r1
    ld r2, [VA]
    li r7, 0
    cmp r2, MARK_C
    jnz .Lsw
    li r7, 1
.Lsw:
    SAY s_switch, r7

; --- cr2: a page fault leaves its address in cr2 ---
    li r1, 0
    st [pf_cr2], r1
    li r9, NO_RAM
    ld r2, [r9]                 ; faults; pf_handler records cr2 and skips this instruction
    ld r2, [pf_cr2]
    li r7, 0
    cmp r2, NO_RAM
    jnz .Lcr2
    li r7, 1
.Lcr2:
    SAY s_cr2, r7

; --- a control register that does not exist: #UD, both ways ---
    li r1, 0
    st [ud_count], r1
    .word OP_MOV_CR | (1 << 8) | (5 << 12)     ; mov cr5, r1
    ld r7, [ud_count]
    SAY s_ud_write, r7
    li r1, 0
    st [ud_count], r1
    .word OP_MOV_RC | (1 << 8) | (5 << 12)     ; mov r1, cr5
    ld r7, [ud_count]
    SAY s_ud_read, r7

    li r1, msg_done
    call puts
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

; build_pt_low(): pt_low maps the first 4 MiB 1:1, except VA, which maps FRAME_B.
build_pt_low:
    li r1, pt_low
    li r2, 0
.Lpte:
    mov r3, r2
    shl r3, PAGE_SHIFT
    or r3, PTE_P | PTE_W
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, 1024
    jnz .Lpte
    li r1, FRAME_B | PTE_P | PTE_W
    st [pt_low + (VA >> PAGE_SHIFT) * 4], r1
    ret

; build_pt_c(): pt_c is pt_low with VA mapping FRAME_C (built while paging is on: the 1:1 map reaches it).
build_pt_c:
    li r1, pt_c
    li r2, pt_low
    li r3, 1024
.Lcopy:
    ld r4, [r2]
    st [r1], r4
    add r1, 4
    add r2, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lcopy
    li r1, FRAME_C | PTE_P | PTE_W
    st [pt_c + (VA >> PAGE_SHIFT) * 4], r1
    ret

; spin(): four timer periods of nothing.
spin:
    li r1, PERIOD
.Lspin:
    sub r1, 1
    cmp r1, 0
    jnz .Lspin
    ret

timer_intr:
    push r1
    ld r1, [ticks]
    add r1, 1
    st [ticks], r1
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1
    pop r1
    iret

; trap_any: #PF records cr2, #UD counts; both skip the 4-byte instruction. Anything else is fatal.
trap_any:
    push r1
    push r2
    ld r1, [sp + 8 + FRAME_VECTOR]
    cmp r1, VEC_PF
    jz .Lpf
    cmp r1, VEC_UD
    jz .Lud
    li r1, msg_trap
    call puts
    ld r1, [sp + 8 + FRAME_VECTOR]
    call putdec
    li r1, msg_nl
    call puts
    li r1, 2
    out PORT_POWEROFF, r1
    hlt
.Lpf:
    mov r1, cr2
    st [pf_cr2], r1
    jmp .Lskip
.Lud:
    ld r1, [ud_count]
    add r1, 1
    st [ud_count], r1
.Lskip:
    ld r1, [sp + 8 + FRAME_PC]
    add r1, 4
    st [sp + 8 + FRAME_PC], r1
    pop r2
    pop r1
    iret

; puts(r1 = string). Clobbers r1..r3.
puts:
    ldb r2, [r1]
    cmp r2, 0
    jz .Ldone
.Lwait:
    in r3, PORT_UART_STATUS
    test r3, UART_STATUS_TX
    jz .Lwait
    out PORT_UART_DATA, r2
    add r1, 1
    jmp puts
.Ldone:
    ret

; putdec(r1 = unsigned value). Clobbers r1..r3.
putdec:
    li r3, numbuf + 11
    li r2, 0
    stb [r3], r2
.Ldigit:
    mov r2, r1
    mod r2, 10
    add r2, '0'
    sub r3, 1
    stb [r3], r2
    div r1, 10
    cmp r1, 0
    jnz .Ldigit
    mov r1, r3
    jmp puts

; yesno(r1): "yes" or "no" and a newline.
yesno:
    cmp r1, 0
    jz .Lno
    li r1, msg_yes
    jmp puts
.Lno:
    li r1, msg_no
    jmp puts

.data
msg_banner:     .asciz "traps: cli, sti, hlt and the control registers\n"
msg_done:       .asciz "traps: done\n"
msg_trap:       .asciz "traps: unexpected trap "
msg_yes:        .asciz "yes\n"
msg_no:         .asciz "no\n"
msg_nl:         .asciz "\n"
s_sti:          .asciz "sti: ticks arrive after sti: "
s_cli:          .asciz "cli: no tick while interrupts are off: "
s_cli_untested: .asciz "cli: untested, sti did not turn interrupts on\n"
s_hlt:          .asciz "hlt: sleeps until the next tick: "
s_cr4:          .asciz "cr4: reads back what was written: "
s_cr8:          .asciz "cr8: reads back what was written: "
s_paging:       .asciz "paging: cr3 and cr0 turn it on: "
s_switch:       .asciz "cr3: a new page directory switches address space: "
s_cr2:          .asciz "cr2: holds the page-fault address: "
s_ud_write:     .asciz "mov cr5, r1: raises #UD: "
s_ud_read:      .asciz "mov r1, cr5: raises #UD: "
.align 4
ticks:    .word 0
sti_ok:   .word 0
pf_cr2:   .word 0
ud_count: .word 0

.bss
.align PAGE_SIZE
pd1:      .space PAGE_SIZE
pd2:      .space PAGE_SIZE
pt_low:   .space PAGE_SIZE
pt_c:     .space PAGE_SIZE
idt:      .space NVECTOR * 4
numbuf:   .space 12
.align 16
kstack:   .space 1024
kstack_top:
