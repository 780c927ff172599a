// The cost model: profile validation, linearity, and the event mapping per technique.
import { technique } from '../../vmm/hv/techniques/registry.js';
import { describe, expect, it } from 'vitest';
import { eventCounts } from '../../vmm/cost/counts.js';
import { COST_EVENT_NAMES, zeroCounts } from '../../vmm/cost/events.js';
import { modelCycles } from '../../vmm/cost/model.js';
import { loadProfile, ProfileError, validateProfile } from '../../vmm/cost/profile.js';
import { emptyDroppedStats, emptyVirtStats, type RunStats } from '../../vmm/run-result.js';

function stats(over: Partial<RunStats> = {}): RunStats {
  return {
    ...emptyVirtStats(),
    guestInstructions: 1000,
    idleInstructions: 0,
    modeledCycles: 0,
    cycleBreakdown: {},
    costProfile: 'x',
    tlbHits: 0,
    tlbMisses: 10,
    pageWalkRefs: 20,
    privilegedExecuted: 0,
    traps: 3,
    trapsByVector: {},
    interrupts: 2,
    io: { portReads: 4, portWrites: 6, mmioReads: 0, mmioWrites: 0, byDevice: {} },
    devices: {} as RunStats['devices'],
    dropped: emptyDroppedStats(),
    ...over,
  };
}

describe('cost profiles', () => {
  it('bundled profiles load and cover every event', () => {
    for (const name of ['modern', 'vt-2006']) {
      const p = loadProfile(name);
      expect(p.name).toBe(name);
      for (const e of COST_EVENT_NAMES) expect(p.costs[e]).toBeGreaterThanOrEqual(0);
    }
  });

  it('first-generation exits cost more than modern ones', () => {
    expect(loadProfile('vt-2006').costs.vmExit).toBeGreaterThan(loadProfile('modern').costs.vmExit);
  });

  it('rejects a missing event, an unknown event, an unknown exit reason and a negative cost', () => {
    const good = JSON.parse(JSON.stringify(loadProfile('modern')));
    const missing = JSON.parse(JSON.stringify(good));
    delete missing.costs.vmExit;
    expect(() => validateProfile(missing, 'p.json')).toThrow(/^p\.json: not a cost profile \(docs\/schemas\/cost-profile\.schema\.json\): costs\.vmExit is missing/);
    const extra = JSON.parse(JSON.stringify(good));
    extra.costs.teleport = 1;
    expect(() => validateProfile(extra, 'p.json')).toThrow(/costs\.teleport is not an event vmlab counts/);
    const badExit = JSON.parse(JSON.stringify(good));
    badExit.exitHandling.NAP = 1;
    expect(() => validateProfile(badExit, 'p.json')).toThrow(/exitHandling.NAP is not an exit reason/);
    const negative = JSON.parse(JSON.stringify(good));
    negative.costs.trap = -1;
    negative.name = ' ';
    expect(() => validateProfile(negative, 'p.json')).toThrow(ProfileError);
    // Every problem at once, each in the profile's own terms.
    expect(() => validateProfile(negative, 'p.json')).toThrow(/name must not be blank; costs\.trap must be >= 0$/);
    expect(() => validateProfile([], 'p.json')).toThrow(/the profile must be object/);
  });

  it('names the bundled profiles when asked for one that does not exist', () => {
    expect(() => loadProfile('quantum')).toThrow(/bundled: modern, vt-2006/);
  });
});

describe('modelCycles', () => {
  const p = loadProfile('vt-2006');
  it('is linear in the counts and splits by event', () => {
    const c = zeroCounts();
    c.instruction = 100;
    c.vmExit = 2;
    const m = modelCycles(c, { IO: 2 }, p);
    expect(m.total).toBe(100 * p.costs.instruction + 2 * p.costs.vmExit + 2 * p.exitHandling.IO!);
    expect(m.breakdown['exit:IO']).toBe(2 * p.exitHandling.IO!);
    const doubled = zeroCounts();
    doubled.instruction = 200;
    doubled.vmExit = 4;
    expect(modelCycles(doubled, { IO: 4 }, p).total).toBe(2 * m.total);
  });
});

describe('event mapping', () => {
  it('native pays for physical device accesses, a VM for device models', () => {
    const s = stats({ deviceAccesses: 10 });
    expect(eventCounts(technique('native').accounting, s).ioAccess).toBe(10);
    expect(eventCounts(technique('native').accounting, s).deviceEmulation).toBe(0);
    expect(eventCounts(technique('hw').accounting, s).ioAccess).toBe(0);
    expect(eventCounts(technique('hw').accounting, s).deviceEmulation).toBe(10);
  });

  it('emulate charges every instruction as interpreted', () => {
    const c = eventCounts(technique('emulate').accounting, stats());
    expect(c.interpretedInstruction).toBe(1000);
    expect(c.instruction).toBe(0);
  });

  it('emulated instructions are not also charged as direct ones', () => {
    expect(eventCounts(technique('trap').accounting, stats({ emulatedInstructions: 50 })).instruction).toBe(950);
  });
});
