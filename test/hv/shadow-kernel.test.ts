// Shadow paging against a kernel that edits its own page tables: unmap, fault, remap read-only, fault on
// write, make writable, clear A/D and reload cr3. Every technique shows the guest what the bare machine
// shows it, including the A and D bits the walks set, and the shadowed ones really sync each edit.
import { describe, expect, it } from 'vitest';
import { ALL, fixture, native, runVmm, spec } from './helpers.js';

const IMAGE = fixture('hv/ptedit.s');

// What the guest prints, field by field (see the steps in ptedit.s).
const EXPECTED = [
  0x11110001, 0x60, // 1. store/load through the PTE; A|D
  7, 0x300000, 0, // 2. unmapped: load skipped, cr2, error 0
  0x22220002, 0x20, 0x300000, 3, 0x22220002, // 3. read-only remap: frame 2's marker; A only; write #PF P|W; frame untouched
  0x33330003, 0x60, // 4. writable: the store lands; A|D
  0x20, 0x60, // 5. A/D cleared, cr3 reload: a read sets A, a write D
  0x11110001, 0x20, 2, // 6. back to frame 1; the PDE's A; two faults in all
];

describe('a kernel that edits its page tables', () => {
  const oracle = native(IMAGE, { max: 1_000_000 });

  it('natively prints what the architecture says', () => {
    expect(oracle.status).toBe('poweroff');
    expect(oracle.console).toBe(EXPECTED.join(' ') + ' \n');
  });

  it.each(ALL.map((c) => [c.label, c] as const))('under %s sees exactly that', (_label, cfg) => {
    const r = runVmm([spec('ptedit', IMAGE)], cfg, 1_000_000).results[0]!;
    expect({ status: r.status, exitCode: r.exitCode, console: r.console }).toEqual({
      status: oracle.status,
      exitCode: oracle.exitCode,
      console: oracle.console,
    });
    const shadowed = cfg.technique === 'trap' || cfg.technique === 'bt' || cfg.memory === 'shadow';
    if (shadowed) {
      // Five PTE stores, each emulated and propagated; hidden faults filled the shadow.
      expect(r.stats.shadowSyncs).toBeGreaterThanOrEqual(5);
      expect(r.stats.shadowFaults).toBeGreaterThan(0);
    } else {
      expect(r.stats.shadowSyncs).toBe(0);
    }
    if (cfg.memory === 'nested') expect(r.stats.nestedWalkRefs).toBeGreaterThan(0);
  });
});
