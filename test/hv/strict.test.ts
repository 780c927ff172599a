// Class: `--strict` meaning different things under different techniques. Strict VX32 is a property of the
// machine: whatever the technique, the guest sees a machine whose sensitive instructions raise #GP at
// ring > 0 and run normally at its ring 0 — exactly what it sees on a strict bare machine.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ISA } from '../../isa/table.js';
import { BT, EMULATE, fixture, HW_NESTED, HW_SHADOW, kernel, native, nativeMachine, ramOf, runVmm, spec, TRAP, type VmmConfig } from './helpers.js';

const STRICT: readonly VmmConfig[] = [EMULATE, TRAP, BT, HW_NESTED, HW_SHADOW].map((c) => ({ ...c, label: `${c.label} strict`, strict: true }));
const SENSITIVE = ISA.filter((e) => e.cls === 'sensitive').map((e) => e.id);
const GP_MARK = '6b6b6b6b';

const observable = (r: { status: string; exitCode: number; console: string; crash?: unknown }) => ({
  status: r.status,
  exitCode: r.exitCode,
  console: r.console,
  crashed: r.crash !== undefined,
});

describe('strict VX32 is the machine, under every technique', () => {
  describe.each([0, 1])('a ring-3 probe of each sensitive instruction, IF = %i', (userIf) => {
    const img = fixture('hv/ring3-probe.s', { USER_IF: userIf });
    const oracle = native(img, { strict: true });

    it('natively on strict VX32 every one of them raises #GP at ring 3', () => {
      expect(oracle.status).toBe('poweroff');
      expect(oracle.console).toBe(SENSITIVE.map((id) => `${id}=${GP_MARK}\n`).join(''));
    });

    it.each(STRICT.map((c) => [c.label, c] as const))("under %s the guest sees native-strict's results", (_label, cfg) => {
      const r = runVmm([spec('probe', img)], cfg, 1_000_000).results[0]!;
      expect(observable(r)).toEqual(observable(oracle));
      expect(r.stats.guestInstructions).toBe(oracle.stats.guestInstructions);
      expect(r.divergences).toEqual([]);
    });
  });

  describe('kernel code (ring 0) on a strict machine runs its sensitive instructions as natively', () => {
    const img = fixture('bt/view.s');
    const { machine, result: oracle } = nativeMachine(img, { strict: true });
    const at = img.symbols.find((s) => s.name === 'results')!.value;
    const seen = (ram: Uint8Array) => Array.from({ length: 8 }, (_, i) => new DataView(ram.buffer, ram.byteOffset).getUint32(at + 4 * i, true));
    it.each(STRICT.map((c) => [c.label, c] as const))('%s', (_label, cfg) => {
      const { hv, results } = runVmm([spec('view', img)], cfg, 1_000_000);
      const r = results[0]!;
      expect(observable(r)).toEqual(observable(oracle));
      expect(r.stats.guestInstructions).toBe(oracle.stats.guestInstructions);
      // What the kernel saw of itself (return address, CPL, vector-table base, IF via pushf): as natively.
      expect(seen(ramOf(hv, 0))).toEqual(seen(machine.mem));
    });
  });

  it("bt on a strict machine calls out for pushf/popf (the real ones would trap in ring 1) and mini still gives native-strict's transcript", () => {
    const img = kernel('mini/main.s');
    const oracle = native(img, { strict: true });
    expect(oracle.console).toBe(readFileSync('test/fixtures/golden/mini.console.txt', 'utf8'));
    const loose = runVmm([spec('mini', img)], BT).results[0]!;
    const strict = runVmm([spec('mini', img)], { ...BT, strict: true }).results[0]!;
    expect(observable(strict)).toEqual(observable(oracle));
    expect(strict.stats.guestInstructions).toBe(oracle.stats.guestInstructions);
    expect(strict.divergences).toEqual([]);
    expect(strict.stats.techniqueCounts.callouts).toBeGreaterThan(loose.stats.techniqueCounts.callouts!);
  });
});
