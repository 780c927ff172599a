; workload.s - the user program every task runs at ring 3: six phases, each ended by a barrier.
;
; Every number a task reports depends only on its pid, never on scheduling, so the transcript is
; the same wherever timer interrupts land. Tasks report through write(); the kernel prints the
; lines at the barrier, in pid order. The sizes below can be changed with -D (e.g. -D W_GETPIDS=10000).

.ifndef W_GETPIDS
.equ W_GETPIDS, 2000            ; phase 2: getpid calls
.endif
.ifndef W_ROUNDS
.equ W_ROUNDS, 100              ; phase 3: ping-pong rounds per task
.endif
.ifndef W_MAPS
.equ W_MAPS, 256                ; phase 4: map/unmap rounds
.endif
.ifndef W_MAPWORDS
.equ W_MAPWORDS, 16             ; phase 4: words written and read back per round
.endif
.ifndef W_PACKETS
.equ W_PACKETS, 4               ; phase 5: packets sent
.endif
.ifndef W_SECTORS
.equ W_SECTORS, 4               ; phase 5: sectors written and read back
.endif
.ifndef W_SLEEPS
.equ W_SLEEPS, 3                ; phase 6: sleeps of <pid> ticks
.endif
.if W_SECTORS > 8
.error "W_SECTORS must be at most 8: each task owns 8 sectors (pid*8 ..)"
.endif
.if W_MAPWORDS > 1024
.error "W_MAPWORDS must be at most 1024: one page of words"
.endif

; MIX sum, value, tmp: sum = rotl((sum ^ value) * 0x9e3779b1, 13). The multiply mixes upward, the
; rotate brings high bits back down, so any changed bit of any word changes the whole result.
.macro MIX sum, value, tmp
    xor \sum, \value
    mul \sum, 0x9e3779b1
    mov \tmp, \sum
    shl \sum, 13
    shr \tmp, 19
    or \sum, \tmp
.endm

.text
user_main:
    call u_getpid
    st [U_PID], r0
    call phase_compute
    li r1, 1
    call u_barrier
    call phase_syscalls
    li r1, 2
    call u_barrier
    call phase_ctxsw
    li r1, 3
    call u_barrier
    call phase_ptedit
    li r1, 4
    call u_barrier
    call phase_io
    li r1, 5
    call u_barrier
    call phase_sleep
    li r1, 6
    call u_barrier
    ld r1, [U_PID]
    mul r1, 10
    li r0, SYS_EXIT
    int 0x80
1:  jmp 1b                      ; exit does not return

; --- phase 1: compute. Count primes below 1000 + 500*pid by trial division, and fold an LCG. ---
phase_compute:
    push r6
    push r7
    push r8
    ld r6, [U_PID]
    mov r7, r6
    mul r7, 500
    add r7, 1000                ; limit
    li r8, 0                    ; primes found
    li r6, 2                    ; candidate
.Lcand:
    cmp r6, r7
    jae .Lcounted
    mov r1, r6
    call is_prime
    add r8, r0
    add r6, 1
    jmp .Lcand
.Lcounted:
    call ub_task
    li r1, us_primes
    call ub_str
    mov r1, r7
    call ub_dec
    li r1, us_colon
    call ub_str
    mov r1, r8
    call ub_dec
    call ub_flush
    ; LCG: x = x * 1103515245 + 12345 from x = pid, folding x >> 16 into sum, 4096 steps
    ld r6, [U_PID]              ; x
    li r7, 0                    ; sum
    li r8, 4096
.Llcg:
    mul r6, 1103515245
    add r6, 12345
    mov r1, r6
    shr r1, 16
    MIX r7, r1, r2
    sub r8, 1
    cmp r8, 0
    jnz .Llcg
    call ub_task
    li r1, us_lcg
    call ub_str
    mov r1, r7
    call ub_hex
    call ub_flush
    pop r8
    pop r7
    pop r6
    ret

; is_prime(r1 = n) -> r0 = 1 if n is prime, else 0
is_prime:
    li r0, 0
    cmp r1, 2
    jb .Lout
    li r0, 1
    jz .Lout                    ; 2 (flags still from cmp r1, 2)
    li r0, 0
    test r1, 1
    jz .Lout                    ; even
    li r2, 3                    ; odd divisors 3, 5, 7, ... while d*d <= n
.Ltry:
    mov r3, r2
    mul r3, r2
    cmp r3, r1
    ja .Lprime
    mov r3, r1
    mod r3, r2
    cmp r3, 0
    jz .Lout
    add r2, 2
    jmp .Ltry
