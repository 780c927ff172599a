// The fixed part of every fuzz kernel: boot (vector table, page table, timer), the trap handlers, the ring-3
// entry and system calls, the console routine and the shutdown that prints the checksums and powers off.
//
// Conventions the generated ops rely on: r13 is the running checksum (MIX folds a register into it), r0 is
// the system-call number, ops use r1..r8 freely, and sp is the kernel stack (ring 0) or the user stack (ring 3).
// Synchronous traps (#DE, #GP, #BP, #PF) fold what they saw into r13; the timer handler keeps its own count and
// hash of the interrupted pc and FLAGS (so an interrupt taken at another instruction changes the result) and
// prints a '.' per tick.

import { BUF_BYTES, DEMAND_PAGES } from './generate.js';

/** Guest RAM of a fuzz kernel (small, so a hypervisor is cheap to build). */
export const FUZZ_RAM = 0x4_0000;

export interface RuntimeOptions {
  readonly paging: boolean;
  readonly timer: number | null;
  readonly userIf: boolean;
}

/** Everything before the generated body: constants, macros, boot up to the first op. */
export function prologue(o: RuntimeOptions): string {
  const userFlags = o.timer !== null && o.userIf ? '(3 << FLAG_CPL_SHIFT) | FLAG_IF' : '3 << FLAG_CPL_SHIFT';
  return `.include "vx32.inc"

.equ RAM, 0x${FUZZ_RAM.toString(16)}
.equ BUF_BYTES, ${BUF_BYTES}
.equ DEMAND_PAGES, ${DEMAND_PAGES}
.equ VEC_INT, 0x40              ; the generic software interrupt (any ring)
.equ SYS_EXIT, 0                ; back to the kernel, after the call that entered ring 3
.equ SYS_PRINT, 1               ; print r1
.equ SYS_UNMAP, 2               ; unmap the demand page at r1
.equ SYS_MIX, 3                 ; fold r1 into the checksum
.equ USER_FLAGS, ${userFlags}
.equ FNV_PRIME, 0x01000193

; MIX reg: fold a register into the checksum r13.
.macro MIX reg
    xor r13, \\reg
    mul r13, FNV_PRIME
.endm

; SETVEC vec, handler
.macro SETVEC vec, handler
    li r1, \\handler
    st [idt + (\\vec) * 4], r1
.endm


.text
.global _start
_start:
    li sp, kstack_top
    li r13, 0x811c9dc5
    ; every vector is unexpected (power off with 0xee), then the ones this kernel expects
    li r1, idt
    li r2, unexpected
    li r3, 256
1:  st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz 1b
    SETVEC VEC_DE, h_skip
    SETVEC VEC_GP, h_skip
    SETVEC VEC_BP, h_bp
    SETVEC VEC_PF, h_pf
    SETVEC VEC_IRQ_BASE + IRQ_TIMER, h_timer
    SETVEC VEC_INT, h_int
    SETVEC VEC_SYSCALL, h_sys
    li r1, idt
    lidt r1
    li r1, tstack_top           ; traps from ring 3 land on their own stack
    mov cr4, r1
${o.paging ? PAGING_ON : '    ; paging stays off'}
${o.timer !== null ? timerOn(o.timer) : '    ; no timer'}
`;
}

// Identity map of RAM, user and writable, but for the null page and the demand pages (not present).
const PAGING_ON = `    li r1, pt0 + 4
    li r2, 1
2:  mov r3, r2
    shl r3, PAGE_SHIFT
    or r3, PTE_P | PTE_W | PTE_U
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, RAM >> PAGE_SHIFT
    jnz 2b
    li r1, 0
    li r2, pt0 + (demand >> PAGE_SHIFT) * 4
    li r3, DEMAND_PAGES
3:  st [r2], r1
    add r2, 4
    sub r3, 1
    cmp r3, 0
    jnz 3b
    li r1, pt0 | PTE_P | PTE_W | PTE_U
    st [pd], r1
    li r1, pd
    mov cr3, r1
    li r1, CR0_PG
    mov cr0, r1`;

function timerOn(period: number): string {
  return `    li r1, 0xfffe               ; the timer's line only
    out PORT_PIC_MASK, r1
    li r1, ${period}
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE | TIMER_PERIODIC
    out PORT_TIMER_CTRL, r1
    sti`;
}

