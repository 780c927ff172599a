; main.s - exercise 06's hostile kernel: edits its page tables in every awkward way a VMM's shadow must follow.
;
; Each scenario prints one line of the frames it reads through its mappings (frame numbers in hex;
; every marker frame holds its own frame number). Natively the lines are the truth. Under shadow
; paging the VMM runs YOUR sync policy (sync.ts) after each page-table write and at each invlpg.
; The kernel is well behaved in one respect only: after changing a present entry it always invlpgs
; every address that used it, so the native result never depends on what the TLB happened to keep.
;
;   vmlab run exercises/06-shadow-paging/kernel/main.s            (natively)

.include "vx32.inc"

.equ NVECTOR, 256
.ifndef ONLY
.equ ONLY, 0                    ; -D ONLY=n runs scenario n alone (1..NSCEN); 0 runs them all
.endif
.equ NSCEN, 7
.equ F1, 0x00310000             ; marker frames: the word at each is its frame number
.equ F2, 0x00311000
.equ F3, 0x00312000
.equ F4, 0x00313000
.equ F5, 0x00314000
.equ F6, 0x00315000
.equ F7, 0x00320000
.equ NO_RAM, 0x01000000         ; 16 MiB: beyond the VM's 4 MiB of RAM
.equ PW, PTE_P | PTE_W
.equ SLOT, 0x00400000           ; bytes one page-directory entry maps
.equ VA1, 1 * SLOT              ; remap
.equ VA2, 2 * SLOT              ; alias (slots 2 and 3 share one page table)
.equ VA3, 3 * SLOT
.equ VA4, 4 * SLOT              ; straddle
.equ VA5, 5 * SLOT              ; byte and half stores
.equ VA6, 6 * SLOT              ; directory edits
.equ SELF, 7 * SLOT             ; the page directory mapped as a page table of itself
.equ VA8, 8 * SLOT              ; a slot the self-map adds
.equ VA9, 9 * SLOT              ; a mapping outside RAM

; SHOW va: print the frame number read at va (" fault" if the read faults).
.macro SHOW va
    li r9, \va
    call show
.endm

; FLUSH va: invalidate va's TLB entry (and, under a VMM, tell it).
.macro FLUSH va
    li r9, \va
    invlpg r9
.endm

; TITLE label: start a scenario's line.
.macro TITLE label
    li r1, \label
    call puts
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
    li r1, idt
    lidt r1
    call markers
    call tables                 ; built with paging off: the edits below are the interesting part
    li r1, pd
    mov cr3, r1
    li r1, CR0_PG
    mov cr0, r1
    TITLE s_banner
    li r7, 1                    ; scenario number
.Lscenario:
    li r1, ONLY
    cmp r1, 0
    jz .Lrun
    cmp r1, r7
    jnz .Lskip
.Lrun:
    mov r1, r7
    sub r1, 1
    shl r1, 2
    ld r1, [r1 + scenarios]
    push r7
    call r1
    pop r7
.Lskip:
    add r7, 1
    cmp r7, NSCEN + 1
    jnz .Lscenario
    TITLE s_done
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

; remap: one PTE changes frame, then invlpg.
remap:
    TITLE s_remap
    SHOW VA1                    ; F1
    li r1, F2 | PW
    st [pt_a], r1
    FLUSH VA1
    SHOW VA1                    ; F2
    jmp newline

; alias: slots 2 and 3 share pt_b, so one PTE store changes two mappings.
alias:
    TITLE s_alias
    SHOW VA2
    SHOW VA3                    ; F1 twice
    li r1, F3 | PW
    st [pt_b], r1
    FLUSH VA2
    FLUSH VA3
    SHOW VA2
    SHOW VA3                    ; F3 twice
    jmp newline

