// Each technique's dirty log against the truth: every page whose bytes changed during an interval is in the log for it, and the log is not simply every page.
import { describe, expect, it } from 'vitest';
import { Hypervisor, type HypervisorOptions } from '../../vmm/hv/hypervisor.js';
import { kernel } from '../hv/helpers.js';

const MINI = kernel('mini/main.s');
const TRACKED: readonly (Pick<HypervisorOptions, 'technique' | 'memory' | 'strict'> & { label: string })[] = [
  { label: 'emulate', technique: 'emulate' },
  { label: 'trap --strict', technique: 'trap', strict: true },
  { label: 'bt', technique: 'bt' },
  { label: 'hw/shadow', technique: 'hw', memory: 'shadow' },
  { label: 'hw/nested', technique: 'hw', memory: 'nested' },
];
const PAGE = 4096;

describe('dirty logs cover every page that changed', () => {
  for (const t of TRACKED)
    it(t.label, () => {
      const hv = new Hypervisor([{ name: 'mini', image: MINI, blockImage: new Uint8Array(1 << 20) }], {
        technique: t.technique,
        strict: t.strict ?? false,
        ...(t.memory ? { memory: t.memory } : {}),
      });
      hv.runUntil(200_000);
      const log = hv.runners[0]!.dirtyLog()!;
      expect(log).not.toBeNull();
      const ram = hv.vms[0]!.guest.raw;
      let copy = ram.slice();
      log.start();
      let logged = 0;
      let changedTotal = 0;
      // Intervals across the whole run: boot done, timer ticks, block and NIC DMA, the end.
      for (let at = 250_000; hv.vms[0]!.running && at < 2_000_000; at += 50_000) {
        hv.runUntil(at);
        const pages = new Set(log.take());
        const missed: number[] = [];
        for (let p = 0; p < ram.length / PAGE; p++) {
          const a = ram.subarray(p * PAGE, (p + 1) * PAGE);
          const b = copy.subarray(p * PAGE, (p + 1) * PAGE);
          if (!a.every((x, i) => x === b[i])) {
            changedTotal++;
            if (!pages.has(p)) missed.push(p);
          }
        }
        expect(missed, `pages written before ${at} but not logged`).toEqual([]);
        expect(pages.size).toBeLessThan(ram.length / PAGE / 4);
        logged += pages.size;
        copy = ram.slice();
      }
      log.stop();
      expect(changedTotal).toBeGreaterThan(0);
      expect(logged).toBeGreaterThanOrEqual(changedTotal);
    });
});
