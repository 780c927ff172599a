; syscall.s - nanobenchmark (Adams & Agesen): a null system call. Ring 3 does `int 0x80` ITERS times;
; the handler returns at once. A trap into the kernel and an iret back, nothing else.
.include "vx32.inc"
.include "common.inc"

.equ VEC_EXIT, 0x81             ; the user loop's way back into the kernel when it is done

.text
bench_main:
    SETVEC VEC_SYSCALL, null_syscall
    SETVEC VEC_EXIT, user_done
    li r1, user_loop
    li r2, bench_ustack_top
    jmp bench_enter_user

; ring 3
user_loop:
    li r6, ITERS
1:  int 0x80
    sub r6, 1
    cmp r6, 0
    jnz 1b
    int VEC_EXIT

; the null system call: the CPU's frame is all iret needs
null_syscall:
    iret

; ring 0 again, for good
user_done:
    call bench_done

.data
bench_name: .asciz "syscall"