; straddle: one unaligned word store rewrites the top half of PTE 0 and the bottom half of PTE 1.
; Before: 0x00310003 0x00311003. Bytes 2..5 become 32 00 03 20: after: 0x00320003 0x00312003.
straddle:
    TITLE s_straddle
    SHOW VA4
    SHOW VA4 + PAGE_SIZE        ; F1 F2
    li r1, 0x20030032
    li r2, pt_c + 2
    st [r2], r1
    FLUSH VA4
    FLUSH VA4 + PAGE_SIZE
    SHOW VA4
    SHOW VA4 + PAGE_SIZE        ; F7 F3
    jmp newline

; bytes: a byte store clears P, another sets it again (no invlpg needed: not-present is never cached),
; a half store moves the frame.
bytes:
    TITLE s_bytes
    SHOW VA5                    ; F1
    li r1, PTE_W
    stb [pt_d], r1
    FLUSH VA5
    SHOW VA5                    ; fault
    li r1, PW
    stb [pt_d], r1
    SHOW VA5                    ; F1
    li r1, F7 >> 16
    sth [pt_d + 2], r1
    FLUSH VA5
    SHOW VA5                    ; F7
    jmp newline

; pde: slot 6 moves from pt_e to pt_f; then pt_f, now a page table, is edited; then the old pt_e,
; no longer one, is edited (which must change nothing).
pde:
    TITLE s_pde
    SHOW VA6                    ; F1 through pt_e
    li r1, pt_f | PW
    st [pd + 6 * 4], r1
    FLUSH VA6
    SHOW VA6                    ; F2 through pt_f
    li r1, F3 | PW
    st [pt_f], r1
    FLUSH VA6
    SHOW VA6                    ; F3
    li r1, F4 | PW
    st [pt_e], r1
    SHOW VA6                    ; still F3
    jmp newline

; selfmap: pd is also slot 7's page table, so SELF + k * PAGE_SIZE is slot k's page table and
; SELF + 7 * PAGE_SIZE is pd itself. Read a PTE, edit one, add a slot and edit its table, all
; through those second mappings.
selfmap:
    TITLE s_selfmap
    ld r6, [SELF + 1 * PAGE_SIZE]   ; pt_a[0], VA1's entry
    call showframe              ; F2
    li r1, F5 | PW
    st [SELF + 1 * PAGE_SIZE], r1
    FLUSH VA1
    SHOW VA1                    ; F5
    li r1, pt_g | PW
    st [SELF + 7 * PAGE_SIZE + 8 * 4], r1   ; pd[8]: a new slot (not present before: no invlpg)
    SHOW VA8                    ; F6 through pt_g
    li r1, F1 | PW
    st [SELF + 8 * PAGE_SIZE], r1   ; pt_g[0], through the slot just added
    FLUSH VA8
    SHOW VA8                    ; F1
    jmp newline