.Lprime:
    li r0, 1
.Lout:
    ret

; --- phase 2: system calls. W_GETPIDS getpid() calls, each checked. ---
phase_syscalls:
    push r6
    push r7
    push r8
    ld r6, [U_PID]
    li r7, 0                    ; wrong answers
    li r8, 0
.Lcall:
    call u_getpid
    cmp r0, r6
    jz .Lright
    add r7, 1
.Lright:
    add r8, 1
    cmp r8, W_GETPIDS
    jnz .Lcall
    call ub_task
    li r1, W_GETPIDS
    call ub_dec
    li r1, us_getpid
    call ub_str
    mov r1, r7
    call ub_dec
    li r1, us_wrong
    call ub_str
    call ub_flush
    pop r8
    pop r7
    pop r6
    ret

; --- phase 3: context switches. Ping-pong a baton round the tasks W_ROUNDS times: a task that
; does not hold it yields, so nearly every system call here is a switch to another task. ---
phase_ctxsw:
    push r6
    li r6, 0                    ; rounds done
.Ltry:
    li r0, SYS_PASS
    int 0x80
    cmp r0, 0
    jz .Lwait
    add r6, 1
    cmp r6, W_ROUNDS
    jz .Ldone
.Lwait:
    call u_yield
    jmp .Ltry
.Ldone:
    call ub_task
    mov r1, r6
    call ub_dec
    li r1, us_rounds
    call ub_str
    call ub_flush
    pop r6
    ret

; --- phase 4: page-table edits. Move the scratch frame round the scratch slots W_MAPS times:
; map it, read the word the previous round left (proving the same frame now appears at another
; address), write a pattern and read it back, unmap it. ---
phase_ptedit:
    push r6
    push r7
    push r8
    push r9
    push r10
    li r6, 0                    ; round
    li r7, 0                    ; checksum
    li r8, 0                    ; failed map/unmap calls
.Lround:
    mov r9, r6
    and r9, USER_SCRATCH_PAGES - 1
    shl r9, PAGE_SHIFT
    add r9, USER_SCRATCH        ; va of this round's slot
    mov r1, r9
    li r0, SYS_MAP
    int 0x80
    cmp r0, 0
    jz .Lmapped
    add r8, 1
    jmp .Lnext                  ; never touch a page that is not mapped
.Lmapped:
    ld r1, [r9]                 ; what the previous round wrote, seen through the new mapping
    MIX r7, r1, r3
    ld r10, [U_PID]
    shl r10, 24
    mov r1, r6
    shl r1, 8
    xor r10, r1                 ; pattern base: pid << 24 ^ round << 8
    li r2, 0
.Lwrite:
    mov r1, r10
    xor r1, r2
    mov r3, r2
    shl r3, 2
    add r3, r9
    st [r3], r1
    add r2, 1
    cmp r2, W_MAPWORDS
    jnz .Lwrite
    li r2, 0
.Lread:
    mov r3, r2
    shl r3, 2
    add r3, r9
    ld r1, [r3]
    MIX r7, r1, r4
    add r2, 1
    cmp r2, W_MAPWORDS
    jnz .Lread
    mov r1, r9
    li r0, SYS_UNMAP
    int 0x80
    cmp r0, 0
    jz .Lnext
    add r8, 1
.Lnext:
    add r6, 1
    cmp r6, W_MAPS
    jnz .Lround
    call ub_task
    li r1, W_MAPS
    call ub_dec
    li r1, us_maps
    call ub_str
    mov r1, r8
    call ub_dec
    li r1, us_failed
    call ub_str
    mov r1, r7
    call ub_hex
    call ub_flush
    pop r10
    pop r9
    pop r8
    pop r7
    pop r6
    ret

; --- phase 5: I/O. Send W_PACKETS packets; write W_SECTORS sectors of this task's own disk
; area (sectors pid*8 ...), read them back and compare. ---
phase_io:
    push r6
    push r7
    push r8
    push r9
    ; packets: packet i is 60 + 4*pid + i bytes of (pid << 4) + i + k
    li r6, 0                    ; packet
    li r7, 0                    ; packets sent
    li r8, 0                    ; bytes sent
.Lpacket:
    ld r9, [U_PID]
    shl r9, 2
    add r9, 60
    add r9, r6                  ; length
    li r2, 0