/** Everything after the body: shutdown, handlers, routines, data. */
export function epilogue(o: RuntimeOptions): string {
  const kernelIf = o.timer !== null ? '    sti                         ; the kernel runs with interrupts on' : '';
  return `
; --- shutdown: the checksum, the tick count and the interrupt hash; power off with a byte of them ---
finish:
    cli
    li r1, 'E'
    out PORT_UART_DATA, r1
    mov r1, r13
    call print_hex
    ld r1, [ticks]
    call print_hex
    ld r1, [irq_hash]
    call print_hex
    ld r1, [ticks]
    xor r1, r13
    and r1, 0x7f
    out PORT_POWEROFF, r1
    hlt

; print_hex(r1): eight hex digits and a newline; clobbers r1..r3.
print_hex:
    li r3, 8
1:  mov r2, r1
    shr r2, 28
    ldb r2, [r2 + hexdigits]
    out PORT_UART_DATA, r2
    shl r1, 4
    sub r3, 1
    cmp r3, 0
    jnz 1b
    li r2, 10
    out PORT_UART_DATA, r2
    ret

; enter_user(r1 = entry): run ring-3 code until it calls SYS_EXIT, then return here.
enter_user:
    st [ksave_sp], sp
    li r2, ustack_top
    push r2                     ; FRAME_SP
    li r2, USER_FLAGS
    push r2                     ; FRAME_FLAGS
    push r1                     ; FRAME_PC
    li r2, 0
    push r2                     ; FRAME_ERROR
    push r2                     ; FRAME_VECTOR
    iret

; #DE and #GP: fold the vector and pc into the checksum and step over the (one-word) instruction.
h_skip:
    push r1
    ld r1, [sp + 4 + FRAME_VECTOR]
    MIX r1
    ld r1, [sp + 4 + FRAME_PC]
    MIX r1
    add r1, 4
    st [sp + 4 + FRAME_PC], r1
    pop r1
    iret

; #BP: the saved pc is already the next instruction.
h_bp:
    push r1
    ld r1, [sp + 4 + FRAME_PC]
    MIX r1
    pop r1
    iret

; #PF: map the demand page that faulted (anything else is unexpected) and return to the faulting instruction.
h_pf:
    push r1
    push r2
    mov r1, cr2
    li r2, demand
    cmp r1, r2
    jb unexpected
    li r2, demand_end
    cmp r1, r2
    jae unexpected
    MIX r1
    ld r2, [sp + 8 + FRAME_ERROR]
    MIX r2
    shr r1, PAGE_SHIFT
    mov r2, r1
    shl r2, 2
    shl r1, PAGE_SHIFT
    or r1, PTE_P | PTE_W | PTE_U
    st [r2 + pt0], r1
    pop r2
    pop r1
    iret

; The timer: count, hash where it interrupted (pc and FLAGS), print a dot, acknowledge.
h_timer:
    push r1
    push r2
    ld r2, [irq_hash]
    ld r1, [sp + 8 + FRAME_PC]
    xor r2, r1
    mul r2, FNV_PRIME
    ld r1, [sp + 8 + FRAME_FLAGS]
    xor r2, r1
    mul r2, FNV_PRIME
    st [irq_hash], r2
    ld r1, [ticks]
    add r1, 1
    st [ticks], r1
    li r1, '.'
    out PORT_UART_DATA, r1
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1
    pop r2
    pop r1
    iret

; int VEC_INT: r1 = r1 * 3 ^ the FLAGS the int pushed (CPL, IF and the condition bits).
h_int:
    push r2
    ld r2, [sp + 4 + FRAME_FLAGS]
    mul r1, 3
    xor r1, r2
    pop r2
    iret

; System calls from ring 3: r0 = number, r1 = argument.
h_sys:
    cmp r0, SYS_EXIT
    jz .Lexit
    cmp r0, SYS_PRINT
    jz .Lprint
    cmp r0, SYS_UNMAP
    jz .Lunmap
    MIX r1
    iret
.Lprint:
    push r1
    push r2
    push r3
    call print_hex
    pop r3
    pop r2
    pop r1
    iret
.Lunmap:
    push r2
    mov r2, r1
    shr r2, PAGE_SHIFT
    shl r2, 2
    push r1
    li r1, 0
    st [r2 + pt0], r1
    pop r1
    invlpg r1
    pop r2
    iret
.Lexit:
    ld sp, [ksave_sp]
${kernelIf}
    ret

; A trap nobody expected: say which and power off with 0xee.
unexpected:
    cli
    li r1, '!'
    out PORT_UART_DATA, r1
    ld r1, [sp]
    call print_hex
    li r1, 0xee
    out PORT_POWEROFF, r1
    hlt

; Called by ops: fold r1 through a little arithmetic (direct and indirect calls), and read the stack (ptstack).
fn_mix:
    mul r1, 5
    add r1, 7
    ret
fn_stack:
    ld r1, [sp + 4]
    MIX r1
    ret

; Self-modifying code: templates whose immediate an op patches in, and the slot they are copied to.
smc_tmpl:
    add r1, 0
    xor r1, 0
    sub r1, 0
    mul r1, 0
smc_slot:
    add r1, 0
    ret

.data
hexdigits:  .ascii "0123456789abcdef"
.align 4
ticks:      .word 0
irq_hash:   .word 0
ksave_sp:   .word 0

.bss
.align PAGE_SIZE
pd:         .space PAGE_SIZE
buf:        .space BUF_BYTES        ; the data pages; the page table follows at once
pt0:        .space PAGE_SIZE
demand:     .space DEMAND_PAGES * PAGE_SIZE
demand_end:
idt:        .space 256 * 4
            .space 4096
kstack_top:
            .space 2048
tstack_top:
            .space 2048
ustack_top:
`;
}
