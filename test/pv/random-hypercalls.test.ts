// Property: a PV guest making random hypercalls with random, in-range and machine-address arguments never makes
// the VMM throw, never changes a byte of the PV VM beside it (its VMM tables and RAM), and never breaks the
// frame-type invariants (the auditor, vmm/hv/pv/audit.ts, finds nothing after any hypercall).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HC_COUNT } from '../../isa/abi.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { auditPvDomain } from '../../vmm/hv/pv/audit.js';
import { PvRunner } from '../../vmm/hv/techniques/pv/runner.js';
import { firstDiff, regionOf, source } from '../hv/helpers.js';

const RAM = 0x20000;
const MAX = 20_000;
const QUANTUM = 500;

const IDLE = source(
  `.pv
.include "vx32.inc"
.include "hypercall.inc"
.text
_start:
    HYPERCALL HC_SCHED_BLOCK     ; no timer, no event: it stays blocked, and the VMM stops it as halted
1:  jmp 1b
`,
  'pv-idle.s',
);

/** One argument: anything, a small number, an address in its RAM, or a machine address near its own frames. */
const arg = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => `    li rX, ${v}`),
  fc.integer({ min: 0, max: 40 }).map((v) => `    li rX, ${v}`),
  fc.integer({ min: 0, max: RAM / 4 - 1 }).map((v) => `    li rX, ${v * 4}`),
  fc.integer({ min: -8, max: RAM / 4096 + 8 }).map((p) => `    li rX, ${p * 4096}\n    add rX, r11`),
);
const call = fc.record({
  nr: fc.oneof(fc.integer({ min: 0, max: HC_COUNT + 1 }), fc.integer({ min: 0, max: 0xffff_ffff })),
  args: fc.array(arg, { minLength: 5, maxLength: 5 }),
});

function program(calls: readonly { nr: number; args: readonly string[] }[]) {
  const body = calls
    .map(({ nr, args }) => `${args.map((a, i) => a.replaceAll('rX', `r${i + 1}`)).join('\n')}\n    li r0, ${nr}\n    hcall`)
    .join('\n');
  return source(
    `.pv
.include "vx32.inc"
.include "hypercall.inc"
.text
_start:
    li sp, stack_top
    ld r11, [r1 + START_INFO_MACHINE_BASE]
    li r1, vtable
    li r2, handler
    HYPERCALL HC_SET_TRAP_TABLE
${body}
    li r1, 0
    HYPERCALL HC_SHUTDOWN
handler:
    li r1, 7
    HYPERCALL HC_SHUTDOWN
.data
vtable:
${Array.from({ length: 256 }, () => '    .word handler').join('\n')}
.bss
.space 1024
stack_top:
`,
    'pv-random.s',
  );
}

function run(images: readonly ReturnType<typeof source>[]) {
  const hv = new Hypervisor(
    images.map((image, i) => ({ name: `vm${i}`, image, ramSize: RAM, devices: 'split' as const })),
    { technique: 'pv', quantum: QUANTUM },
  );
  // The auditor after every exit of every domain, and once more at the end.
  const violations: string[] = [];
  const pv = hv.runners.filter((r): r is PvRunner => r instanceof PvRunner);
  const audit = (r: PvRunner, when: string) => violations.push(...auditPvDomain(r).map((v) => `${r.vm.name} ${when}: ${v}`));
  for (const r of pv) r.afterExit = () => audit(r, `after exit ${r.vm.counters.hostTraps}`);
  const results = hv.run(MAX);
  for (const r of pv) audit(r, 'at the end');
  return { hv, results, violations, audits: pv.length };
}

describe('random hypercalls from a PV guest', () => {
  const baseline = ([0, 1] as const).map((at) => regionOf(run([IDLE, IDLE]).hv, at));

  it('never make the VMM throw, and leave the PV VM beside it untouched', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 24 }), fc.boolean(), (calls, randomFirst) => {
        const rnd = program(calls);
        const { hv, results, violations } = run(randomFirst ? [rnd, IDLE] : [IDLE, rnd]);
        expect(violations).toEqual([]);
        const at = randomFirst ? 1 : 0;
        const r = results[1 - at]!;
        expect(['crash', 'poweroff', 'limit', 'halted']).toContain(r.status);
        expect(results[at]!.status).toBe('halted');
        expect(firstDiff(regionOf(hv, at), baseline[at]!)).toBe(-1);
        for (const k of Object.keys(r.stats.hypercalls)) kinds.add(k);
      }),
      { numRuns: 40 },
    );
    // The runs reached well into the table, not just the first call.
    expect(kinds.size).toBeGreaterThan(12);
  });
});
