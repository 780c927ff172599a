; main.s - mini-pv: the mini kernel ported to paravirtualization with the SDK. Entry point; includes the rest.
;
; The same kernel as guest-kernels/mini, file for file, with every privileged or sensitive operation
; replaced by a hypercall or a store to the shared-info page (docs/porting-guide.md says which and
; why). It runs only under `--technique pv`: the `.pv` directive marks the image paravirtual.
; Build: vmlab asm guest-kernels/mini-pv/main.s   Run: vmlab run guest-kernels/mini-pv/main.s --technique pv

.pv
.include "vx32.inc"
.include "hypercall.inc"   ; PV: hypercall stubs and the event-mask macros
.include "split.inc"       ; PV: shared rings, grants and event ports for the split front-ends
.include "defs.s"

.text
.entry _start
.include "boot.s"       ; _start: start info, stack, traps, page tables, paging on, devices, tasks
.include "trap.s"       ; vector table, trap entry/exit, dispatcher, panic
.include "../mini/syscall.s" ; system-call table and the simple calls (mini's, unchanged)
.include "sched.s"      ; run queue, round-robin schedule, swtch, sleep, barrier, exit
.include "../mini/proc.s" ; task table and each task's first kernel stack (mini's, unchanged)
.include "vm.s"         ; page tables, paging on, map/unmap
.include "timer.s"      ; periodic tick, wakes sleepers
.include "console.s"    ; PV: console output through the console_write hypercall (was uart.s)
.include "nic.s"        ; NIC transmit ring
.include "blk.s"        ; block device
.include "lib.s"        ; console printing
.include "../mini/fmt.s" ; number formatting, memcpy/memzero (mini's, unchanged)
.include "../drivers/console.s" ; PV: the SDK's split front-ends (--devices split)
.include "../drivers/block.s"
.include "../drivers/net.s"
.include "../mini/user.s" ; ring-3 program (workload.s) and its library (ulib.s): mini's, unchanged