.Lfill:
    ld r1, [U_PID]
    shl r1, 4
    add r1, r6
    add r1, r2
    stb [r2 + U_PKT], r1
    add r2, 1
    cmp r2, r9
    jnz .Lfill
    li r1, U_PKT
    mov r2, r9
    li r0, SYS_SEND
    int 0x80
    cmp r0, r9
    jnz .Lunsent
    add r7, 1
    add r8, r9
.Lunsent:
    add r6, 1
    cmp r6, W_PACKETS
    jnz .Lpacket
    call ub_task
    li r1, us_sent
    call ub_str
    mov r1, r7
    call ub_dec
    li r1, us_packets
    call ub_str
    mov r1, r8
    call ub_dec
    li r1, us_bytes
    call ub_str
    call ub_flush
    ; sectors: write each, then read all back
    li r6, 0                    ; sector index
    li r7, 0                    ; failed calls
.Lwsector:
    mov r1, r6
    call sector_pattern         ; fills U_WBUF
    ld r1, [U_PID]
    shl r1, 3
    add r1, r6
    li r2, U_WBUF
    li r0, SYS_BLKWRITE
    int 0x80
    cmp r0, 0
    jz .Lwritten
    add r7, 1
.Lwritten:
    add r6, 1
    cmp r6, W_SECTORS
    jnz .Lwsector
    li r6, 0
    li r8, 0                    ; mismatched words
    li r9, 0                    ; checksum of what was read
.Lrsector:
    ld r1, [U_PID]
    shl r1, 3
    add r1, r6
    li r2, U_RBUF
    li r0, SYS_BLKREAD
    int 0x80
    cmp r0, 0
    jz .Lread
    add r7, 1
.Lread:
    mov r1, r6
    call sector_pattern         ; what should have come back
    li r2, 0
.Lcompare:
    ld r1, [r2 + U_RBUF]
    MIX r9, r1, r4
    ld r3, [r2 + U_WBUF]
    cmp r1, r3
    jz .Lsame
    add r8, 1
.Lsame:
    add r2, 4
    cmp r2, BLK_SECTOR_SIZE
    jnz .Lcompare
    add r6, 1
    cmp r6, W_SECTORS
    jnz .Lrsector
    call ub_task
    li r1, us_sectors
    call ub_str
    li r1, W_SECTORS
    call ub_dec
    li r1, us_sectors2
    call ub_str
    mov r1, r7
    call ub_dec
    li r1, us_failed2
    call ub_str
    mov r1, r8
    call ub_dec
    li r1, us_mismatch
    call ub_str
    mov r1, r9
    call ub_hex
    call ub_flush
    pop r9
    pop r8
    pop r7
    pop r6
    ret

; sector_pattern(r1 = sector index): fill U_WBUF with word k = pid << 24 ^ index << 16 ^ k * 2654435761
sector_pattern:
    ld r3, [U_PID]
    shl r3, 24
    shl r1, 16
    xor r3, r1
    li r2, 0
.Lword:
    mov r1, r2
    mul r1, 2654435761
    xor r1, r3
    mov r4, r2
    shl r4, 2
    st [r4 + U_WBUF], r1
    add r2, 1
    cmp r2, BLK_SECTOR_SIZE / 4
    jnz .Lword
    ret

; --- phase 6: sleep. Sleep <pid> ticks W_SLEEPS times; with every task asleep the kernel idles. ---
phase_sleep:
    push r6
    li r6, 0
.Lsleep:
    ld r1, [U_PID]
    li r0, SYS_SLEEP
    int 0x80
    add r6, 1
    cmp r6, W_SLEEPS
    jnz .Lsleep
    call ub_task
    li r1, us_slept
    call ub_str
    ld r1, [U_PID]
    call ub_dec
    li r1, us_times
    call ub_str
    mov r1, r6
    call ub_dec
    li r1, us_ticks
    call ub_str
    call ub_flush
    pop r6
    ret

us_primes:   .asciz "primes below "
us_lcg:      .asciz "lcg checksum "
us_getpid:   .asciz " getpid calls, "
us_wrong:    .asciz " wrong"
us_rounds:   .asciz " ping-pong rounds"
us_maps:     .asciz " map/unmap rounds, "
us_failed:   .asciz " failed, checksum "
us_sent:     .asciz "sent "
us_packets:  .asciz " packets, "
us_bytes:    .asciz " bytes"
us_sectors:  .asciz "wrote and read back "
us_sectors2: .asciz " sectors, "
us_failed2:  .asciz " failed, "
us_mismatch: .asciz " wrong words, checksum "
us_slept:    .asciz "sleep("
us_times:    .asciz ") "
us_ticks:    .asciz " times"
.align 4
