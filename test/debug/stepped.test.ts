// A run stepped one instruction at a time (tracing) ends exactly as the untraced run, under every technique.
import { describe, expect, it } from 'vitest';
import { Hypervisor, type HypervisorOptions } from '../../vmm/hv/hypervisor.js';
import { runStepped } from '../../vmm/debug/stepped-run.js';
import { Stepper } from '../../vmm/debug/stepper.js';
import type { TraceEvent } from '../../vmm/debug/events.js';
import { parseTraceSpec, wanted } from '../../vmm/debug/trace-spec.js';
import { formatEvent } from '../../vmm/debug/trace-format.js';
import { ALL, kernel } from '../hv/helpers.js';

const MINI = kernel('mini/main.s');
const MINI_PV = kernel('mini-pv/main.s');
/** Far enough for boot, paging, the timer and ring-3 tasks (and exits of every kind), short enough to step. */
const LIMIT = 150_000;

const TECHNIQUES: readonly (Pick<HypervisorOptions, 'technique' | 'memory' | 'strict'> & { label: string; pv?: boolean })[] = [
  { label: 'native', technique: 'native' },
  ...ALL,
  { label: 'pv', technique: 'pv', pv: true },
];

describe('a stepped run', () => {
  for (const t of TECHNIQUES)
    it(`ends as the untraced run under ${t.label}`, () => {
      let stepper: Stepper | null = null;
      const build = (hooks: object) =>
        new Hypervisor([{ name: 'k', image: t.pv ? MINI_PV : MINI, blockImage: new Uint8Array(1 << 20) }], {
          technique: t.technique,
          strict: t.strict ?? false,
          ...(t.memory ? { memory: t.memory } : {}),
          ...hooks,
        });
      const plain = build({}).run(LIMIT)[0]!;
      const hv = build(Stepper.hooks(() => stepper));
      stepper = new Stepper(hv);
      const events: TraceEvent[] = [];
      runStepped(stepper, LIMIT, (e) => events.push(e));
      const traced = hv.run(LIMIT)[0]!;
      expect(traced.console).toBe(plain.console);
      expect(traced.console.length).toBeGreaterThan(0);
      expect(traced.stats.guestInstructions).toBe(plain.stats.guestInstructions);
      expect(traced.stats.interrupts).toBe(plain.stats.interrupts);
      expect(traced.stats.exitsTotal).toBe(plain.stats.exitsTotal);
      const insns = events.filter((e) => e.kind === 'insn');
      // One line per guest instruction, numbered in order.
      expect(insns.length).toBe(plain.stats.guestInstructions);
      expect(insns.slice(0, 100).every((e, i) => e.n === i)).toBe(true);
      expect(insns[0]!.where).toMatch(/boot\.s:\d+$/);
      // A PV kernel switches page tables by hypercall; cr3 as its registers show it need not move.
      if (!t.pv) expect(events.some((e) => e.kind === 'mmu' && e.what === 'cr3')).toBe(true);
    });
});

describe('the trace format', () => {
  it('parses kinds and exit-reason filters, and refuses unknown words', () => {
    const s = parseTraceSpec('insn,exits:IO,HLT,irq');
    if ('error' in s) throw new Error(s.error);
    expect([...s.kinds]).toEqual(['insn', 'exits', 'irq']);
    expect([...s.reasons!]).toEqual(['IO', 'HLT']);
    expect(wanted(s, { kind: 'exits', vm: 'k', n: 1, exit: { reason: 'CR_ACCESS', pc: 0 } as never, where: null })).toBe(false);
    expect(parseTraceSpec('insn,bogus')).toHaveProperty('error');
    expect(parseTraceSpec('exits:NOPE')).toHaveProperty('error');
    expect(parseTraceSpec('irq:IO')).toHaveProperty('error');
  });

  it('prints six |-separated fields per event', () => {
    const line = formatEvent({ kind: 'insn', vm: 'k', n: 7, pc: 0x1000, text: 'add r1, r2, r3', where: 'a.s:3', changed: [{ name: 'r1', before: 0, after: 5 }] });
    expect(line).toBe('insn | 7 | 0x00001000 | a.s:3 | add r1, r2, r3 | r1=0x00000005');
    expect(formatEvent({ kind: 'irq', vm: 'k', n: 9, vector: 0x20 }, true).split(' | ')).toEqual(['irq@k', '9', '-', '-', 'vector 0x20', 'IRQ 0']);
  });
});
