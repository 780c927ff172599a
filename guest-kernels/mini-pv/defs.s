; defs.s - mini-pv's constants: mini's own (guest-kernels/mini/defs.s), plus the two the port adds.

.include "../mini/defs.s"

.equ KERNEL_WINDOW, 0x400000            ; PV: the kernel's 1:1 map covers the first 4 MiB
.equ USER_CPL, 3 << FLAG_CPL_SHIFT      ; PV: the CPL bits of a trap frame from ring 3 (the kernel's own are ring 1)
