// Phase marks on the console split a run's exits per workload phase.
import { describe, expect, it } from 'vitest';
import { PhaseLog, PhaseWatcher } from '../../vmm/phases.js';
import { assembleKernel } from '../kernels/run-kernel.js';
import { runGuests } from '../../vmm/session.js';

const feed = (w: PhaseWatcher, s: string) => {
  for (const b of Buffer.from(s)) w.feed(b);
};

describe('PhaseWatcher', () => {
  it('reports only whole lines of the form == name ==', () => {
    const seen: string[] = [];
    const w = new PhaseWatcher((n) => seen.push(n));
    feed(w, '== phase 1: compute ==\nnot == a mark ==\n== two ==\r\n==  ==\n== unterminated ==');
    expect(seen).toEqual(['phase 1: compute', 'two']);
  });

  it('ignores an overlong line, however it ends', () => {
    const seen: string[] = [];
    const w = new PhaseWatcher((n) => seen.push(n));
    feed(w, `== ${'x'.repeat(500)} ==\n== ok ==\n`);
    expect(seen).toEqual(['ok']);
  });
});

describe('PhaseLog', () => {
  it('turns running totals into per-phase counts that add up to the total, each mark closing its phase', () => {
    const log = new PhaseLog();
    log.mark('a', 5);
    log.mark('b', 12);
    expect(log.phases(20)).toEqual([
      { name: 'a', exits: 5 },
      { name: 'b', exits: 7 },
      { name: 'shutdown', exits: 8 },
    ]);
  });

  it('is one phase when the guest printed no mark', () => {
    expect(new PhaseLog().phases(9)).toEqual([{ name: 'whole run', exits: 9 }]);
  });
});

describe('mini phases', () => {
  it('splits hw exits into six phases and the shutdown, summing to the total', () => {
    const image = assembleKernel('mini/main.s');
    const [r] = runGuests([{ name: 'mini', image }], { technique: 'hw', maxInstructions: 1e8 });
    expect(r!.phases.map((p) => p.name)).toEqual([
      'phase 1: compute',
      'phase 2: system calls',
      'phase 3: context switches',
      'phase 4: page-table edits',
      'phase 5: I/O',
      'phase 6: sleep',
      'shutdown',
    ]);
    expect(r!.phases.reduce((s, p) => s + p.exits, 0)).toBe(r!.stats.exitsTotal);
    // The I/O phase is where an emulated device costs exits; a system call costs none under hw.
    const exits = (name: string) => r!.phases.find((p) => p.name === name)!.exits;
    expect(exits('phase 5: I/O')).toBeGreaterThan(exits('phase 2: system calls'));
  });
});
