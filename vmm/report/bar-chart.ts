// A grouped bar chart as self-contained SVG, laid out by measured text: nothing is cut off, every bar label is legible.
//
// Every piece of text is measured (text-width.ts) before it is placed: the left margin fits the
// widest tick label, a group is widened to its label, the chart is widened to its title, and the
// subtitle, legend and notes wrap to the width. A label on a bar is black or white, whichever
// contrasts more with the bar (WCAG 2: at least 4.5:1); one that does not fit inside its bar sits
// beyond its end, on the white background.

import { labelColourOn } from './contrast.js';
import { CHART_FONT_FAMILY, textExtent, textWidth, wrapText, type TextStyle } from './text-width.js';

export interface BarSeries {
  readonly label: string;
  readonly colour: string;
}

export interface Bar {
  readonly group: string;
  readonly series: string;
  readonly value: number;
  /** What the bar says on it (e.g. 7.64M, 2.3×). */
  readonly text: string;
  /** The tooltip: the exact figure and what it is. */
  readonly tip: string;
}

export interface BarChartSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly axisTitle: string;
  readonly groups: readonly string[];
  readonly series: readonly BarSeries[];
  readonly bars: readonly Bar[];
  readonly scale: 'linear' | 'log';
  /** Bars grow from this value (up above it, down below it); default the foot of the axis. Log scale only. */
  readonly baseline?: number;
  /** A dashed horizontal line across the plot, labelled at its right end. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly tickLabel: (v: number) => string;
  /** Lines under the legend (wrapped to the width). */
  readonly notes: readonly string[];
}

const FONT = {
  title: { size: 17, bold: true },
  subtitle: { size: 12 },
  tick: { size: 12 },
  axis: { size: 12 },
  group: { size: 12, bold: true },
  bar: { size: 11 },
  legend: { size: 12 },
  note: { size: 12 },
} satisfies Record<string, TextStyle>;

const PAD = 16;
const BAR_W = 22;
const BAR_GAP = 3;
const GROUP_GAP = 28;
const PLOT_H = 340;
const MIN_WIDTH = 560;
const LINE = 16;
const SWATCH = 12;
/** Space between a label and its bar's end, or between the label and the bar's sides. */
const INSET = 4;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const px = (n: number) => String(Math.round(n * 10) / 10);

/** Linear ticks from 0 to a round number at or above `max`. */
export function linearTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let i = 0; i * step <= max + step * 0.999; i++) ticks.push(i * step);
  return ticks;
}

/** The y scale: value -> pixels from the top of the plot, and its ticks. */
function scale(spec: BarChartSpec): { y: (v: number) => number; ticks: number[]; foot: number } {
  const values = spec.bars.map((b) => b.value);
  if (spec.reference) values.push(spec.reference.value);
  if (spec.scale === 'log') {
    const pos = values.filter((v) => v > 0);
    if (spec.baseline !== undefined) pos.push(spec.baseline);
    const lo = Math.floor(Math.log10(Math.min(...pos, 1e300)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pos, 1e-300))));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    return { y: (v) => PLOT_H - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PLOT_H, ticks, foot: 10 ** lo };
  }
  const ticks = linearTicks(Math.max(1, ...values));
  const top = ticks[ticks.length - 1]!;
  return { y: (v) => PLOT_H - (Math.max(0, v) / top) * PLOT_H, ticks, foot: 0 };
}

