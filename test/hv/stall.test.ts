// The VMM's last line of defence: a VM whose exits stop making progress is stopped with a report, not spun forever.
import { describe, expect, it } from 'vitest';
import { MAX_STALLED_STEPS } from '../../vmm/hv/techniques/runner.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { source, spec } from './helpers.js';

const LOOP = source(
  `.text
_start:
1:  jmp 1b
`,
  'loop.s',
);

describe('a VM that makes no progress', () => {
  it.each(['emulate', 'trap', 'hw'] as const)('is stopped as stuck under %s, and its neighbour still runs', (technique) => {
    const hv = new Hypervisor([spec('stuck', LOOP), spec('fine', LOOP)], { technique });
    // Stand in for a VMM bug: every step of the first VM handles "an exit" and completes nothing.
    (hv.runners[0] as unknown as { step: () => void }).step = () => {};
    const [stuck, fine] = hv.run(10_000);
    expect(stuck!.status).toBe('crash');
    expect(stuck!.crash?.reason).toContain(`${MAX_STALLED_STEPS} exits or faults in a row`);
    expect(fine!.status).toBe('limit');
    expect(fine!.stats.guestInstructions).toBe(10_000);
  });
});
