// The charts rendered by a real SVG renderer (resvg, with the font the layout measures): no text outside the picture, measured widths true, bar labels legible.
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FONT_FILES } from '../../scripts/gen-font-metrics.js';
import { renderChart, renderOverheadChart } from '../../vmm/report/chart.js';
import { rowFromRun, rowUnavailable, type CompareRow } from '../../vmm/report/compare.js';
import { contrastRatio, labelColourOn, MIN_TEXT_CONTRAST } from '../../vmm/report/contrast.js';
import { CHART_FONT_FAMILY, textWidth } from '../../vmm/report/text-width.js';
type Technique = string;
import { fakeRun } from './fixtures.js';

const FONT = { loadSystemFonts: false, fontFiles: [FONT_FILES.regular, FONT_FILES.bold], defaultFontFamily: 'DejaVu Sans' };

/** The pixels of `svg` drawn on a canvas `margin` px larger on every side (transparent outside the picture). */
function renderWithMargin(svg: string, margin: number): { width: number; height: number; pixels: Buffer; w: number; h: number } {
  const m = /<svg [^>]*width="(\d+)" height="(\d+)" viewBox="0 0 \d+ \d+"/.exec(svg);
  if (!m) throw new Error('no svg size');
  const [w, h] = [Number(m[1]), Number(m[2])];
  const bigger = svg.replace(m[0], m[0].replace(/width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/,
    `width="${w + 2 * margin}" height="${h + 2 * margin}" viewBox="${-margin} ${-margin} ${w + 2 * margin} ${h + 2 * margin}"`));
  const img = new Resvg(bigger, { font: FONT }).render();
  return { width: img.width, height: img.height, pixels: img.pixels, w, h };
}

/** How many pixels outside the picture's own rectangle something drew on. */
function inkOutside(svg: string): number {
  const M = 60;
  const r = renderWithMargin(svg, M);
  let n = 0;
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++) {
      const inside = x >= M && x < M + r.w && y >= M && y < M + r.h;
      if (!inside && r.pixels[(y * r.width + x) * 4 + 3]! > 0) n++;
    }
  return n;
}

const TECHNIQUES: [Technique, 'nested' | 'shadow' | null][] = [
  ['emulate', null], ['trap', null], ['hw', 'nested'], ['hw', 'shadow'], ['bt', null], ['pv', null],
];

/** A comparison built to strain the layout: long kernel names, every technique, stars, n/a notes, overheads below 1. */
function hardRows(): CompareRow[] {
  const rows: CompareRow[] = [];
  const kernels = ['a-kernel-with-a-remarkably-long-name-indeed', 'x', 'guest-kernels/nanobench/in.s', 'mini'];
  kernels.forEach((k, ki) => {
    const native = fakeRun({ cycles: 1000 * (ki + 1) ** 4 });
    rows.push(rowFromRun(k, native, native));
    TECHNIQUES.forEach(([t, memory], ti) => {
      if (t === 'pv' && ki !== 3) {
        rows.push(rowUnavailable({ kernel: k, spec: { technique: t, memory }, reason: 'not a paravirtual kernel' }));
        return;
      }
      const run = fakeRun({ technique: t, memory, cycles: Math.round(native.stats.modeledCycles * [0.07, 1.01, 3, 40, 900, 0.9][ti]!), console: ti === 1 ? 'other\n' : 'hello\nworld\n' });
      rows.push(rowFromRun(k, run, native, { technique: t, memory }));
    });
  });
  return rows;
}

const PROFILE = 'profiles/a-cost-profile-from-a-file-with-a-very-long-name-that-goes-on-and-on-and-on.json';
const CHARTS: [string, string][] = [
  ['modeled cycles, hard case', renderChart(hardRows(), { profile: PROFILE })],
  ['overhead, hard case', renderOverheadChart(hardRows(), { profile: PROFILE })],
  ['modeled cycles, one small kernel', renderChart(hardRows().filter((r) => r.kernel === 'x'), { profile: 'modern', title: 'A title long enough that it is wider than the smallest chart would be' })],
];

describe('charts rendered by resvg', () => {
  it('the picture has text to check: resvg draws the chart', () => {
    const r = renderWithMargin(CHARTS[0]![1], 0);
    let ink = 0;
    for (let i = 0; i < r.pixels.length; i += 4) if (r.pixels[i]! < 128) ink++;
    expect(ink).toBeGreaterThan(1000);
  });

  for (const [name, svg] of CHARTS)
    it(`nothing drawn outside the picture: ${name}`, () => {
      expect(svg).toContain(`font-family="${CHART_FONT_FAMILY.replace(/'/g, '&apos;')}"`);
      expect(inkOutside(svg)).toBe(0);
    });

  it('the check catches text that runs off the picture', () => {
    const svg = CHARTS[0]![1].replace('</svg>', '<text x="10" y="-2">cut off</text></svg>');
    expect(inkOutside(svg)).toBeGreaterThan(0);
  });

  it('measured widths match what the renderer draws (never narrower than drawn)', () => {
    for (const [text, bold] of [['mini', false], ['hw/nested', false], ['7.64M', false], ['a-kernel-with-a-remarkably-long-name-indeed', true], ['overhead = modeled cycles / native', false]] as const) {
      const size = 12;
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="25" font-family="DejaVu Sans" font-size="${size}"` +
        `${bold ? ' font-weight="bold"' : ''}>${text}</text></svg>`;
      const box = new Resvg(svg, { font: FONT }).innerBBox();
      const measured = textWidth(text, { size, bold });
      expect(box).toBeDefined();
      // The ink box lacks the side bearings the advance widths include, so it is a little narrower.
      expect(box!.width, text).toBeLessThanOrEqual(measured + 0.5);
      expect(box!.width, text).toBeGreaterThan(measured * 0.9);
    }
  });
});

describe('bar labels are legible (WCAG 2 contrast of at least 4.5:1)', () => {
  it('every label inside a bar contrasts with its bar, every label beyond one with the white background', () => {
    let inside = 0;
    for (const [, svg] of CHARTS)
      for (const m of svg.matchAll(/<text class="bar-label( inside)?" data-bar-fill="(#[0-9a-fA-F]{6})"[^>]* fill="(#[0-9a-fA-F]{6})"/g)) {
        const against = m[1] ? m[2]! : '#ffffff';
        if (m[1]) inside++;
        expect(contrastRatio(m[3]!, against), `${m[3]} on ${against}`).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
      }
    expect(inside).toBeGreaterThan(10);
  });

  it('black or white reaches 4.5:1 on any fill', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const fill = `#${n.toString(16).padStart(6, '0')}`;
        return contrastRatio(labelColourOn(fill), fill) >= MIN_TEXT_CONTRAST;
      }),
    );
  });

  it('contrast ratios are WCAG 2\'s', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#F0E442', '#ffffff')).toBeLessThan(MIN_TEXT_CONTRAST);
  });
});
