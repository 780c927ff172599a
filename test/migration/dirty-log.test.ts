// Each technique's dirty log against the truth: every page whose bytes changed during an interval is in the log for it, and the log is not simply every page.
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import { PAGE_SIZE } from '../../isa/abi.js';
import { Hypervisor, type HypervisorOptions } from '../../vmm/hv/hypervisor.js';
import { EQUIVALENT, kernel } from '../hv/helpers.js';

const MINI = kernel('mini/main.s');
const MINI_PV = kernel('mini-pv/main.s');
const TRACKED: readonly (Pick<HypervisorOptions, 'technique' | 'memory' | 'strict'> & { label: string; image?: Image })[] = [
  ...EQUIVALENT,
  { label: 'pv (mini-pv, split devices)', technique: 'pv', image: MINI_PV },
];

describe('dirty logs cover every page that changed', () => {
  for (const t of TRACKED)
    it(t.label, () => {
      const hv = new Hypervisor([{ name: 'mini', image: t.image ?? MINI, blockImage: new Uint8Array(1 << 20) }], {
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
        for (let p = 0; p < ram.length / PAGE_SIZE; p++) {
          const a = ram.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
          const b = copy.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
          if (!a.every((x, i) => x === b[i])) {
            changedTotal++;
            if (!pages.has(p)) missed.push(p);
          }
        }
        expect(missed, `pages written before ${at} but not logged`).toEqual([]);
        expect(pages.size).toBeLessThan(ram.length / PAGE_SIZE / 4);
        logged += pages.size;
        copy = ram.slice();
      }
      log.stop();
      expect(changedTotal).toBeGreaterThan(0);
      expect(logged).toBeGreaterThanOrEqual(changedTotal);
    });
});

describe("the VMM's own writes into the guest are logged", () => {
  for (const t of TRACKED)
    it(t.label, () => {
      const hv = new Hypervisor([{ name: 'mini', image: t.image ?? MINI, blockImage: new Uint8Array(1 << 20) }], {
        technique: t.technique,
        strict: t.strict ?? false,
        ...(t.memory ? { memory: t.memory } : {}),
      });
      hv.runUntil(300_000);
      const vm = hv.vms[0]!;
      const log = hv.runners[0]!.dirtyLog()!;
      log.start();
      log.take();
      // Pages the guest is not running on now: a VMM store (a shared-info field, a grant copy, a trap
      // frame all come this way) and a device's DMA.
      vm.guest.write32(0x200_000 + 8, 0x1234);
      expect(vm.platform.iommu.domain('block').write(0x280_000 + 16, Uint8Array.of(1, 2, 3))).toBe(true);
      expect(log.take()).toEqual([0x200, 0x280]);
      log.stop();
    });
});
