// The seven nanobenchmark kernels run natively, print their line, exit 0, and do their operation exactly ITERS times.
import { describe, expect, it } from 'vitest';
import { runKernel } from './run-kernel.js';

/** name -> what a run must show: its check value (if it prints one) and the trap it repeats (if any). */
const BENCHES: Record<string, { check?: (n: number) => number; trap?: string }> = {
  syscall: { trap: '128' },
  in: { check: (n) => 2 * n }, // UART status reads "transmit ready" (2) every time
  cr8wr: { check: () => 0 }, // ends at priority 0
  callret: {},
  pgfault: { check: (n) => n, trap: '14' },
  divzero: { check: (n) => n, trap: '0' },
  ptemod: { check: (n) => (n % 2 === 0 ? 0xb : 0xa) }, // marker of the frame the last edit mapped
};

describe.each(Object.entries(BENCHES))('nanobench %s', (name, want) => {
  for (const iters of [10000, 37]) {
    it(`runs ${iters} iterations natively and powers off with 0`, () => {
      const { result } = runKernel(`nanobench/${name}.s`, iters === 10000 ? {} : { defines: { ITERS: iters } });
      expect(result.crash).toBeUndefined();
      expect(result.status).toBe('poweroff');
      expect(result.exitCode).toBe(0);
      const line = `${name}: ${iters} iterations done` + (want.check ? `, check ${want.check(iters)}` : '');
      expect(result.console).toBe(line + '\n');
      if (want.trap) expect(result.stats.trapsByVector[want.trap]).toBe(iters);
      // The loop dominates: a handful of instructions per iteration plus boot (~14k: the page table) and printing.
      expect(result.stats.guestInstructions).toBeLessThan(iters * 25 + 20_000);
    });
  }
});
