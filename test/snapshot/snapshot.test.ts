// Snapshot and restore: a run saved at any point and resumed ends exactly as the run that was never stopped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import { MEMMAP } from '../../isa/abi.js';
import { Hypervisor, type HypervisorOptions, type VmSpec } from '../../vmm/hv/hypervisor.js';
import { decodeSnapshot, encodeSnapshot, SnapshotError } from '../../vmm/snapshot/format.js';
import { kernel } from '../hv/helpers.js';

const MAX = 50_000_000;
const MINI = kernel('mini/main.s');
const MINI_PV = kernel('mini-pv/main.s');
const DISK = 1 << 20;

/**
 * The techniques whose runs must agree with bare metal, as the acceptance lists them, each with its kernel
 * and where in it a timer interrupt and a block request are handled (pv: mini-pv over split devices).
 */
interface Technique extends Pick<HypervisorOptions, 'technique' | 'memory' | 'strict'> {
  readonly label: string;
  readonly image?: Image;
}
const TECHNIQUES: readonly Technique[] = [
  { label: 'native', technique: 'native' },
  { label: 'emulate', technique: 'emulate' },
  { label: 'trap --strict', technique: 'trap', strict: true },
  { label: 'bt', technique: 'bt' },
  { label: 'hw/nested', technique: 'hw', memory: 'nested' },
  { label: 'hw/shadow', technique: 'hw', memory: 'shadow' },
  { label: 'pv (mini-pv, split devices)', technique: 'pv', image: MINI_PV },
];
/** Per kernel: the timer handler, and a span of the block driver between queuing a request and its answer. */
const PLACES = new Map<Image, { timer: [string, number]; block: [string, string] }>([
  [MINI, { timer: ['timer_intr', 0x80], block: ['blk_rw', 'blk_check'] }],
  [MINI_PV, { timer: ['timer_intr', 0x80], block: ['blkfront_kick', 'blkfront_rw'] }],
]);

type Opts = Technique;
const imageOf = (o: Opts): Image => o.image ?? MINI;
const specs = (image: Image, n = 1): VmSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `vm${i}`, image, blockImage: new Uint8Array(DISK) }));
const build = (o: Opts, image: Image, n = 1) => new Hypervisor(specs(image, n), { technique: o.technique, strict: o.strict ?? false, ...(o.memory ? { memory: o.memory } : {}) });

/** Run to `at`, save to bytes, restore from them in a fresh hypervisor and run to the end. */
function splitRun(o: Opts, image: Image, at: number, n = 1) {
  const a = build(o, image, n);
  a.runUntil(at);
  const before = a.results().map((r) => r.console);
  const bytes = encodeSnapshot({ run: a.save(), images: a.vms.map((vm) => vm.image), maxInstructions: MAX });
  const snap = decodeSnapshot(bytes);
  const after = snap.run.state.vms.map(() => '');
  const b = Hypervisor.restore(snap.run, snap.images, { consoleSinks: after.map((_, i) => (s: string) => (after[i] += s)) });
  const results = b.run(MAX);
  return { before, after, results, bytes };
}

const whole = new Map<string, ReturnType<Hypervisor['run']>>();
function uninterrupted(o: Opts, image: Image = imageOf(o), n = 1) {
  const key = `${o.label}/${n}/${image === MINI ? 'mini' : image === MINI_PV ? 'mini-pv' : image.entry}`;
  if (!whole.has(key)) whole.set(key, build(o, image, n).run(MAX));
  return whole.get(key)!;
}

function expectSame(o: Opts, at: number, image: Image = imageOf(o)) {
  const full = uninterrupted(o, image)[0]!;
  const { before, after, results } = splitRun(o, image, at);
  expect(before[0]! + after[0]!).toBe(full.console);
  expect(results[0]!.exitCode).toBe(full.exitCode);
  expect(results[0]!.status).toBe(full.status);
  expect(results[0]!.stats.guestInstructions).toBe(full.stats.guestInstructions);
}

/** The first instruction count (stepping by `stride`) at which the guest's pc lies in [from, to) under `o`. */
function firstTimeIn(o: Opts, from: number, to: number, stride = 37): number {
  const hv = build(o, imageOf(o));
  for (let at = stride; at < 3_000_000; at += stride) {
    hv.runUntil(at);
    const pc = hv.vms[0]!.state!.pc;
    if (pc >= from && pc < to) return at;
  }
  throw new Error('never got there');
}
const sym = (image: Image, name: string) => image.symbols.find((s) => s.name === name)!.value;

