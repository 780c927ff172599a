; main.s - the mini kernel: the unmodified guest every vmlab comparison runs. Entry point; includes the rest.
;
; One file per concept, xv6 style. The order below is the order of the code in .text; each file
; adds its own variables to .data/.bss. The user program comes last so that it starts and ends on
; page boundaries: those pages are the only part of the image ring 3 may touch (see vm.s).
; Build: vmlab asm guest-kernels/mini/main.s   Run: vmlab run guest-kernels/mini/main.s

.include "vx32.inc"
.include "defs.s"

.text
.entry _start
.include "boot.s"       ; _start: stack, traps, paging, devices, tasks
.include "trap.s"       ; vector table, trap entry/exit, dispatcher, panic
.include "syscall.s"    ; system-call table and the simple calls
.include "sched.s"      ; run queue, round-robin schedule, swtch, sleep, barrier, exit
.include "proc.s"       ; task table and each task's first kernel stack
.include "vm.s"         ; page tables, paging on, map/unmap
.include "timer.s"      ; periodic tick, wakes sleepers
.include "uart.s"       ; console output
.include "nic.s"        ; NIC transmit ring
.include "blk.s"        ; block device
.include "lib.s"        ; console printing
.include "fmt.s"        ; number formatting, memcpy/memzero
.include "user.s"       ; ring-3 program (workload.s) and its library (ulib.s)
