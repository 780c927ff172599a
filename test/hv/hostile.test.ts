// Resource control: a hostile guest beside an innocent one, under every technique. The VMM never throws,
// the hostile VM ends with a clear status (the same one it gets on bare metal), and the innocent VM's
// console, exit status and whole host region (the VMM's tables for it, then its RAM) are byte for byte
// what they are beside a VM that only halts.
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import type { RunResult } from '../../vmm/run-result.js';
import {
  ALL,
  firstDiff,
  hostile,
  IDLE_SOURCE,
  kernel,
  native,
  nativeMachine,
  ramOf,
  regionOf,
  runVmm,
  source,
  spec,
  TRAP,
  type VmmConfig,
} from './helpers.js';

/** Small enough that the innocent VM is switched out many times during its run. */
const QUANTUM = 3_000;
const IDLE = source(IDLE_SOURCE, 'idle.s');
const INNOCENT = kernel('nanobench/ptemod.s', { ITERS: 40 });

interface Hostile {
  readonly name: string;
  readonly image: Image;
  /** Instruction budget per VM (the innocent one needs about 16 000). */
  readonly max: number;
  /**
   * Whether the architecture defines what the guest sees, so it must match bare metal. Not so for a
   * guest that rewrites live page-table entries without `invlpg`: whether the stale translation is used
   * is the TLB's business (shadow paging drops it at once; the bare machine's TLB keeps it a while).
   */
  readonly defined: boolean;
}

const HOSTILES: readonly Hostile[] = [
  // 1M stores of 5 instructions: the whole of RAM, then its own loop, then it crashes.
  { name: 'wipe (physical)', image: hostile('wipe.s'), max: 6_000_000, defined: true },
  { name: 'wipe (through its page tables)', image: hostile('wipe.s', { PAGED: 1 }), max: 6_000_000, defined: false },
  { name: 'wild page tables', image: hostile('wildmap.s'), max: 100_000, defined: true },
  { name: 'DMA outside its RAM', image: hostile('dma.s'), max: 100_000, defined: true },
  { name: 'exit flood', image: hostile('flood.s'), max: 60_000, defined: true },
  { name: 'trap frames on its own page table', image: hostile('ptstack.s'), max: 100_000, defined: true },
  // Translator-only instructions as guest code: #UD each, never run (bt runs this kernel from the code cache).
  { name: 'window instructions as guest code', image: hostile('winops.s'), max: 100_000, defined: true },
  ...[0, 1, 2, 3].map((m) => ({
    name: `undeliverable trap (mode ${m})`,
    image: hostile('badstack.s', { MODE: m }),
    max: 100_000,
    defined: true,
  })),
];

function observable(r: RunResult) {
  return { status: r.status, exitCode: r.exitCode, console: r.console };
}

/** The innocent VM beside an idle one, at index `at`: what every hostile pairing must reproduce. */
const baselines = new Map<string, { result: VmRunResult; region: Uint8Array }>();
function baseline(cfg: VmmConfig, at: 0 | 1, max: number) {
  const key = `${cfg.label} ${at} ${max}`;
  let b = baselines.get(key);
  if (!b) {
    const specs = at === 1 ? [spec('idle', IDLE), spec('innocent', INNOCENT)] : [spec('innocent', INNOCENT), spec('idle', IDLE)];
    const { hv, results } = runVmm(specs, cfg, max, QUANTUM);
    b = { result: results[at]!, region: regionOf(hv, at) };
    baselines.set(key, b);
  }
  return b;
}

const innocentAlone = native(INNOCENT);

it('window instructions are #UD for a guest on bare metal (the oracle for winops.s)', () => {
  expect(native(hostile('winops.s'), { max: 100_000 }).console).toBe('winops: traps 9, check 4660\n');
});

describe.each(ALL.map((c) => [c.label, c] as const))('under %s', (_label, cfg) => {
  it('the innocent kernel beside an idle VM runs as it does natively (the baseline is sound)', () => {
    const b = baseline(cfg, 1, 100_000);
    expect(observable(b.result)).toEqual(observable(innocentAlone));
    expect(b.result.status).toBe('poweroff');
  });

  describe.each(HOSTILES.map((h) => [h.name, h] as const))('%s', (_name, h) => {
    const bare = nativeMachine(h.image, { max: h.max });
    const oracle = bare.result;

    for (const at of [1, 0] as const) {
      it(`leaves the innocent VM untouched (hostile VM ${at === 1 ? 'first' : 'second'})`, () => {
        const specs = at === 1 ? [spec('hostile', h.image), spec('innocent', INNOCENT)] : [spec('innocent', INNOCENT), spec('hostile', h.image)];
        let run: ReturnType<typeof runVmm> | undefined;
        expect(() => (run = runVmm(specs, cfg, h.max, QUANTUM))).not.toThrow();
        const { hv, results } = run!;
        const bad = results[1 - at]!;
        const good = results[at]!;

        // The hostile VM stops with a status and, if it crashed, says why; as on bare metal.
        expect(['crash', 'poweroff', 'limit', 'halted']).toContain(bad.status);
        if (bad.status === 'crash') expect(bad.crash?.reason).toMatch(/\w/);
        if (h.defined) {
          expect(observable(bad)).toEqual(observable(oracle));
          expect(firstDiff(ramOf(hv, 1 - at), bare.machine.mem), "first byte of the hostile VM's RAM that differs from native").toBe(-1);
        } else expect(bad.status).toBe(oracle.status);

        // The innocent VM: same output and status as alone, same bytes as beside an idle VM.
        expect(observable(good)).toEqual(observable(innocentAlone));
        const want = baseline(cfg, at, h.max).region;
        expect(firstDiff(regionOf(hv, at), want), 'first byte of the innocent region that differs').toBe(-1);
      });
    }
  });
});

// mini (lighter workload, about 0.8M instructions) as the innocent VM: timer interrupts, ring 3, every
// device, its own shadow or second stage, while a hostile neighbour floods exits, maps wild frames or aims
// DMA outside its RAM.
describe('mini beside hostile guests', () => {
  const MINI = kernel('mini/main.s', { W_GETPIDS: 300, W_ROUNDS: 20, W_MAPS: 40 });
  const miniAlone = native(MINI);
  const pick = ['wild page tables', 'DMA outside its RAM', 'exit flood'];

  it.each(ALL.map((c) => [c.label, c] as const))('under %s', (_label, cfg) => {
    const max = 1_000_000;
    const { hv: hvIdle, results: idleRun } = runVmm([spec('idle', IDLE), spec('mini', MINI)], cfg, max, QUANTUM);
    // Trap-and-emulate without strict VX32 loses ticks (see differential.test.ts): it is compared with itself.
    if (cfg !== TRAP) expect(observable(idleRun[1]!)).toEqual(observable(miniAlone));
    const want = regionOf(hvIdle, 1);
    for (const name of pick) {
      const h = HOSTILES.find((x) => x.name === name)!;
      const { hv, results } = runVmm([spec('hostile', h.image), spec('mini', MINI)], cfg, max, QUANTUM);
      expect(['crash', 'poweroff', 'limit', 'halted']).toContain(results[0]!.status);
      expect(observable(results[1]!), name).toEqual(observable(idleRun[1]!));
      expect(firstDiff(regionOf(hv, 1), want), `${name}: first byte of mini's region that differs`).toBe(-1);
    }
  });
});
