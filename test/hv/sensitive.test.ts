// Trap-and-emulate and the sensitive-unprivileged instructions: `popf` and `rdcpl` misbehave silently in
// ring 1, the guest sees the difference, and vmlab names the instruction and its source line. Strict VX32
// (they trap) and hardware assistance (the kernel really is in ring 0) give native's behaviour.
import { describe, expect, it } from 'vitest';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import { EMULATE, HW_NESTED, HW_SHADOW, native, runVmm, source, spec, TRAP, TRAP_STRICT } from './helpers.js';

const NAME = 'test/hv/sensitive.s';

// A critical section saved with pushf/cli and closed with popf, as mini does: the timer fires inside it,
// and the tick must be taken as soon as popf restores IF = 1. Then rdcpl at kernel level.
const TEXT = `.include "vx32.inc"
.text
_start:
    li sp, 0x8000
    li r1, ivt
    lidt r1
    li r1, tick
    st [ivt + (VEC_IRQ_BASE + IRQ_TIMER) * 4], r1
    li r1, 0xfffe
    out PORT_PIC_MASK, r1
    li r1, 40
    out PORT_TIMER_PERIOD, r1
    li r1, TIMER_ENABLE
    out PORT_TIMER_CTRL, r1
    sti
    pushf                               ; PUSHF_LINE
    cli
    li r3, 100
1:  sub r3, 1
    cmp r3, 0
    jnz 1b
    popf                                ; POPF_LINE
    li r3, 100
2:  sub r3, 1
    cmp r3, 0
    jnz 2b
    cli
    li r1, s_ticked
    call puts
    ld r1, [ticked]
    add r1, '0'
    call putc
    li r1, s_cpl
    call puts
    rdcpl r6                            ; RDCPL_LINE
    mov r1, r6
    add r1, '0'
    call putc
    li r1, 10
    call putc
    ld r1, [ticked]
    xor r1, 1                           ; status: bit 0 = no tick, bits 4.. = cpl
    shl r6, 4
    or r1, r6
    out PORT_POWEROFF, r1
    hlt

tick:
    push r1
    li r1, 1
    st [ticked], r1
    li r1, PIC_EOI
    out PORT_PIC_CMD, r1
    pop r1
    iret

putc:
    in r2, PORT_UART_STATUS
    test r2, UART_STATUS_TX
    jz putc
    out PORT_UART_DATA, r1
    ret

puts:
    mov r4, r1
1:  ldb r1, [r4]
    cmp r1, 0
    jz 2f
    call putc
    add r4, 1
    jmp 1b
2:  ret

.data
ticked: .word 0
s_ticked: .asciz "ticked="
s_cpl: .asciz " cpl="
.bss
.align 4
ivt: .space 256 * 4
`;

const lineOf = (marker: string) => TEXT.split('\n').findIndex((l) => l.includes(marker)) + 1;
const IMAGE = source(TEXT, NAME);

function run(cfg: Parameters<typeof runVmm>[1]): VmRunResult {
  return runVmm([spec('sensitive', IMAGE)], cfg, 1_000_000).results[0]!;
}

describe('sensitive instructions in a deprivileged kernel', () => {
  const oracle = native(IMAGE, { max: 1_000_000 });

  it('natively the tick is taken at popf and rdcpl reads 0', () => {
    expect(oracle.console).toBe('ticked=1 cpl=0\n');
    expect(oracle.exitCode).toBe(0);
  });

  it('under trap, popf silently leaves IF = 0 (the tick is lost) and rdcpl reads 1; both are reported with their line', () => {
    const r = run(TRAP);
    expect(r.status).toBe('poweroff');
    expect(r.console).toBe('ticked=0 cpl=1\n');
    expect(r.exitCode).toBe(0x11);

    const popf = r.divergences.filter((d) => d.insn === 'popf');
    expect(popf).toHaveLength(1);
    expect(popf[0]!.where).toBe(`${NAME}:${lineOf('POPF_LINE')}`);
    expect(popf[0]!.count).toBe(1);
    expect(popf[0]!.message).toContain('left IF=0; the guest meant IF=1');

    const rdcpl = r.divergences.filter((d) => d.insn === 'rdcpl');
    expect(rdcpl).toHaveLength(1);
    expect(rdcpl[0]!.where).toBe(`${NAME}:${lineOf('RDCPL_LINE')}`);
    expect(rdcpl[0]!.message).toContain('returned 1');

    // pushf ran while the real and virtual IF agreed, but the word it pushed says CPL 1: that is reported
    // too (the kernel here never looks, but the detector cannot know that), and nothing else is.
    const pushf = r.divergences.filter((d) => d.insn === 'pushf');
    expect(pushf.map((d) => d.message)).toEqual([
      `pushf at ${NAME}:${lineOf('PUSHF_LINE')} revealed the real CPL 1 (the guest's: IF=1, CPL 0); a real VMM never sees this`,
    ]);
    expect(r.divergences).toHaveLength(3);
  });

  it.each([EMULATE, TRAP_STRICT, HW_NESTED, HW_SHADOW].map((c) => [c.label, c] as const))(
    'under %s the guest sees exactly what it sees natively, with nothing to report',
    (_label, cfg) => {
      const r = run(cfg);
      expect({ status: r.status, exitCode: r.exitCode, console: r.console }).toEqual({
        status: oracle.status,
        exitCode: oracle.exitCode,
        console: oracle.console,
      });
      expect(r.divergences).toEqual([]);
    },
  );

  it('under trap with strict VX32 both instructions trap to the VMM and are emulated', () => {
    const loose = run(TRAP);
    const strict = run(TRAP_STRICT);
    expect(strict.stats.emulatedInstructions).toBeGreaterThan(loose.stats.emulatedInstructions);
  });
});
