// The mini kernel: its transcript matches the golden file, does not depend on where timer ticks land, and stays within budget.
//
// Run with UPDATE_GOLDEN=1 to rewrite the golden transcript from the current output:
//   UPDATE_GOLDEN=1 npx vitest run test/kernels/mini.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runKernel } from './run-kernel.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/mini.console.txt', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

describe('mini kernel', () => {
  const { result, machine } = runKernel('mini/main.s');

  it('powers off with status 0', () => {
    expect(result.crash).toBeUndefined();
    expect(result.status).toBe('poweroff');
    expect(result.exitCode).toBe(0);
  });

  it('prints the golden transcript', () => {
    if (UPDATE) writeFileSync(GOLDEN, result.console);
    if (!existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing: run UPDATE_GOLDEN=1 npx vitest run test/kernels/mini.test.ts`);
    expect(result.console, 'mini.console.txt differs (UPDATE_GOLDEN=1 rewrites it)').toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('reports every phase with no failures', () => {
    for (let p = 1; p <= 6; p++) expect(result.console).toContain(`== phase ${p}: `);
    expect(result.console).not.toMatch(/panic/);
    expect(result.console).not.toMatch(/[1-9]\d* (wrong|failed)/);
    expect(result.console).toContain('mini: all tasks exited, powering off');
  });

  it('stays under 20 million guest instructions', () => {
    expect(result.stats.guestInstructions).toBeLessThan(20_000_000);
  });

  it('really runs preemptive ring-3 tasks that use every device', () => {
    const s = result.stats;
    expect(s.trapsByVector['128']).toBeGreaterThan(6000); // system calls
    expect(s.interrupts).toBeGreaterThan(50); // timer ticks delivered
    expect(s.idleInstructions).toBeGreaterThan(0); // the sleep phase idles in hlt
    expect(s.devices.nic.packetsTx).toBe(12);
    expect(machine.wire.sent).toHaveLength(12);
    expect(s.devices.block.sectorsWritten).toBe(12);
    expect(s.devices.block.sectorsRead).toBe(12);
    expect(s.devices.block.errors).toBe(0);
  });

  it('writes each task its own disk sectors', () => {
    const disk = machine.block.disk;
    const word = (sector: number, k: number) => new DataView(disk.buffer, disk.byteOffset).getUint32(sector * 512 + k * 4, true);
    // word k of sector index s of task pid = pid << 24 ^ s << 16 ^ k * 2654435761 (workload.s)
    for (const pid of [1, 2, 3])
      for (const s of [0, 3])
        for (const k of [0, 1, 127])
          expect(word(pid * 8 + s, k)).toBe(((pid << 24) ^ (s << 16) ^ Math.imul(k, 2654435761)) >>> 0);
    expect(word(0, 0)).toBe(0);
  });

  it('prints the same transcript wherever the timer ticks land', () => {
    for (const tick of [997, 3001, 7919, 20011]) {
      const other = runKernel('mini/main.s', { defines: { TICK_INSNS: tick } }).result;
      expect(other.status, `TICK_INSNS=${tick}`).toBe('poweroff');
      expect(other.console, `TICK_INSNS=${tick}`).toBe(result.console);
    }
  });
});
