; common.s - what every nanobenchmark kernel shares: boot, vector table, paging on, console, ring-3 entry, report and power-off.
;
; A benchmark file sets ITERS (default 10000, override with -D ITERS=n), includes this file right
; after vx32.inc, and defines `bench_main` (entered at ring 0 with paging on, IF = 0, no timer) and
; `bench_name` (a NUL-terminated string). It ends by calling bench_done or bench_done_check.
;
; Memory: the first 4 MiB are mapped 1:1 and, to keep the benchmarks minimal, user-accessible
; (PTE_U) except page 0 (unmapped) and BENCH_PAGE (left not present for the benchmarks that map it).
; Nothing else runs: no timer, no interrupts, so a loop measures only its own operation.

.ifndef ITERS
.equ ITERS, 10000
.endif

.equ NVECTOR, 256
.equ BENCH_PAGE, 0x00300000         ; a virtual page the benchmarks map and unmap
.equ BENCH_FRAME_A, 0x00301000      ; two frames it may point at (physical RAM above the image)
.equ BENCH_FRAME_B, 0x00302000
.equ BENCH_PTE, bench_pt + (BENCH_PAGE >> PAGE_SHIFT) * 4   ; its page-table entry (1:1 mapped)
.equ USER_FLAGS, 3 << FLAG_CPL_SHIFT   ; ring 3, interrupts off: nothing could interrupt anyway

; SETVEC vec, handler: point one vector at a handler (after bench_boot filled the table).
.macro SETVEC vec, handler
    li r1, \handler
    st [bench_idt + (\vec) * 4], r1
.endm

.text
.global _start
_start:
    li sp, bench_kstack_top
    ; every vector -> bench_unexpected until the benchmark installs its own
    li r1, bench_idt
    li r2, bench_unexpected
    li r3, NVECTOR
.Lfill:
    st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz .Lfill
    li r1, bench_idt
    lidt r1
    ; page table: 1:1, present, writable, user; page 0 and BENCH_PAGE not present
    li r1, bench_pt
    li r2, 0
.Lpage:
    mov r3, r2
    shl r3, PAGE_SHIFT
    or r3, PTE_P | PTE_W | PTE_U
    cmp r2, 0
    jz .Lhole
    cmp r2, BENCH_PAGE >> PAGE_SHIFT
    jnz .Lset
.Lhole:
    li r3, 0
.Lset:
    st [r1], r3
    add r1, 4
    add r2, 1
    cmp r2, 1024
    jnz .Lpage
    li r1, bench_pt | PTE_P | PTE_W | PTE_U
    st [bench_pgdir], r1
    li r1, bench_pgdir
    mov cr3, r1
    li r1, CR0_PG
    mov cr0, r1
    li r1, bench_kstack_top
    mov cr4, r1                     ; traps from ring 3 land on the kernel stack
    jmp bench_main

; bench_enter_user(r1 = entry pc, r2 = user sp): iret to ring 3 through a crafted frame. No return.
bench_enter_user:
    push r2                         ; old sp
    li r3, USER_FLAGS
    push r3                         ; flags: CPL 3
    push r1                         ; pc
    li r3, 0
    push r3                         ; error code
    push r3                         ; vector
    iret

; bench_unexpected: any trap the benchmark did not ask for. Report it and power off with 1.
bench_unexpected:
    ld r6, [sp + FRAME_VECTOR]
    ld r7, [sp + FRAME_PC]
    li r1, bench_s_unexpected
    call bench_puts
    mov r1, r6
    call bench_putdec
    li r1, bench_s_at
    call bench_puts
    mov r1, r7
    call bench_puthex
    li r1, bench_s_cr2
    call bench_puts
    mov r1, cr2
    call bench_puthex
    li r1, bench_s_nl
    call bench_puts
    li r1, 1
    out PORT_POWEROFF, r1
    hlt

; bench_done: "<name>: <ITERS> iterations done", power off with 0.
bench_done:
    call bench_report
    li r1, bench_s_nl
    call bench_puts
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

; bench_done_check(r1 = value): the same line plus ", check <value>".
bench_done_check:
    mov r6, r1
    call bench_report
    li r1, bench_s_check
    call bench_puts
    mov r1, r6
    call bench_putdec
    li r1, bench_s_nl
    call bench_puts
    li r1, 0
    out PORT_POWEROFF, r1
    hlt

bench_report:
    push r6
    li r1, bench_name
    call bench_puts
    li r1, bench_s_colon
    call bench_puts
    li r1, ITERS
    call bench_putdec
    li r1, bench_s_done
    call bench_puts
    pop r6
    ret

; bench_puts(r1 = string)
bench_puts:
    ldb r2, [r1]
    cmp r2, 0
    jz .Ldone
.Lwait:
    in r3, PORT_UART_STATUS
    test r3, UART_STATUS_TX
    jz .Lwait
    out PORT_UART_DATA, r2
    add r1, 1
    jmp bench_puts
.Ldone:
    ret

; bench_putdec(r1 = unsigned value)
bench_putdec:
    li r3, bench_numbuf + 11
    li r2, 0
    stb [r3], r2                    ; NUL
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
    jmp bench_puts

; bench_puthex(r1 = value): 0x and 8 digits
bench_puthex:
    li r3, bench_numbuf
    li r2, '0'
    stb [r3], r2
    li r2, 'x'
    stb [r3 + 1], r2
    li r4, 28
    add r3, 2
.Ldigit:
    mov r2, r1
    shr r2, r4
    and r2, 15
    ldb r2, [r2 + bench_hexdigits]
    stb [r3], r2
    add r3, 1
    sub r4, 4
    cmp r4, 0
    jge .Ldigit
    li r2, 0
    stb [r3], r2
    li r1, bench_numbuf
    jmp bench_puts

.data
bench_s_colon:      .asciz ": "
bench_s_done:       .asciz " iterations done"
bench_s_check:      .asciz ", check "
bench_s_nl:         .asciz "\n"
bench_s_unexpected: .asciz "nanobench: unexpected trap "
bench_s_at:         .asciz " at pc "
bench_s_cr2:        .asciz ", cr2 "
bench_hexdigits:    .ascii "0123456789abcdef"
bench_numbuf:       .space 12

.bss
.align PAGE_SIZE
bench_pgdir: .space PAGE_SIZE
bench_pt:    .space PAGE_SIZE
bench_idt:   .space NVECTOR * 4
.align 16
bench_kstack:     .space 2048
bench_kstack_top:
bench_ustack:     .space 1024
bench_ustack_top:
