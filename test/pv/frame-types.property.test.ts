// Property (the class "a PV guest can write another VM's memory"): whatever random sequence of mmu_update
// (entries, pins, unpins, batches), update_va_mapping, new_baseptr, grants, back-end connections, event
// operations, plain stores and faulting loads a PV kernel makes, the frame auditor finds nothing after any
// exit, the VMM never throws, and the PV VM beside it keeps every byte of its host region.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PTE } from '../../isa/abi.js';
import { VM_POOL_BYTES } from '../../vmm/hv/host.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { auditPvDomain } from '../../vmm/hv/pv/audit.js';
import { PvRunner } from '../../vmm/hv/techniques/pv/runner.js';
import { firstDiff, regionOf, source } from '../hv/helpers.js';

const RAM = 0x20000;
const MAX = 30_000;
const QUANTUM = 700;
/** A frame of the VM placed first (the idle bystander): its RAM follows its VMM pool. */
const OTHER = VM_POOL_BYTES + PAGE_SIZE;

const IDLE = source(
  `.pv
.include "vx32.inc"
.include "hypercall.inc"
.text
_start:
    HYPERCALL HC_SCHED_BLOCK
1:  jmp 1b
`,
  'pv-idle.s',
);

/** Frames the random kernel names: pages of its own, the VMM's, another VM's, its pool's, a device's. */
const LABELS = ['p0', 'p1', 'p2', 'd0', 'ktab', 'data'] as const;
const FRAMES = [...LABELS, 'si', 'sh', 'other', 'pool', 'device'] as const;
type Frame = (typeof FRAMES)[number];

/** Lines that leave in `r` the machine address of `f`. */
function ma(f: Frame, r: string): string[] {
  switch (f) {
    case 'si':
      return [`mov ${r}, r12`, `add ${r}, r11`];
    case 'sh':
      return [`mov ${r}, r10`, `add ${r}, r11`];
    case 'other':
      return [`li ${r}, ${OTHER}`];
    case 'pool':
      return [`mov ${r}, r11`, `sub ${r}, ${PAGE_SIZE}`];
    case 'device':
      return [`li ${r}, MEM_NIC_MMIO`];
    default:
      return [`li ${r}, ${f}`, `add ${r}, r11`];
  }
}

/** Lines that leave in `r` the pseudo-physical address of `f` (its virtual one too, 1:1). */
function pa(f: Frame, r: string): string[] {
  switch (f) {
    case 'si':
      return [`mov ${r}, r12`];
    case 'sh':
      return [`mov ${r}, r10`];
    case 'other':
      return [`li ${r}, ${OTHER}`];
    case 'pool':
      return [`li ${r}, ${-PAGE_SIZE}`];
    case 'device':
      return [`li ${r}, MEM_NIC_MMIO`];
    default:
      return [`li ${r}, ${f}`];
  }
}

const frame = fc.constantFrom(...FRAMES);
/** A frame to use as a page table: mostly the candidate pages (never `data`, which holds the stack). */
const tableFrame = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Frame>('p0', 'p1', 'p2', 'd0', 'ktab') },
  { weight: 2, arbitrary: fc.constantFrom<Frame>('si', 'sh', 'other', 'pool', 'device') },
);
const flags = fc.constantFrom(0, PTE.P, PTE.P | PTE.W, PTE.P | PTE.W | PTE.U, PTE.P | PTE.U);
/** A page-table entry: empty, or a frame with flags. */
const pte = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: fc.tuple(frame, flags) });
function pteLines(v: [Frame, number] | null, r: string): string[] {
  return v === null ? [`li ${r}, 0`] : [...ma(v[0], r), `or ${r}, ${v[1]}`];
}
/** An entry of a table: a small index, or the one a 1:1 map uses for a frame's page. */
const slot = fc.oneof(fc.integer({ min: 0, max: 3 }), frame.map((f) => ({ pageOf: f })));
/** A virtual address: a frame's (1:1), in directory slot 1, or shaped like a PTE for a frame. */
const va = fc.oneof(
  frame.map((f) => pa(f, 'r1')),
  fc.integer({ min: 0, max: 3 }).map((k) => [`li r1, ${0x40_0000 + k * PAGE_SIZE}`]),
  fc.tuple(frame, flags).map(([f, fl]) => [...ma(f, 'r1'), `or r1, ${fl | 1}`]),
);

const request = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('entry' as const), table: tableFrame, slot, value: pte }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('pin1' as const, 'pin2' as const, 'unpin' as const), table: tableFrame }) },
);
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function requestLines(q: Request): string[] {
  if (q.kind !== 'entry') return [...ma(q.table, 'r1'), `or r1, ${{ pin1: 1, unpin: 2, pin2: 3 }[q.kind]}`, 'li r2, 0'];
  const at =
    typeof q.slot === 'number'
      ? [`add r1, ${q.slot * 4}`]
      : [...pa(q.slot.pageOf, 'r3'), 'shr r3, 10', 'and r3, 0xffc', 'add r1, r3'];
  return [...ma(q.table, 'r1'), ...at, ...pteLines(q.value, 'r2')];
}

const HC = (name: string) => [`HYPERCALL HC_${name}`];
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
/** One mmu_update batch. */
const batch = (qs: readonly Request[]) => [
  ...qs.flatMap((q, i) => [...requestLines(q), `st [reqs + ${8 * i}], r1`, `st [reqs + ${8 * i + 4}], r2`]),
  'li r1, reqs',
  `li r2, ${qs.length}`,
  ...HC('MMU_UPDATE'),
];
const op = fc.oneof(
  w(10, fc.array(request, { minLength: 1, maxLength: 3 }).map(batch)),
  // A table's whole life in one batch: pinned, edited, unpinned (its references taken, then dropped).
  w(2, fc.tuple(tableFrame, fc.constantFrom('pin1' as const, 'pin2' as const), slot, pte).map(([t, kind, at, value]) =>
    batch([{ kind, table: t }, { kind: 'entry', table: t, slot: at, value }, { kind: 'unpin', table: t }]),
  )),
  w(3, fc.tuple(va, pte, fc.constantFrom(0, 1, 2)).map(([v, p, fl]) => [...v, ...pteLines(p, 'r2'), `li r3, ${fl}`, ...HC('UPDATE_VA_MAPPING')])),
  w(2, fc.oneof(w(3, fc.constant<Frame>('d0')), w(1, tableFrame)).map((f) => [...ma(f, 'r1'), ...HC('NEW_BASEPTR')])),
  // A plain store (a page table or the VMM's start info must fault) and a load that may fault (the VMM
  // then stores cr2, a PTE-shaped number, into shared info); a hypercall after each is a defined point.
  w(2, fc.tuple(va, pte).map(([v, p]) => [...v, ...pteLines(p, 'r2'), 'st [r1], r2', ...HC('VERSION')])),
  w(1, va.map((v) => [...v, 'ld r2, [r1]', ...HC('VERSION')])),
  // Grants, mostly of the pages it also uses as tables (so that grants and pins meet).
  w(3, fc.tuple(fc.oneof(w(2, tableFrame), w(1, frame)), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 0, max: 3 })).map(([f, b, ro, k]) => [
    ...pa(f, 'r1'),
    `li r2, ${b}`,
    `li r3, ${ro ? 1 : 0}`,
    ...HC('GRANT'),
    `st [grefs + ${4 * k}], r0`,
  ])),
  w(1, fc.integer({ min: 0, max: 3 }).map((k) => [`ld r1, [grefs + ${4 * k}]`, ...HC('GRANT_REVOKE')])),
  // A grant, then a pin of the same page (a granted page must never become a table).
  w(1, fc.tuple(tableFrame, fc.boolean(), fc.constantFrom('pin1' as const, 'pin2' as const)).map(([f, ro, kind]) => [
    ...pa(f, 'r1'),
    'li r2, 1',
    `li r3, ${ro ? 1 : 0}`,
    ...HC('GRANT'),
    'st [grefs + 16], r0',
    ...batch([{ kind, table: f }]),
  ])),
  w(1, fc.integer({ min: 0, max: 2 }).map((b) => ['li r1, EVT_BIND_BACKEND', `li r2, ${b}`, ...HC('EVTCHN_BIND'), `st [ports + ${4 * b}], r0`])),
  w(1, fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([b, k]) => [
    `li r1, ${b}`,
    `ld r2, [grefs + ${4 * k}]`,
    `ld r3, [ports + ${4 * b}]`,
    `ld r4, [grefs + ${4 * k + 4}]`,
    ...HC('DEVICE_CONNECT'),
  ])),
  w(1, fc.integer({ min: 0, max: 2 }).map((b) => [`ld r1, [ports + ${4 * b}]`, ...HC('EVTCHN_SEND')])),
  w(1, fc.constant(['li r1, EVT_BIND_VIRQ', 'li r2, VIRQ_TIMER', ...HC('EVTCHN_BIND')])),
  w(1, fc.constantFrom(0, 37, 300).map((p) => [`li r1, ${p}`, 'li r2, 1', ...HC('SET_TIMER')])),
  w(1, fc.tuple(fc.constantFrom('MASK', 'UNMASK', 'SEND'), fc.integer({ min: 1, max: 3 })).map(([c, p]) => [`li r1, ${p}`, ...HC(`EVTCHN_${c}`)])),
  w(1, fc.constantFrom(0, 1).map((m) => [`li r1, ${m}`, 'st [r10 + SHINFO_UPCALL_MASK], r1', ...HC('VERSION')])),
);

/** The kernel: a trap table, a 1:1 kernel table `ktab` and directory `d0` built with plain stores, then the ops. */
function program(ops: readonly (readonly string[])[]) {
  const body = ops.map((o) => o.map((l) => `    ${l}`).join('\n')).join('\n');
  return source(
    `.pv
.include "vx32.inc"
.include "hypercall.inc"
.text
_start:
    li sp, stack_top
    mov r12, r1
    ld r11, [r12 + START_INFO_MACHINE_BASE]
    ld r10, [r12 + START_INFO_SHARED_INFO]
    li r1, vtable
    li r2, skip
    li r3, 256
1:  st [r1], r2
    add r1, 4
    sub r3, 1
    cmp r3, 0
    jnz 1b
    li r1, vtable
    li r2, upcall
    HYPERCALL HC_SET_TRAP_TABLE
    ; ktab: pages 1.. of RAM 1:1, writable but for the candidate tables and start info
    li r1, ktab
    li r3, 1
2:  mov r2, r3
    shl r2, 12
    mov r4, r2
    add r2, r11
    or r2, PTE_P
    li r5, p0
    cmp r4, r5
    jb 3f
    li r5, data
    cmp r4, r5
    jb 4f
3:  cmp r4, r12
    jz 4f
    or r2, PTE_W
4:  st [r1 + 4], r2
    add r1, 4
    add r3, 1
    cmp r3, ${RAM / PAGE_SIZE}
    jnz 2b
    li r2, ktab
    add r2, r11
    or r2, PTE_P | PTE_W | PTE_U
    st [d0], r2
${body}
    li r1, 0
    HYPERCALL HC_SHUTDOWN
; skip: count the trap and step over a 4-byte instruction; give up after many.
skip:
    push r1
    ld r1, [faults]
    add r1, 1
    st [faults], r1
    cmp r1, 64
    ja 5f
    ld r1, [sp + 4 + FRAME_PC]
    add r1, 4
    st [sp + 4 + FRAME_PC], r1
    pop r1
    PV_IRET
5:  li r1, 9
    HYPERCALL HC_SHUTDOWN
upcall:
    push r1
    li r1, 0
    st [r10 + SHINFO_UPCALL_PENDING], r1
    st [r10 + SHINFO_EVT_PENDING], r1
    pop r1
    PV_IRET
.data
.align 4
faults: .word 0
grefs: .word -1, -1, -1, -1, -1
ports: .word 0, 0, 0
reqs: .space 24
.bss
.align 4096
p0: .space 4096
p1: .space 4096
p2: .space 4096
d0: .space 4096
ktab: .space 4096
data:
vtable: .space 1024
.space 2048
stack_top:
`,
    'pv-frame-types.s',
  );
}

function run(images: readonly ReturnType<typeof source>[]) {
  const hv = new Hypervisor(
    images.map((image, i) => ({ name: `vm${i}`, image, ramSize: RAM, devices: 'split' as const })),
    { technique: 'pv', quantum: QUANTUM },
  );
  const violations: string[] = [];
  const pv = hv.runners.filter((r): r is PvRunner => r instanceof PvRunner);
  let audits = 0;
  const audit = (r: PvRunner, when: string) => {
    audits++;

    violations.push(...auditPvDomain(r).map((v) => `${r.vm.name} ${when}: ${v}`));
  };
  for (const r of pv) r.afterExit = () => audit(r, `after exit ${r.vm.counters.hostTraps}`);
  const results = hv.run(MAX);
  for (const r of pv) audit(r, 'at the end');
  return { hv, results, violations, audits };
}

describe('frame types under random PV memory operations', () => {
  const baseline = regionOf(run([IDLE, IDLE]).hv, 0);

  it('keep every invariant after every exit, and leave the VM beside untouched', () => {
    const seen = { pins: 0, unpins: 0, updates: 0, rejected: 0, grants: 0, reflected: 0, audits: 0 };
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { minLength: 8, maxLength: 40 }), (onOwnTables, ops) => {
        const start = onOwnTables ? [[...ma('d0', 'r1'), ...HC('NEW_BASEPTR')]] : [];
        const { hv, results, violations, audits } = run([IDLE, program([...start, ...ops])]);
        expect(violations).toEqual([]);
        expect(['crash', 'poweroff', 'limit', 'halted']).toContain(results[1]!.status);
        expect(results[0]!.status).toBe('halted');
        expect(firstDiff(regionOf(hv, 0), baseline)).toBe(-1);
        const r = hv.runners[1] as PvRunner;
        seen.pins += r.paging.stats.pins;
        seen.unpins += r.paging.stats.unpins;
        seen.updates += r.paging.stats.updates;
        seen.rejected += r.paging.stats.rejected;
        seen.grants += r.grants.active().length;
        seen.reflected += r.vm.counters.reflectedTraps;
        seen.audits += audits;
      }),
      { numRuns: 40 },
    );
    // The runs got somewhere: tables pinned and edited, entries refused, grants held, faults reflected.
    // (Each bound is a small fraction of what 40 runs reach.)
    const least = { pins: 20, unpins: 0, updates: 5, rejected: 20, grants: 0, reflected: 10, audits: 200 };
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(least[k as keyof typeof least]);
  });
});
