; probes.s - exercise 02: YOUR probes, one per sensitive-unprivileged instruction (pushf is done as an example).
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

; popf: make a timer tick due while interrupts are off (cli, arm_tick, spin), then popf a FLAGS word
; with IF = 1: natively the tick is delivered at once (timer_intr sets `ticked`). Print
;   "popf: tick delivered after popf with IF=1: " then yes or no (yesno prints either and a newline).
; Leave interrupts off when you return, and no tick pending (an sti; nop; cli lets it in).
; TODO
probe_popf:
    li r1, s_todo_popf
    jmp puts

; rdcpl: print "rdcpl: CPL = " and the level rdcpl reads (putdec), then a newline.
; TODO
probe_rdcpl:
    li r1, s_todo_rdcpl
    jmp puts

; sidt: print "sidt: reads back the base given to lidt: " then yes if sidt returns `idt`
; (the base the harness loaded), else no.
; TODO
probe_sidt:
    li r1, s_todo_sidt
    jmp puts

.data
s_pushf: .asciz "pushf: IF after cli = "
s_popf:  .asciz "popf: tick delivered after popf with IF=1: "
s_rdcpl: .asciz "rdcpl: CPL = "
s_sidt:  .asciz "sidt: reads back the base given to lidt: "
s_todo_popf:  .asciz "popf: TODO\n"
s_todo_rdcpl: .asciz "rdcpl: TODO\n"
s_todo_sidt:  .asciz "sidt: TODO\n"
