; probes.s - exercise 02, reference solution: one probe per sensitive-unprivileged instruction.
;
; Each probe runs in the kernel (which believes it is in ring 0) and prints what it observed. Natively
; every line is the truth; a VMM that lets the instruction run unprivileged makes the line lie.

.text
; pushf: with interrupts off, the pushed FLAGS must show IF = 0.
probe_pushf:
    cli
    pushf
    pop r1
    and r1, FLAG_IF
    shr r1, 9                   ; IF is bit 9
    push r1
    li r1, s_pushf
    call puts
    pop r1
    call putdec
    li r1, msg_nl
    jmp puts

; popf: a tick becomes due while interrupts are off; popf of a FLAGS word with IF = 1 must let it in.
probe_popf:
    cli
    call arm_tick
    call spin                   ; the tick is now pending, held back by IF = 0
    li r1, FLAG_IF
    push r1
    popf                        ; IF = 1: the pending tick is delivered right after this
    nop
    cli
    ld r6, [ticked]
    li r1, s_popf
    call puts
    mov r1, r6
    call yesno
    sti                         ; let a tick that popf kept out in now, so none is left pending
    nop
    cli
    ret

; rdcpl: the kernel must read CPL 0.
probe_rdcpl:
    rdcpl r6
    li r1, s_rdcpl
    call puts
    mov r1, r6
    call putdec
    li r1, msg_nl
    jmp puts

; sidt: must read back the vector-table base the kernel loaded with lidt.
probe_sidt:
    sidt r6
    li r7, idt
    li r1, s_sidt
    call puts
    li r1, 0
    cmp r6, r7
    jnz .Lsay
    li r1, 1
.Lsay:
    call yesno
    ret

.data
s_pushf: .asciz "pushf: IF after cli = "
s_popf:  .asciz "popf: tick delivered after popf with IF=1: "
s_rdcpl: .asciz "rdcpl: CPL = "
s_sidt:  .asciz "sidt: reads back the base given to lidt: "
