// The comparison's row logic on fabricated runs: first differing line, equivalence, overhead, exit status, --techniques.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';
import {
  compareExitCode,
  describeDifference,
  excerpt,
  firstDifference,
  formatOverhead,
  identicalCell,
  parseTechniques,
  rowFromRun,
  rowUnavailable,
} from '../../vmm/report/compare.js';
import { fakeRun, POPF } from './fixtures.js';

describe('firstDifference', () => {
  it('is null for identical transcripts', () => {
    expect(firstDifference('a\nb\n', 'a\nb\n')).toBeNull();
  });

  it('names the first differing line, 1-based, with both sides and the column', () => {
    expect(firstDifference('a\npid 3\nc\n', 'a\npid 4\nx\n')).toEqual({ line: 2, column: 4, expected: 'pid 3', actual: 'pid 4' });
  });

  it('says a side ended early with null', () => {
    expect(firstDifference('a\nb\nc\n', 'a\nb\n')).toEqual({ line: 3, column: 0, expected: 'c', actual: null });
    expect(firstDifference('a\n', 'a\nmore\n')).toEqual({ line: 2, column: 0, expected: null, actual: 'more' });
  });

  it('tells a missing final newline apart', () => {
    const d = firstDifference('a\nb\n', 'a\nb');
    expect(d?.line).toBe(2);
    expect(d?.expected).toBe('b');
    expect(d?.actual).toBe('b');
  });

  it('finds a difference exactly when the transcripts differ, on a line where they differ', () => {
    const text = fc.array(fc.constantFrom('x', 'y', '\n'), { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const d = firstDifference(a, b);
        if (a === b) return d === null;
        if (d === null) return false;
        const la = a.split('\n');
        const lb = b.split('\n');
        // Lines before the reported one agree.
        for (let i = 0; i < d.line - 1; i++) if (la[i] !== lb[i]) return false;
        return true;
      }),
    );
  });
});

describe('describing a difference', () => {
  it('quotes both lines when short', () => {
    expect(describeDifference({ line: 7, column: 4, expected: 'pid 3', actual: 'pid 4' })).toBe('line 7: "pid 3" vs "pid 4"');
    expect(describeDifference({ line: 9, column: 0, expected: 'x', actual: null })).toBe('line 9: "x" vs (end of output)');
  });

  it('cuts long lines to a window around the difference, marked with …', () => {
    const long = `${'a'.repeat(50)}XYZ${'b'.repeat(50)}`;
    const e = excerpt(long, 50, 16);
    expect(e).toHaveLength(16);
    expect(e.startsWith('…')).toBe(true);
    expect(e.endsWith('…')).toBe(true);
    expect(e).toContain('XYZ');
    expect(excerpt('short', 2, 16)).toBe('short');
  });
});

describe('rows from runs', () => {
  const native = fakeRun({ cycles: 2000 });

  it('the oracle row is identical to itself with overhead 1', () => {
    const r = rowFromRun('mini', native, native);
    expect(r.identical).toBe(true);
    expect(r.overhead).toBe(1);
    expect(identicalCell(r)).toBe('yes (oracle)');
    expect(formatOverhead(r.overhead)).toBe('1.00x');
  });

  it('overhead is the ratio of modeled cycles, and a matching run says yes', () => {
    const hw = fakeRun({ technique: 'hw', memory: 'nested', cycles: 8620, exits: 12 });
    const r = rowFromRun('mini', hw, native);
    expect(r.label).toBe('hw/nested');
    expect(r.overhead).toBeCloseTo(4.31, 10);
    expect(formatOverhead(r.overhead)).toBe('4.31x');
    expect(identicalCell(r)).toBe('yes');
    expect(r.exits).toBe(12);
  });

  it('a differing console gives the first differing line', () => {
    const trap = fakeRun({ technique: 'trap', memory: 'shadow', console: 'hello\nWORLD\n', status: 'halted', divergences: [POPF] });
    const r = rowFromRun('mini', trap, native);
    expect(r.label).toBe('trap');
    expect(r.identical).toBe(false);
    expect(identicalCell(r)).toBe('no: line 2: "world" vs "WORLD"');
  });

  it('the same console but a different ending is not identical', () => {
    const r = rowFromRun('mini', fakeRun({ technique: 'emulate', exitCode: 3 }), native);
    expect(r.identical).toBe(false);
    expect(identicalCell(r)).toBe('no: ended poweroff 0 vs poweroff 3');
  });

  it('an unavailable technique is n/a with its reason', () => {
    const r = rowUnavailable({ kernel: 'mini', spec: { technique: 'bt', memory: null }, reason: 'not in this build' });
    expect(r.status).toBe('n/a');
    expect(identicalCell(r)).toBe('n/a: not in this build');
    expect(r.modeledCycles).toBeNull();
  });

  it('formats overheads with sensible precision', () => {
    expect(formatOverhead(53.94)).toBe('53.9x');
    expect(formatOverhead(172.4)).toBe('172x');
    expect(formatOverhead(null)).toBe('—');
  });
});

describe('exit status', () => {
  const native = fakeRun();
  const nat = rowFromRun('k', native, native);
  const trapBad = rowFromRun('k', fakeRun({ technique: 'trap', console: 'x\n' }), native);
  const hwBad = rowFromRun('k', fakeRun({ technique: 'hw', memory: 'nested', console: 'x\n' }), native);
  const hwOk = rowFromRun('k', fakeRun({ technique: 'hw', memory: 'nested' }), native);
  const na = rowUnavailable({ kernel: 'k', spec: { technique: 'bt', memory: null }, reason: 'later' });

  it('a trap divergence is expected, not an error', () => {
    expect(compareExitCode([nat, trapBad, hwOk, na], false)).toBe(EXIT_CODE.OK);
  });
  it('any other divergence is exit 68, and so is trap under --strict', () => {
    expect(compareExitCode([nat, hwBad], false)).toBe(EXIT_CODE.DIVERGED);
    expect(compareExitCode([nat, trapBad], true)).toBe(EXIT_CODE.DIVERGED);
  });
  it('a run that did not finish is its own exit code', () => {
    const limit = fakeRun({ status: 'limit', exitCode: 69 });
    expect(compareExitCode([rowFromRun('k', limit, limit)], false)).toBe(EXIT_CODE.LIMIT);
  });
});

describe('--techniques', () => {
  it('puts native first, gives hw its default memory, and drops duplicates', () => {
    expect(parseTechniques('trap,hw,native,hw:nested')).toEqual([
      { technique: 'native', memory: null },
      { technique: 'trap', memory: null },
      { technique: 'hw', memory: 'nested' },
    ]);
  });
  it('adds native when it is missing: it is the oracle', () => {
    expect(parseTechniques('hw')).toEqual([
      { technique: 'native', memory: null },
      { technique: 'hw', memory: 'nested' },
    ]);
  });
  it('takes --memory for plain hw and explicit modes per entry', () => {
    expect(parseTechniques('hw,hw:nested', 'shadow')).toEqual([
      { technique: 'native', memory: null },
      { technique: 'hw', memory: 'shadow' },
      { technique: 'hw', memory: 'nested' },
    ]);
  });
  it('rejects an unknown name, listing the valid ones', () => {
    const e = parseTechniques('native,vmx');
    expect(typeof e).toBe('string');
    expect(e).toMatch(/unknown technique "vmx".*native, emulate, trap, hw, bt, pv/);
    expect(parseTechniques('hw:ept')).toMatch(/unknown memory mode "ept"/);
    expect(parseTechniques(' , ')).toMatch(/empty/);
  });
});
