// Renderers: the terminal table fits 100 columns and carries the legend; CSV, markdown and JSON keep every row.
import { describe, expect, it } from 'vitest';
import { collapseUnavailable, renderCsv, renderJson, renderMarkdown, renderTable, wrap } from '../../vmm/report/compare-format.js';
import { rowFromRun, rowUnavailable, type CompareRow } from '../../vmm/report/compare.js';
import { fakeRun, POPF } from './fixtures.js';

const native = fakeRun({ cycles: 7_638_955, instructions: 1_567_775 });
const rows: CompareRow[] = [
  rowFromRun('mini', native, native),
  rowFromRun('mini', fakeRun({ technique: 'trap', memory: 'shadow', cycles: 44_755_209, exits: 45_735, status: 'halted', console: 'hello\n| a, "quoted" line that is rather long and goes on and on\n', divergences: [POPF] }), native),
  rowFromRun('mini', fakeRun({ technique: 'hw', memory: 'nested', cycles: 12_101_885, exits: 3364 }), native),
  rowUnavailable({ kernel: 'mini', spec: { technique: 'bt', memory: null }, reason: 'technique bt is not available in this build yet' }),
];
const opts = { profile: 'modern' };

describe('renderTable', () => {
  const text = renderTable(rows, opts);

  it('fits a 100-column terminal', () => {
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('labels modeled cycles as modeled and wall time as the simulator\'s', () => {
    expect(text).toMatch(/modeled\s+cycles/);
    expect(text.replace(/\s+/g, ' ')).toContain(
      "modeled cycles are modeled from counted events with the modern profile, not measured; overhead = modeled cycles / native's; wall ms is the simulator's own time",
    );
  });

  it('shows each row, the first differing line, trap\'s first divergence, and bt once as n/a', () => {
    expect(text).toMatch(/mini\s+hw\/nested\s+poweroff\s+yes\s+1,000\s+3,364\s+12,101,885\s+1\.58x/);
    // The cell wraps inside its column: each piece is on the trap row's lines.
    expect(text).toMatch(/mini\s+trap\s+halted\s+no: line 2: "world" vs/);
    expect(text).toContain('"| a, \\"quoted\\" l…"');
    expect(text.replace(/\s+/g, ' ')).toContain(`trap on mini diverged (expected`);
    expect(text).toContain(POPF.message);
    expect(text).toContain('bt: n/a — technique bt is not available in this build yet');
    expect(text).not.toMatch(/mini\s+bt/);
  });
});

describe('collapseUnavailable', () => {
  it('keeps n/a rows when the technique ran for some kernel', () => {
    const other = rowFromRun('other', native, native);
    const btOther = { ...rows[2]!, kernel: 'other', technique: 'bt' as const, label: 'bt' };
    const r = collapseUnavailable([...rows, other, btOther]);
    expect(r.notes).toEqual([]);
    expect(r.rows).toHaveLength(6);
  });
});

describe('collapseUnavailable across kernels', () => {
  it('says once that a technique refused several kernels for the same reason, naming them', () => {
    const k = (kernel: string, technique: 'native' | 'pv', reason: string | null) =>
      technique === 'native'
        ? { ...rowFromRun(kernel, native, native), kernel }
        : rowUnavailable({ kernel, spec: { technique, memory: null }, reason: reason! });
    const all = [
      k('mini', 'native', null),
      { ...rowFromRun('mini', native, native), technique: 'pv' as const, label: 'pv' },
      k('syscall', 'native', null),
      k('syscall', 'pv', 'syscall is not a paravirtual kernel (no .pv directive)'),
      k('in', 'native', null),
      k('in', 'pv', 'in is not a paravirtual kernel (no .pv directive)'),
    ];
    const r = collapseUnavailable(all);
    expect(r.notes).toEqual([{ label: 'pv', reason: 'for syscall, in: not a paravirtual kernel (no .pv directive)' }]);
    expect(r.rows).toHaveLength(4);
  });
});

describe('renderCsv', () => {
  const csv = renderCsv(rows, opts).trimEnd().split('\n');
  it('has a header and one line per row, unavailable included, with quoting', () => {
    expect(csv[0]).toBe(
      'kernel,technique,memory,status,exit_code,identical,first_difference,guest_instructions,exits,modeled_cycles,overhead,wall_ms,cost_profile,reason',
    );
    expect(csv).toHaveLength(5);
    expect(csv[1]).toBe('mini,native,,poweroff,0,true,,1567775,0,7638955,1,1.5,modern,');
    expect(csv[2]).toMatch(/^mini,trap,shadow,halted,0,false,"line 2: ""world"" vs ""\| a, \\""quoted\\""/);
    expect(csv[4]).toBe('mini,bt,,n/a,,,,,,,,,modern,technique bt is not available in this build yet');
  });
});

describe('renderMarkdown', () => {
  it('is a GitHub table with escaped pipes and the legend below', () => {
    const md = renderMarkdown(rows, opts).split('\n');
    const cellsOf = (line: string) => line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    expect(cellsOf(md[0]!)).toEqual(['kernel', 'technique', 'status', 'output same as native', 'guest instrs', 'exits', 'modeled cycles', 'overhead', 'wall ms']);
    // Text columns left-aligned, numbers right-aligned; every line padded to the same width.
    expect(cellsOf(md[1]!).map((c) => (c.startsWith(':') ? 'l' : c.endsWith(':') ? 'r' : '?'))).toEqual(['l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r']);
    expect(new Set(md.slice(0, 5).map((l) => l.length)).size).toBe(1);
    for (const line of md.slice(2, 5)) expect(line.split(/(?<!\\)\|/)).toHaveLength(11);
    expect(md.join('\n')).toContain('\\| a,');
    expect(md.join('\n')).toContain('- modeled cycles are modeled');
  });
});

describe('renderJson', () => {
  it('keeps full stats on every row', () => {
    const parsed = JSON.parse(renderJson(rows)) as CompareRow[];
    expect(parsed).toHaveLength(4);
    expect(parsed[1]!.stats!.exitsTotal).toBe(45_735);
    expect(parsed[1]!.divergences[0]!.insn).toBe('popf');
    expect(parsed[3]!.status).toBe('n/a');
  });
});

describe('wrap', () => {
  it('breaks at spaces under the width and indents continuation lines', () => {
    expect(wrap('aaa bbb ccc', 7, '  ')).toBe('aaa bbb\n  ccc');
  });
});