describe('snapshot and restore of mini', () => {
  // Bare metal's instants for the unmodified kernel; the port's own under pv (it runs other instructions).
  const places = (o: Opts) => {
    const image = imageOf(o);
    const p = PLACES.get(image)!;
    const base = o.technique === 'pv' ? o : TECHNIQUES[0]!;
    return [
      1,
      firstTimeIn(base, sym(image, p.timer[0]), sym(image, p.timer[0]) + p.timer[1]),
      firstTimeIn(base, sym(image, p.block[0]), sym(image, p.block[1])),
    ];
  };

  for (const o of TECHNIQUES)
    it(`${o.label}: console, exit code and instruction count as if never stopped (at the first instruction, in the timer interrupt handler, in a block request)`, () => {
      for (const at of places(o)) expectSame(o, at);
    });

  it('at a random instruction under a random technique (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TECHNIQUES), fc.integer({ min: 1, max: 1_600_000 }), (o, at) => expectSame(o, at)),
      { numRuns: 4 },
    );
  });

  it('two VMs side by side: both transcripts intact, the interleaving resumed where it stood (hw/nested, and pv over split devices)', () => {
    for (const o of [TECHNIQUES[4]!, TECHNIQUES[6]!]) {
      const image = imageOf(o);
      const full = build(o, image, 2).run(MAX);
      // Mid-quantum for one VM, so the scheduler's position matters.
      const { before, after, results } = splitRun(o, image, 333_333, 2);
      for (let i = 0; i < 2; i++) {
        expect(before[i]! + after[i]!).toBe(full[i]!.console);
        expect(results[i]!.exitCode).toBe(0);
        expect(results[i]!.stats.guestInstructions).toBe(full[i]!.stats.guestInstructions);
        expect(results[i]!.stats.worldSwitches).toBe(full[i]!.stats.worldSwitches);
      }
    }
  });

  it('stores only non-zero pages: a snapshot of mini is far smaller than its RAM', () => {
    const { bytes } = splitRun(TECHNIQUES[0]!, MINI, 10_000);
    expect(bytes.length).toBeLessThan(MEMMAP.DEFAULT_RAM / 20);
  });
});

describe('a bad snapshot file', () => {
  const good = (() => {
    const hv = build(TECHNIQUES[0]!, MINI);
    hv.runUntil(5000);
    return encodeSnapshot({ run: hv.save(), images: [MINI], maxInstructions: MAX });
  })();
  const reason = (bytes: Uint8Array) => {
    try {
      decodeSnapshot(bytes);
      return 'accepted';
    } catch (e) {
      expect(e).toBeInstanceOf(SnapshotError);
      return (e as Error).message;
    }
  };

  it('is refused with a one-line reason: truncated, corrupt, another version, not a snapshot', () => {
    expect(reason(good.subarray(0, 10))).toMatch(/too short/);
    expect(reason(good.subarray(0, good.length - 1))).toMatch(/truncated/);
    const flipped = good.slice();
    flipped[good.length - 5]! ^= 0x40;
    expect(reason(flipped)).toMatch(/checksum/);
    const v2 = good.slice();
    v2[8] = 2;
    expect(reason(v2)).toMatch(/version 2/);
    expect(reason(new TextEncoder().encode('VXE1 and more bytes than a header'))).toMatch(/bad magic/);
    for (const m of [reason(good.subarray(0, 10)), reason(flipped)]) expect(m).not.toContain('\n');
  });

  it('never crashes the decoder on random damage (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = good.slice();
        bad[at]! ^= x;
        expect(reason(bad)).not.toBe('accepted');
      }),
      { numRuns: 50 },
    );
  });
});

describe('what a snapshot holds', () => {
  it('the platform state survives a JSON round trip: each device, the wire, the counters, the console', () => {
    const hv = build(TECHNIQUES[0]!, MINI);
    hv.runUntil(700_000);
    const p = hv.vms[0]!.platform;
    const saved = JSON.parse(JSON.stringify(p.save())) as ReturnType<typeof p.save>;
    const other = build(TECHNIQUES[0]!, MINI).vms[0]!.platform;
    other.restore(saved);
    expect(other.save()).toEqual(p.save());
    expect(other.console).toBe(p.console);
    expect(other.console.length).toBeGreaterThan(0);
  });

  it('no derived state: shadow tables and the code cache are rebuilt, not saved', () => {
    for (const o of [TECHNIQUES[2]!, TECHNIQUES[3]!, TECHNIQUES[5]!]) {
      const hv = build(o, MINI);
      hv.runUntil(400_000);
      const text = JSON.stringify(hv.save().state);
      // Neither the shadow root nor any code-cache address (the window at 0xf0000000) is in the state.
      expect(text).not.toMatch(/"(tables|tracked|blocks|cache)"/);
      const s = hv.save().state.vms[0]!.vm.state;
      // The saved real cr3 is whatever the shadow's root was; restore replaces it, as the runs above show.
      expect(typeof s.cr3).toBe('number');
    }
  });
});

describe('a PV domain in a snapshot', () => {
  it('holds its frame table, event channels, grants and back-end rings as data, and puts them back exactly', () => {
    const o = TECHNIQUES[6]!;
    const hv = build(o, MINI_PV);
    hv.runUntil(900_000);
    const saved = hv.save();
    const pv = saved.state.vms[0]!.technique as { connections: unknown[]; grants: { slots: unknown[] } };
    // mini-pv has connected console, block and net by now, each over granted ring pages.
    expect(pv.connections).toHaveLength(3);
    expect(pv.grants.slots.filter((g) => g !== null).length).toBeGreaterThanOrEqual(4);
    const state = JSON.parse(JSON.stringify(saved.state)) as typeof saved.state;
    const again = Hypervisor.restore({ ...saved, state }, [MINI_PV]).save();
    expect(again.state).toEqual(saved.state);
  });

  it('refuses a run whose back-ends are code (a test\'s own), with a reason', () => {
    const hv = new Hypervisor([{ name: 'pv', image: MINI_PV }], { technique: 'pv', backends: {} });
    hv.runUntil(10_000);
    expect(() => hv.save()).toThrow(/own back-ends/);
  });
});
