// Differential tests: every bundled kernel under every technique that can run it gives native's console,
// status, test counts, and final RAM and disk, byte for byte.
//
// The plain interpreter on bare metal is the oracle. Trap-and-emulate is equivalent only on strict VX32
// (where the sensitive instructions trap), so it is compared with a native run on strict VX32; without
// strict it must visibly diverge on mini, and say where.
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../vmm/run-result.js';
import { EQUIVALENT, firstDiff, kernel, native, nativeMachine, ramOf, runVmm, spec, TRAP, type VmmConfig } from './helpers.js';

const NANOBENCH = ['syscall', 'in', 'cr8wr', 'callret', 'pgfault', 'divzero', 'ptemod'];

const KERNELS: readonly { rel: string; defines?: Record<string, number> }[] = [
  { rel: 'mini/main.s' },
  { rel: 'selftest/main.s' },
  ...NANOBENCH.map((n) => ({ rel: `nanobench/${n}.s`, defines: { ITERS: 40 } })),
];

/** What must be equal to the oracle's. */
function observable(r: RunResult) {
  const t = r.stats.devices.tests;
  return {
    status: r.status,
    exitCode: r.exitCode,
    console: r.console,
    tests: { passed: t.passed, failed: t.failed, results: t.results },
    crashed: r.crash !== undefined,
    // External interrupts the guest took, however they reached it (the CPU, an injection, a reflection).
    interrupts: r.stats.interrupts,
    picDelivered: r.stats.devices.pic.delivered,
  };
}

function runUnder(cfg: VmmConfig, rel: string, defines?: Record<string, number>) {
  return runVmm([spec(rel, kernel(rel, defines))], cfg).results[0]!;
}

describe.each(KERNELS)('$rel', ({ rel, defines }) => {
  const img = kernel(rel, defines);
  const loose = nativeMachine(img);
  const strict = nativeMachine(img, { strict: true });
  const oracle = loose.result;

  it('runs to power-off natively (the oracle is sound)', () => {
    expect(oracle.status).toBe('poweroff');
    expect(oracle.crash).toBeUndefined();
    expect(oracle.console.length).toBeGreaterThan(0);
  });

  it.each(EQUIVALENT.map((c) => [c.label, c] as const))('under %s gives exactly what native gives', (_label, cfg) => {
    const { hv, results } = runVmm([spec(rel, img)], cfg);
    const r = results[0]!;
    const want = cfg.strict ? strict : loose;
    expect(observable(r)).toEqual(observable(want.result));
    // The same final guest state: every byte of RAM, and of the disk.
    expect(firstDiff(ramOf(hv, 0), want.machine.mem), 'first RAM byte that differs from native').toBe(-1);
    expect(firstDiff(hv.vms[0]!.platform.block.disk, want.machine.block.disk), 'first disk byte that differs').toBe(-1);
    // An equivalent run has nothing to report: no sensitive instruction misbehaved.
    expect(r.divergences).toEqual([]);
    expect(r.stats.guestInstructions).toBeGreaterThan(0);
  });
});

describe('strict VX32 changes nothing for the kernels that keep sensitive instructions in ring 0', () => {
  it.each(KERNELS.filter((k) => !k.rel.startsWith('selftest')).map((k) => [k.rel, k] as const))('%s', (_rel, k) => {
    const img = kernel(k.rel, k.defines);
    expect(observable(native(img, { strict: true }))).toEqual(observable(native(img)));
  });
});

describe('trap-and-emulate without strict VX32', () => {
  it('diverges from native on mini, and names the popf that failed silently', () => {
    const img = kernel('mini/main.s');
    const oracle = native(img);
    const r = runUnder(TRAP, 'mini/main.s');
    expect(r.console).not.toBe(oracle.console);
    expect(r.status).not.toBe('poweroff');
    const popf = r.divergences.filter((d) => d.insn === 'popf');
    expect(popf.length).toBeGreaterThan(0);
    for (const d of popf) {
      expect(d.where).toMatch(/^guest-kernels\/mini\/[a-z]+\.s:\d+$/);
      expect(d.message).toContain(`popf at ${d.where}`);
      expect(d.message).toMatch(/left IF=\d; the guest meant IF=\d/);
      expect(d.count).toBeGreaterThan(0);
    }
    expect(r.stats.silentFailures).toBeGreaterThan(0);
  });

  it('fails exactly the self-test cases that probe the sensitive instructions at ring 0', () => {
    const r = runUnder(TRAP, 'selftest/main.s');
    const oracle = native(kernel('selftest/main.s'));
    expect(oracle.stats.devices.tests.failed).toBe(0);
    const t = r.stats.devices.tests;
    expect(t.failed).toBeGreaterThan(0);
    expect(t.passed + t.failed).toBe(oracle.stats.devices.tests.passed);
    expect(r.exitCode).toBe(t.failed);
    expect(r.divergences.length).toBeGreaterThan(0);
    for (const d of r.divergences) expect(d.where).toMatch(/^guest-kernels\/selftest\/main\.s:\d+$/);
  });
});
