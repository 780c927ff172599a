// Consolidation: two copies of mini in one hypervisor, time-sliced on one CPU, each finishing exactly as
// it does alone on bare metal, with its own console and its own non-overlapping slice of host memory.
import { describe, expect, it } from 'vitest';
import { VM_POOL_BYTES } from '../../vmm/hv/host.js';
import { BT, EMULATE, firstDiff, HW_NESTED, HW_SHADOW, kernel, native, ramOf, runVmm, spec, TRAP_STRICT } from './helpers.js';

// A lighter workload than the default: every phase still runs, in a fraction of the instructions.
const MINI = kernel('mini/main.s', { W_GETPIDS: 300, W_ROUNDS: 20, W_MAPS: 40 });
const QUANTUM = 20_000;

describe('two copies of mini in one hypervisor', () => {
  const oracle = native(MINI);

  it('the lighter mini still runs every phase natively', () => {
    expect(oracle.status).toBe('poweroff');
    expect(oracle.exitCode).toBe(0);
    expect(oracle.console).toContain('mini: all tasks exited, powering off');
  });

  it.each([EMULATE, HW_NESTED, HW_SHADOW, TRAP_STRICT, BT].map((c) => [c.label, c] as const))('under %s', (_label, cfg) => {
    const sinks = ['', ''];
    const specs = [0, 1].map((i) => spec(`mini${i}`, MINI, { consoleSink: (t: string) => (sinks[i] += t) }));
    const { hv, results } = runVmm(specs, cfg, 50_000_000, QUANTUM);

    for (const [i, r] of results.entries()) {
      expect(r.name).toBe(`mini${i}`);
      expect(r.status).toBe('poweroff');
      expect(r.exitCode).toBe(0);
      expect(r.console).toBe(oracle.console);
      // Each console got its own VM's output, once.
      expect(sinks[i]).toBe(oracle.console);
      // Each VM was switched in again after the other ran (one CPU, many slices).
      expect(r.stats.worldSwitches).toBeGreaterThan(0);
      expect(r.stats.guestInstructions).toBe(oracle.stats.guestInstructions);
    }

    // Host regions (the VMM's pool for the VM, then its RAM) do not overlap and lie inside host memory.
    const regions = hv.vms.map((vm) => [vm.guest.base - VM_POOL_BYTES, vm.guest.base + vm.guest.size] as const);
    const [a, b] = regions;
    expect(a![1] <= b![0] || b![1] <= a![0]).toBe(true);
    for (const [lo, hi] of regions) {
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(hv.host.memory.byteLength);
    }

    // Same kernel, same inputs, deterministic machine: the two RAMs end byte-identical, and as a solo run's.
    const solo = runVmm([spec('solo', MINI)], cfg);
    expect(solo.results[0]!.console).toBe(oracle.console);
    const soloRam = ramOf(solo.hv, 0);
    expect(firstDiff(ramOf(hv, 0), soloRam)).toBe(-1);
    expect(firstDiff(ramOf(hv, 1), soloRam)).toBe(-1);
  });
});
