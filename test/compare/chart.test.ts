// The SVG charts: well-formed, labelled as modeled, log scale only past a 100x range; overhead against native, and why a run is cheaper.
import { describe, expect, it } from 'vitest';
import { cheaperNotes, deviceCostNote } from '../../vmm/report/cheaper.js';
import { compactNumber, formatFactor, needsLogScale, renderChart, renderOverheadChart } from '../../vmm/report/chart.js';
import { rowFromRun, rowUnavailable } from '../../vmm/report/compare.js';
import { fakeRun } from './fixtures.js';
import { xmlProblem } from './xml.js';

function rows(kernel: string, cycles: number[], console = 'hello\nworld\n') {
  const native = fakeRun({ cycles: cycles[0]! });
  const techniques = [
    fakeRun({ technique: 'emulate', cycles: cycles[1]! }),
    fakeRun({ technique: 'trap', cycles: cycles[2]!, console }),
  ];
  return [rowFromRun(kernel, native, native), ...techniques.map((r) => rowFromRun(kernel, r, native))];
}

describe('the checker itself', () => {
  it('rejects what is not well-formed', () => {
    expect(xmlProblem('<svg><g></svg>')).toMatch(/closes/);
    expect(xmlProblem('<svg><text>a & b</text></svg>')).toMatch(/bad character/);
    expect(xmlProblem('<svg x=1></svg>')).toMatch(/malformed/);
    expect(xmlProblem('<svg/><svg/>')).toMatch(/one root/);
    expect(xmlProblem('<svg><g/><text>a &amp; b</text></svg>')).toBeNull();
  });
});

describe('renderChart', () => {
  it('is well-formed SVG with a title, axis title, legend and a bar per run', () => {
    const svg = renderChart([...rows('mini', [1000, 4000, 9000]), ...rows('syscall', [2000, 3000, 5000])], { profile: 'modern' });
    expect(xmlProblem(svg)).toBeNull();
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('modeled cycles</text>');
    expect(svg).toContain('modern cost profile, not measured');
    expect(svg).not.toContain('log scale');
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(6);
    for (const l of ['native', 'emulate', 'trap', 'mini', 'syscall']) expect(svg).toContain(`>${l}</text>`);
  });

  it('switches to a labelled log scale past a 100x range', () => {
    expect(needsLogScale([10, 1000])).toBe(false);
    expect(needsLogScale([10, 1001])).toBe(true);
    const svg = renderChart(rows('mini', [1000, 40_000, 9_000_000]), { profile: 'vt-2006' });
    expect(xmlProblem(svg)).toBeNull();
    expect(svg).toContain('modeled cycles (log scale)');
  });

  it('stars runs whose output differs, escapes names, and leaves out unavailable runs', () => {
    const r = [
      ...rows('a<b&"c"', [100, 200, 300], 'other\n'),
      rowUnavailable({ kernel: 'a<b&"c"', spec: { technique: 'bt', memory: null }, reason: 'later' }),
    ];
    const svg = renderChart(r, { profile: 'modern' });
    expect(xmlProblem(svg)).toBeNull();
    expect(svg).toContain('a&lt;b&amp;&quot;c&quot;');
    expect(svg).toContain('300*');
    expect(svg).toContain('console output differs from native');
    expect(svg).not.toContain('>bt<');
    expect(svg).toContain('not available, so not shown: bt');
  });

  it('puts short values on bars', () => {
    expect(compactNumber(7_638_955)).toBe('7.64M');
    expect(compactNumber(108_174_061)).toBe('108M');
    expect(compactNumber(151_199)).toBe('151k');
    expect(compactNumber(12_100)).toBe('12.1k');
    expect(compactNumber(950)).toBe('950');
  });
});

describe('renderOverheadChart', () => {
  it('is well-formed SVG on a log scale with the 1× line, one bar per non-native run, factors on the bars', () => {
    const svg = renderOverheadChart([...rows('mini', [1000, 4000, 9000]), ...rows('syscall', [2000, 1000, 5000])], { profile: 'modern' });
    expect(xmlProblem(svg)).toBeNull();
    expect(svg).toContain('overhead against native (log scale)');
    expect(svg).toContain('native = 1×');
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(4);
    for (const f of ['4×', '9×', '0.5×', '2.5×']) expect(svg).toContain(`>${f}`);
  });

  it('says why a technique models cheaper than native, from the two runs\' cycle breakdowns', () => {
    const native = fakeRun({ cycles: 10_000 });
    native.stats.cycleBreakdown = { instruction: 1000, ioAccess: 9000 };
    const bt = fakeRun({ technique: 'bt', cycles: 3000 });
    bt.stats.cycleBreakdown = { instruction: 1000, deviceEmulation: 600, btCallout: 1400 };
    const r = [rowFromRun('in', native, native), rowFromRun('in', bt, native)];
    const notes = cheaperNotes(r);
    expect(notes[0]).toBe(
      'bt on in models cheaper than native: native spends 9k more modeled cycles on ioAccess (a register access to a physical device), ' +
        'and in their place 1.4k on btCallout (a call from translated code into the VMM and back (no fault, no privilege change))',
    );
    expect(notes[1]).toMatch(/^why device accesses cost less virtualized: .*Adams & Agesen/);
    expect(renderOverheadChart(r, { profile: 'modern' })).toContain('bt on in models cheaper than native');
    expect(cheaperNotes([rowFromRun('in', native, native), rowFromRun('in', fakeRun({ technique: 'bt', cycles: 20_000 }), native)])).toEqual([]);
  });

  it('run --stats, with no native run to compare: says when device accesses could make the run model cheaper than native', () => {
    expect(deviceCostNote('bt', { deviceAccesses: 10_000, modeledCycles: 2_000_000 }, 1000)).toMatch(
      /^note: the guest made 10,000 device register accesses.*10M in all against this run's 2M, so this run may model cheaper than native/,
    );
    expect(deviceCostNote('bt', { deviceAccesses: 10, modeledCycles: 2_000_000 }, 1000)).toBeNull();
    expect(deviceCostNote('native', { deviceAccesses: 10_000, modeledCycles: 2_000_000 }, 1000)).toBeNull();
  });

  it('formats factors short', () => {
    expect(['0.068', '0.5', '1', '1.024', '15.3', '155', '1234'].map((x) => formatFactor(Number(x)))).toEqual(['0.068×', '0.5×', '1×', '1.02×', '15.3×', '155×', '1.23k×']);
  });
});
