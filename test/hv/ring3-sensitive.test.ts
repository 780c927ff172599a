// Class: sensitive instructions at ring 3 that show the guest the real CPU without anybody saying so.
// Every sensitive instruction of the ISA table is probed at ring 3 under every technique; wherever the
// guest sees something bare metal would not have shown it, the run reports a divergence with that
// instruction and its source line, and wherever it does not, nothing is reported. Binary translation
// keeps its faithful leak (user code runs untranslated: the "Red Pill" sidt), but never silently.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ISA } from '../../isa/table.js';
import { compareExitCode, rowFromRun } from '../../vmm/report/compare.js';
import { legend, renderJson } from '../../vmm/report/compare-format.js';
import { formatDivergences } from '../../vmm/report/exits.js';
import { BT, EMULATE, fixture, HW_NESTED, HW_SHADOW, native, runVmm, spec, TRAP, type VmmConfig } from './helpers.js';
import { EXIT_CODE } from '../../isa/abi.js';

const FILE = 'test/fixtures/hv/ring3-probe.s';
const TEXT = readFileSync(FILE, 'utf8');
const SENSITIVE = ISA.filter((e) => e.cls === 'sensitive').map((e) => e.id);
const lineOf = (id: string) => TEXT.split('\n').findIndex((l) => l.includes(`; ${id.toUpperCase()}_LINE`)) + 1;
const CONFIGS: readonly VmmConfig[] = [EMULATE, TRAP, BT, HW_NESTED, HW_SHADOW];

/** What each instruction gave at ring 3, from the probe's "name=value" lines. */
function results(console: string): Record<string, string> {
  return Object.fromEntries(console.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

/** Where each technique lets a ring-3 sensitive instruction read the real CPU (docs/security.md). */
const LEAKS: Readonly<Record<string, Readonly<Record<number, readonly string[]>>>> = {
  emulate: { 0: [], 1: [] },
  trap: { 0: ['pushf', 'sidt'], 1: ['sidt'] },
  bt: { 0: ['pushf', 'sidt'], 1: ['sidt'] },
  'hw nested': { 0: [], 1: [] },
  'hw shadow': { 0: [], 1: [] },
};

describe('sensitive instructions at ring 3', () => {
  it('the probe covers every instruction the ISA table marks sensitive', () => {
    expect(SENSITIVE.length).toBeGreaterThan(0);
    for (const id of SENSITIVE) expect(lineOf(id), `${id} has a probe line in ${FILE}`).toBeGreaterThan(0);
    expect(Object.keys(results(native(fixture('hv/ring3-probe.s')).console)).sort()).toEqual([...SENSITIVE].sort());
  });

  describe.each([0, 1])('with IF = %i at ring 3', (userIf) => {
    const img = fixture('hv/ring3-probe.s', { USER_IF: userIf });
    const oracle = native(img);
    const truth = results(oracle.console);

    it('natively: pushf shows CPL 3 and the IF the kernel gave, popf loads Z, rdcpl is 3, sidt the loaded base', () => {
      expect(oracle.status).toBe('poweroff');
      expect(truth).toMatchObject({ pushf: (0x3000 | (userIf ? 0x200 : 0)).toString(16).padStart(8, '0'), popf: '00000001', rdcpl: '00000003' });
      expect(truth['sidt']).not.toBe('00000000');
    });

    it.each(CONFIGS.map((c) => [c.label, c] as const))('under %s: a divergence is reported, with its line, exactly where the guest saw the real CPU', (label, cfg) => {
      const r = runVmm([spec('probe', img)], cfg, 1_000_000).results[0]!;
      expect(r.status).toBe('poweroff');
      const seen = results(r.console);
      const differs = SENSITIVE.filter((id) => seen[id] !== truth[id]);
      expect(differs).toEqual(LEAKS[label]![userIf]);
      // The oracle decides: reported if and only if it differs from native.
      expect(r.divergences.map((d) => d.insn).sort()).toEqual([...differs].sort());
      for (const d of r.divergences) {
        expect(d.where).toBe(`${FILE}:${lineOf(d.insn)}`);
        expect(d.message).toContain(`${d.insn} at ${d.where} (ring 3) `);
        expect(d.count).toBe(1);
      }
      expect(r.stats.silentFailures).toBe(differs.length);
    });
  });

  it('bt reports its ring-3 leak in run, compare and JSON, and exits 68 as a diverged trap run does', () => {
    const img = fixture('hv/ring3-probe.s', { USER_IF: 0 });
    const n = native(img);
    const bt = runVmm([spec('probe', img)], BT, 1_000_000).results[0]!;
    expect(bt.console).not.toBe(n.console);
    const text = formatDivergences(bt);
    expect(text).toContain('diverged from bare metal under bt');
    expect(text).toContain(`sidt at ${FILE}:${lineOf('sidt')} (ring 3) returned the real vector-table base`);
    expect(text).toContain('Red Pill');
    const rows = [rowFromRun('probe', n, n), rowFromRun('probe', bt, n)];
    expect(compareExitCode(rows, false)).toBe(EXIT_CODE.DIVERGED);
    expect(legend(rows, [], { profile: 'modern' }).join('\n')).toMatch(/^bt on probe diverged \(bt runs user code untranslated.*pushf at /m);
    const json = JSON.parse(renderJson(rows)) as { technique: string; divergences: { insn: string; where: string }[] }[];
    expect(json[1]!.divergences.map((d) => `${d.insn} ${d.where}`)).toEqual(
      ['pushf', 'sidt'].map((id) => `${id} ${FILE}:${lineOf(id)}`),
    );
  });
});
