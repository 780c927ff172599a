// mini-pv under pv: the same transcript as mini natively, no privileged instruction, fewer exits than mini under hw.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runGuests } from '../../vmm/session.js';
import { kernel, REPO, spec } from '../hv/helpers.js';

const golden = readFileSync(`${REPO}test/fixtures/golden/mini.console.txt`, 'utf8');

describe('mini-pv', () => {
  // Block and NIC go through the VMM's emulated devices (trapped MMIO) until the split front-ends replace blk.s and nic.s.
  const [pv] = runGuests([spec('mini-pv', kernel('mini-pv/main.s'))], { technique: 'pv', devices: 'emulated', maxInstructions: 50_000_000 });
  const [hw] = runGuests([spec('mini', kernel('mini/main.s'))], { technique: 'hw', devices: 'emulated', maxInstructions: 50_000_000 });

  it("prints mini's native transcript and powers off with 0", () => {
    expect(pv!.console).toBe(golden);
    expect(pv!.status).toBe('poweroff');
    expect(pv!.exitCode).toBe(0);
  });

  it('executes no privileged or sensitive instruction, and uses hypercalls of many kinds', () => {
    expect(pv!.stats.privilegedExecuted).toBe(0);
    expect(Object.keys(pv!.stats.hypercalls).length).toBeGreaterThanOrEqual(4);
    for (const k of ['CONSOLE_WRITE', 'MMU_UPDATE', 'UPDATE_VA_MAPPING', 'MULTICALL', 'NEW_BASEPTR', 'SCHED_BLOCK', 'SHUTDOWN'])
      expect(pv!.stats.hypercalls[k], k).toBeGreaterThan(0);
  });

  it('leaves the CPU for the VMM less often than unmodified mini under hw: system calls take the direct gate', () => {
    expect(pv!.stats.exitsTotal).toBeLessThan(hw!.stats.exitsTotal);
    // 6000 getpid calls and every other system call: none is an exit.
    expect(pv!.stats.exceptionExits[String(0x80)]).toBeUndefined();
    expect(pv!.stats.trapsByVector[String(0x80)]).toBeGreaterThan(6000);
  });
});
