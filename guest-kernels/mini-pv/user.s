; user.s - the ring-3 part of the image: starts and ends on a page boundary so that vm.s can map
; exactly these pages with PTE_U (read-only, shared by every task). Nothing in here may touch
; kernel memory; a task's writable memory is its own user window (USER_DATA, scratch slots, stack).

.text
.align PAGE_SIZE
user_text_start:
.include "workload.s"   ; user_main: the phases every task runs
.include "ulib.s"       ; system-call wrappers and line formatting
.align PAGE_SIZE
user_text_end:
