// Protected-page writes: every memory instruction that lands on a page the VMM write-protects (a guest page
// table under shadow paging) or cannot let the guest reach (a device register) is performed by the VMM
// exactly as the bare machine runs it, whatever its width, alignment and page crossing, and faults where
// the bare machine faults. Under native, emulate, trap --strict, bt, hw/nested and hw/shadow the guest ends
// with native's console, status and every byte of RAM (its registers and FLAGS after each case, its fault
// log, the device registers it wrote, copied to RAM).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import { BT, EMULATE, firstDiff, HW_NESTED, HW_SHADOW, nativeMachine, ramOf, runVmm, source, spec, TRAP_STRICT } from './helpers.js';
import { everyCase, kernelSource, MEMORY_INSNS, placesFor, type Case } from './memory-cases.js';

const CONFIGS = [EMULATE, TRAP_STRICT, BT, HW_NESTED, HW_SHADOW];
const MAX = 2_000_000;

/** Run `img` natively and under every configuration; every one must end as native does. */
function expectNativeEverywhere(img: Image): void {
  const loose = nativeMachine(img, { max: MAX });
  const strict = nativeMachine(img, { max: MAX, strict: true });
  expect(loose.result.status, 'the oracle powers off').toBe('poweroff');
  for (const cfg of CONFIGS) {
    const { hv, results } = runVmm([spec('guest', img)], cfg, MAX);
    const r = results[0]!;
    const want = cfg.strict ? strict : loose;
    expect({ cfg: cfg.label, status: r.status, console: r.console, crash: r.crash?.reason }).toEqual({
      cfg: cfg.label,
      status: want.result.status,
      console: want.result.console,
      crash: undefined,
    });
    expect(firstDiff(ramOf(hv, 0), want.machine.mem), `${cfg.label}: first RAM byte that differs from native`).toBe(-1);
  }
}

const WRITERS = MEMORY_INSNS.filter((e) => e.mem!.access === 'write');

/** A random case: any memory entry (writes twice as often), any place it makes sense at, any offset and value. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    insn: fc.oneof(fc.constantFrom(...WRITERS), fc.constantFrom(...WRITERS), fc.constantFrom(...MEMORY_INSNS)),
    pick: fc.nat(),
    offset: fc.nat(),
    value: fc.integer({ min: 0, max: 0xffffffff }),
    absolute: fc.boolean(),
    disp: fc.integer({ min: -0x8000, max: 0x7fff }),
  })
  .map(({ insn, pick, ...rest }) => {
    const places = placesFor(insn);
    const c = { insn, place: places[pick % places.length]!, ...rest };
    // A shrunk counterexample reads as the case, not as the whole table entry.
    return Object.assign(c, { [fc.toStringMethod]: () => `${insn.id}@${c.place} ${JSON.stringify(rest)}` });
  });

describe('protected-page writes', () => {
  it('any memory instruction at random offsets and values, on and around page tables and device pages, as native', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 4, maxLength: 12 }), (cases) => {
        expectNativeEverywhere(source(kernelSource(cases, 2), 'random-cases.s'));
      }),
      { numRuns: 4 },
    );
  });

  it('an unaligned store straddling the start of a page-table page keeps the bytes before it', () => {
    const cases = everyCase(WRITERS.filter((e) => e.mem!.at === 'operand' && e.mem!.width > 1)).filter((c) => c.place === 'pt-start');
    expect(cases.length).toBeGreaterThan(0);
    expectNativeEverywhere(source(kernelSource(cases, 3), 'pt-start.s'));
  });

  it('call, push and pushf with the stack in a page-table page run on, as native', () => {
    const stack = WRITERS.filter((e) => e.mem!.at === 'push');
    expect(stack.map((e) => e.flow)).toContain('call');
    const cases = everyCase(stack).filter((c) => c.place.startsWith('pt-'));
    expectNativeEverywhere(source(kernelSource(cases, 3), 'pt-stack.s'));
  });

  it('push, call and pushf onto a device register, and pop, ret, popf and iret from one, as native', () => {
    const stack = MEMORY_INSNS.filter((e) => e.mem!.at !== 'operand');
    const cases = everyCase(stack).filter((c) => c.place === 'device');
    expect(cases.length).toBe(stack.length);
    expectNativeEverywhere(source(kernelSource(cases, 2), 'device-stack.s'));
  });
});