; outside: a PTE naming a frame beyond RAM. Natively a bus error (#PF); a VMM must never map it.
outside:
    TITLE s_outside
    SHOW VA9
    jmp newline

; markers(): each marker frame holds its own frame number.
markers:
    li r1, marker_frames
.Lnext:
    ld r2, [r1]
    cmp r2, 0
    jz .Ldone
    mov r3, r2
    shr r3, PAGE_SHIFT
    st [r2], r3
    add r1, 4
    jmp .Lnext
.Ldone:
    ret

; tables(): pd[0] -> pt_low (1:1, first 4 MiB); the scenarios' first mappings; pd[7] -> pd.
tables:
    li r1, pt_low
    li r2, PW
.Lpte:
    st [r1], r2
    add r1, 4
    add r2, PAGE_SIZE
    cmp r1, pt_low + PAGE_SIZE
    jnz .Lpte
    li r1, pt_low | PW
    st [pd + 0 * 4], r1
    li r1, pt_a | PW
    st [pd + 1 * 4], r1
    li r1, pt_b | PW
    st [pd + 2 * 4], r1
    st [pd + 3 * 4], r1
    li r1, pt_c | PW
    st [pd + 4 * 4], r1
    li r1, pt_d | PW
    st [pd + 5 * 4], r1
    li r1, pt_e | PW
    st [pd + 6 * 4], r1
    li r1, pd | PW
    st [pd + 7 * 4], r1
    li r1, pt_h | PW
    st [pd + 9 * 4], r1
    li r1, F1 | PW
    st [pt_a], r1
    st [pt_b], r1
    st [pt_c], r1
    st [pt_d], r1
    st [pt_e], r1
    li r1, F2 | PW
    st [pt_c + 4], r1
    st [pt_f], r1
    li r1, F6 | PW
    st [pt_g], r1
    li r1, NO_RAM | PW
    st [pt_h], r1
    ret

; show(r9 = va): " <frame number>" of the word at va, or " fault".
show:
    li r1, 0
    st [faulted], r1
    li r6, 0
    ld r6, [r9]                 ; a fault skips this instruction (trap_any)
    ld r1, [faulted]
    cmp r1, 0
    jz .Lval
    li r1, s_fault
    jmp puts
.Lval:
    li r1, s_sp
    call puts
    mov r1, r6
    jmp puthex

; showframe(r6 = a page-table entry): " <its frame number>".
showframe:
    li r1, s_sp
    call puts
    mov r1, r6
    shr r1, PAGE_SHIFT
    jmp puthex

newline:
    li r1, s_nl
    jmp puts

; trap_any: a page fault sets `faulted` and skips the 4-byte load; anything else is fatal.
trap_any:
    push r1
    ld r1, [sp + 4 + FRAME_VECTOR]
    cmp r1, VEC_PF
    jnz .Lfatal
    li r1, 1
    st [faulted], r1
    ld r1, [sp + 4 + FRAME_PC]
    add r1, 4
    st [sp + 4 + FRAME_PC], r1
    pop r1
    iret
.Lfatal:
    li r1, s_trap
    call puts
    li r1, 2
    out PORT_POWEROFF, r1
    hlt

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

; puthex(r1 = value): hex digits without leading zeros. Clobbers r1..r5.
puthex:
    mov r4, r1
    li r5, 28
.Lskip:
    cmp r5, 0
    jz .Ldigit
    mov r1, r4
    shr r1, r5
    and r1, 15
    cmp r1, 0
    jnz .Ldigit
    sub r5, 4
    jmp .Lskip
.Ldigit:
    mov r1, r4
    shr r1, r5
    and r1, 15
    ldb r1, [r1 + hex_digits]
    stb [hexbuf], r1
    li r1, hexbuf
    call puts
    cmp r5, 0
    jz .Lend
    sub r5, 4
    jmp .Ldigit
.Lend:
    ret

.data
s_banner:   .asciz "shadow: hostile page-table edits\n"
s_done:     .asciz "shadow: done\n"
s_remap:    .asciz "remap:"
s_alias:    .asciz "alias:"
s_straddle: .asciz "straddle:"
s_bytes:    .asciz "bytes:"
s_pde:      .asciz "pde:"
s_selfmap:  .asciz "selfmap:"
s_outside:  .asciz "outside:"
s_fault:    .asciz " fault"
s_sp:       .asciz " "
s_nl:       .asciz "\n"
s_trap:     .asciz "\nshadow: unexpected trap\n"
hex_digits: .ascii "0123456789abcdef"
hexbuf:     .byte 0, 0
.align 4
faulted:    .word 0
marker_frames: .word F1, F2, F3, F4, F5, F6, F7, 0
scenarios:  .word remap, alias, straddle, bytes, pde, selfmap, outside

.bss
.align PAGE_SIZE
pd:     .space PAGE_SIZE
pt_low: .space PAGE_SIZE
pt_a:   .space PAGE_SIZE
pt_b:   .space PAGE_SIZE
pt_c:   .space PAGE_SIZE
pt_d:   .space PAGE_SIZE
pt_e:   .space PAGE_SIZE
pt_f:   .space PAGE_SIZE
pt_g:   .space PAGE_SIZE
pt_h:   .space PAGE_SIZE
idt:    .space NVECTOR * 4
.align 16
kstack: .space 1024
kstack_top:
