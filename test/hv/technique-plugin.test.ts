// A technique is a plug-in: one registered descriptor, and the hypervisor, stats, cost model, reports and comparison take it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../vmm/cost/profile.js';
import { runComparison } from '../../vmm/comparison.js';
import { OwnCpuRunner } from '../../vmm/hv/techniques/own-cpu.js';
import type { TechniqueDescriptor } from '../../vmm/hv/techniques/descriptor.js';
import { findTechnique, registerTechnique, techniqueNames, unregisterTechnique } from '../../vmm/hv/techniques/registry.js';
import { parseTechniques, techniqueLabel } from '../../vmm/report/compare.js';
import { formatExitStats } from '../../vmm/report/exits.js';
import { runGuests } from '../../vmm/session.js';
import { kernel } from './helpers.js';

/** The simplest technique there is: bare metal again, counting each instruction as one event of its own. */
class CountingRunner extends OwnCpuRunner {
  readonly technique = 'counted';
  readonly memory = null;
  private n = 0;
  protected ran(n: number): void {
    this.n += n;
  }
  override techniqueCounts(): Record<string, number> {
    return { counted: this.n };
  }
}

const counted: TechniqueDescriptor = {
  name: 'counted',
  summary: 'bare metal that counts its instructions (a test technique)',
  memory: [],
  devices: ['emulated'],
  kernels: 'unmodified',
  snapshots: true,
  accounting: { interpreted: false, physicalDevices: false, exits: 'none' },
  exitNote: 'nothing exits under counted',
  costEvents: { countedInstruction: 'an instruction the test technique counted' },
  countEvents: (s) => ({ countedInstruction: s.techniqueCounts['counted'] ?? 0 }),
  formatStats: (s) => `  counted: ${s.techniqueCounts['counted']} instructions`,
  label: () => 'counted!',
  createRunner: (ctx) => new CountingRunner(ctx.vm, ctx.region, ctx.strict),
};

describe('registering a technique', () => {
  beforeAll(() => registerTechnique(counted));
  afterAll(() => unregisterTechnique('counted'));
  const img = kernel('nanobench/syscall.s', { ITERS: 20 });
  const base = loadProfile('modern');
  const profile = { ...base, techniqueCosts: { ...base.techniqueCosts, counted: { countedInstruction: 7 } } };

  it('runs through the hypervisor with its own counters and cost events, against a profile that prices them', () => {
    expect(techniqueNames()).toContain('counted');
    const [r] = runGuests([{ name: 'k', image: img }], { technique: 'counted', maxInstructions: 10_000_000, profile });
    const [n] = runGuests([{ name: 'k', image: img }], { technique: 'native', maxInstructions: 10_000_000, profile });
    expect(r!.console).toBe(n!.console);
    expect(r!.stats.techniqueCounts['counted']).toBe(n!.stats.guestInstructions);
    expect(r!.stats.cycleBreakdown['countedInstruction']).toBe(7 * n!.stats.guestInstructions);
    expect(formatExitStats(r!, profile)).toContain(`counted: ${n!.stats.guestInstructions} instructions`);
  });

  it('a profile without its events is refused before it runs', () => {
    expect(() => runGuests([{ name: 'k', image: img }], { technique: 'counted', maxInstructions: 1000, profile: base })).toThrow(
      /no cost for counted's event countedInstruction/,
    );
  });

  it('comparisons name it and judge it against the oracle', () => {
    const specs = parseTechniques('counted');
    expect(typeof specs).not.toBe('string');
    expect((specs as { technique: string }[]).map((s) => s.technique)).toEqual(['native', 'counted']);
    expect(techniqueLabel('counted', null)).toBe('counted!');
    const rows = runComparison([{ name: 'k', image: img }], { techniques: specs as never, profile, maxInstructions: 10_000_000 });
    expect(rows.map((r) => [r.label, r.identical])).toEqual([
      ['native', true],
      ['counted!', true],
    ]);
    expect(findTechnique('counted')?.summary).toMatch(/test technique/);
  });
});