export function renderBarChart(spec: BarChartSpec): string {
  const { y, ticks, foot } = scale(spec);
  const base = y(spec.scale === 'log' ? (spec.baseline ?? foot) : 0);
  const asc = (s: TextStyle) => textExtent(s).ascent;

  // Horizontal layout: the left margin holds the axis title and the widest tick label.
  const tickW = Math.max(...ticks.map((t) => textWidth(spec.tickLabel(t), FONT.tick)));
  const left = PAD + asc(FONT.axis) + 10 + tickW + 8;
  const groupW = spec.series.length * (BAR_W + BAR_GAP) - BAR_GAP;
  const need = spec.groups.map((g) => Math.max(groupW + GROUP_GAP, textWidth(g, FONT.group) + 12));
  const needW = need.reduce((a, b) => a + b, 0);
  // The reference line's label sits right of the plot, where no bar can cover it.
  const right = spec.reference ? 6 + textWidth(spec.reference.label, FONT.tick) + PAD : PAD;
  const width = Math.ceil(Math.max(MIN_WIDTH, left + needW + right, textWidth(spec.title, FONT.title) + 2 * PAD));
  const inner = width - 2 * PAD;
  // A chart widened for its title or to the minimum spreads its groups over the extra room.
  const plotW = width - left - right;
  const slots = need.map((w) => (w * plotW) / Math.max(1, needW));

  // Vertical layout, top to bottom: title, subtitle, plot, group labels, legend, notes.
  const subtitle = wrapText(spec.subtitle, inner, FONT.subtitle);
  const titleY = PAD + asc(FONT.title);
  const subtitleY = titleY + 8 + asc(FONT.subtitle);
  const top = subtitleY + (subtitle.length - 1) * LINE + 24;
  const groupY = top + PLOT_H + 8 + asc(FONT.group);

  const legendRows: { label: string; colour: string; x: number }[][] = [[]];
  let lx = PAD;
  for (const s of spec.series) {
    const w = SWATCH + 5 + textWidth(s.label, FONT.legend);
    if (lx + w > width - PAD && lx > PAD) {
      legendRows.push([]);
      lx = PAD;
    }
    legendRows[legendRows.length - 1]!.push({ label: s.label, colour: s.colour, x: lx });
    lx += w + 18;
  }
  const legendY = groupY + 24;
  const notes = spec.notes.flatMap((n) => wrapText(n, inner, FONT.note));
  const notesY = legendY + (legendRows.length - 1) * 20 + 26;
  const height = Math.ceil(notesY + (notes.length - 1) * LINE + textExtent(FONT.note).descent + PAD);

  const out: string[] = [];
  const add = (s: string) => out.push(s);
  add(`<?xml version="1.0" encoding="UTF-8"?>`);
  add(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${esc(CHART_FONT_FAMILY)}" font-size="12">`,
  );
  add(`<title>${esc(spec.title)}</title>`);
  add(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  add(`<text x="${px(width / 2)}" y="${px(titleY)}" text-anchor="middle" font-size="17" font-weight="bold">${esc(spec.title)}</text>`);
  subtitle.forEach((l, i) =>
    add(`<text x="${px(width / 2)}" y="${px(subtitleY + i * LINE)}" text-anchor="middle" fill="#444444">${esc(l)}</text>`),
  );

  add(`<g transform="translate(${px(left)},${px(top)})">`);
  const tickAsc = asc(FONT.tick);
  for (const t of ticks) {
    const ty = y(t);
    add(`<line x1="0" y1="${px(ty)}" x2="${px(plotW)}" y2="${px(ty)}" stroke="#dddddd" stroke-width="1"/>`);
    // Baseline a third of the ascent below the gridline: the digits sit centred on it.
    add(`<text x="-8" y="${px(ty + tickAsc / 3)}" text-anchor="end" fill="#333333">${esc(spec.tickLabel(t))}</text>`);
  }
  add(`<line x1="0" y1="0" x2="0" y2="${PLOT_H}" stroke="#333333" stroke-width="1"/>`);
  add(`<line x1="0" y1="${px(base)}" x2="${px(plotW)}" y2="${px(base)}" stroke="#333333" stroke-width="1"/>`);
  add(
    `<text transform="translate(${px(-left + PAD + asc(FONT.axis))},${PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#222222">` +
      `${esc(spec.axisTitle)}</text>`,
  );
  if (spec.reference) {
    const ry = y(spec.reference.value);
    add(`<line x1="0" y1="${px(ry)}" x2="${px(plotW)}" y2="${px(ry)}" stroke="#000000" stroke-width="1" stroke-dasharray="5,3"/>`);
    add(`<text x="${px(plotW + 6)}" y="${px(ry + tickAsc / 3)}" fill="#222222">${esc(spec.reference.label)}</text>`);
  }

  let gx = 0;
  spec.groups.forEach((g, gi) => {
    const slot = slots[gi]!;
    const x0 = gx + (slot - groupW) / 2;
    spec.series.forEach((s, si) => {
      const bar = spec.bars.find((b) => b.group === g && b.series === s.label);
      if (!bar) return;
      const x = x0 + si * (BAR_W + BAR_GAP);
      const end = y(bar.value);
      const up = end <= base;
      const h = Math.max(1, Math.abs(base - end));
      const yTop = up ? base - h : base;
      add(
        `<rect class="bar" x="${px(x)}" y="${px(yTop)}" width="${BAR_W}" height="${px(h)}" fill="${s.colour}">` +
          `<title>${esc(bar.tip)}</title></rect>`,
      );
      // Rotated to run along the bar: its measured width is its extent along the bar.
      const len = textWidth(bar.text, FONT.bar);
      const roomBeyond = up ? yTop : PLOT_H - (yTop + h);
      const inside = h >= len + 2 * INSET || roomBeyond < len + INSET;
      const cx = x + BAR_W / 2 + asc(FONT.bar) / 2 - 1;
      // Anchored at the bar's end, reading upwards: `end` runs from the anchor down, `start` up.
      const ty = up ? (inside ? yTop + INSET : yTop - INSET) : inside ? yTop + h - INSET : yTop + h + INSET;
      const anchor = up === inside ? 'end' : 'start';
      const fill = inside ? labelColourOn(s.colour) : '#222222';
      add(
        `<text class="bar-label${inside ? ' inside' : ''}" data-bar-fill="${s.colour}" transform="translate(${px(cx)},${px(ty)}) rotate(-90)" ` +
          `text-anchor="${anchor}" font-size="${FONT.bar.size}" fill="${fill}">${esc(bar.text)}</text>`,
      );
    });
    add(`<text x="${px(gx + slot / 2)}" y="${px(groupY - top)}" text-anchor="middle" font-weight="bold">${esc(g)}</text>`);
    gx += slot;
  });
  add(`</g>`);

  legendRows.forEach((row, ri) => {
    const ry = legendY + ri * 20;
    for (const e of row) {
      add(`<rect x="${px(e.x)}" y="${px(ry - SWATCH + 2)}" width="${SWATCH}" height="${SWATCH}" fill="${e.colour}"/>`);
      add(`<text x="${px(e.x + SWATCH + 5)}" y="${px(ry)}">${esc(e.label)}</text>`);
    }
  });
  notes.forEach((l, i) => add(`<text x="${PAD}" y="${px(notesY + i * LINE)}" fill="#444444">${esc(l)}</text>`));
  add(`</svg>`);
  return `${out.join('\n')}\n`;
}
