// A self-contained SVG grouped bar chart of modeled cycles: one group per kernel, one bar per technique.

import type { CompareRow } from './compare.js';

export interface ChartOptions {
  readonly title?: string;
  /** Cost profile name, said in the subtitle. */
  readonly profile: string;
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** A technique keeps its colour from chart to chart, whichever others are shown with it. */
const TECHNIQUE_COLOUR: Readonly<Record<string, string>> = {
  native: '#0072B2',
  emulate: '#E69F00',
  trap: '#009E73',
  'hw/nested': '#CC79A7',
  'hw/shadow': '#56B4E9',
  bt: '#D55E00',
  pv: '#F0E442',
};

function colourOf(label: string, index: number): string {
  return TECHNIQUE_COLOUR[label] ?? PALETTE[index % PALETTE.length]!;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** 7.64M, 312k, 950: short enough to sit on a bar. */
export function compactNumber(n: number): string {
  const a = Math.abs(n);
  const fmt = (x: number, unit: string) => `${x >= 100 ? Math.round(x) : x >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, '')}${unit}`;
  if (a >= 1e9) return fmt(n / 1e9, 'G');
  if (a >= 1e6) return fmt(n / 1e6, 'M');
  if (a >= 1e3) return fmt(n / 1e3, 'k');
  return String(Math.round(n));
}

/** Linear ticks from 0 to a round number at or above `max`. */
function linearTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(v);
  return ticks;
}

/** Whether the chart uses a log scale: when the values span more than 100x. */
export function needsLogScale(values: readonly number[]): boolean {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return false;
  return Math.max(...pos) / Math.min(...pos) > 100;
}

/** The chart as an SVG document. Unavailable runs (`n/a`) are left out; runs whose output differs are starred. */
export function renderChart(allRows: readonly CompareRow[], opts: ChartOptions): string {
  const rows = allRows.filter((r) => r.modeledCycles !== null);
  const kernels = [...new Set(rows.map((r) => r.kernel))];
  const labels = [...new Set(rows.map((r) => r.label))];
  const values = rows.map((r) => r.modeledCycles!);
  const log = needsLogScale(values);

  const barW = 22;
  const barGap = 3;
  const groupGap = 28;
  const groupW = labels.length * (barW + barGap) - barGap;
  const left = 92;
  const right = 24;
  const top = 74;
  const plotH = 340;
  const bottom = 110;
  const width = Math.max(560, left + Math.max(1, kernels.length) * (groupW + groupGap) + groupGap + right);
  const plotW = width - left - right;
  // Each kernel gets an equal slot; its bars are centred in it.
  const slot = plotW / Math.max(1, kernels.length);
  const height = top + plotH + bottom;

  // Scale: value -> y (pixels from the top of the plot area).
  const maxV = Math.max(1, ...values);
  const minPos = Math.min(...values.filter((v) => v > 0), maxV);
  let ticks: number[];
  let y: (v: number) => number;
  if (log) {
    const lo = Math.floor(Math.log10(minPos));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(maxV)));
    ticks = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    y = (v) => plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  } else {
    ticks = linearTicks(maxV);
    const top = ticks[ticks.length - 1]!;
    y = (v) => plotH - (v / top) * plotH;
  }

  const out: string[] = [];
  const add = (s: string) => out.push(s);
  add(`<?xml version="1.0" encoding="UTF-8"?>`);
  add(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  add(`<title>${esc(opts.title ?? 'Modeled cycles by kernel and technique')}</title>`);
  add(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  add(`<text x="${width / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${esc(opts.title ?? 'Modeled cycles by kernel and technique')}</text>`);
  add(
    `<text x="${width / 2}" y="46" text-anchor="middle" fill="#444444">` +
      `${esc(`modeled from counted events with the ${opts.profile} cost profile, not measured${log ? '; log scale' : ''}`)}</text>`,
  );

  add(`<g transform="translate(${left},${top})">`);
  // Grid and y axis.
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    add(`<line x1="0" y1="${ty}" x2="${plotW}" y2="${ty}" stroke="#dddddd" stroke-width="1"/>`);
    add(`<text x="-8" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#333333">${esc(compactNumber(t))}</text>`);
  }
  add(`<line x1="0" y1="0" x2="0" y2="${plotH}" stroke="#333333" stroke-width="1"/>`);
  add(`<line x1="0" y1="${plotH}" x2="${plotW}" y2="${plotH}" stroke="#333333" stroke-width="1"/>`);
  add(
    `<text transform="translate(${-left + 20},${plotH / 2}) rotate(-90)" text-anchor="middle" fill="#222222">` +
      `${esc(`modeled cycles${log ? ' (log scale)' : ''}`)}</text>`,
  );

  let starred = false;
  kernels.forEach((k, gi) => {
    const gx = gi * slot + (slot - groupW) / 2;
    labels.forEach((label, bi) => {
      const r = rows.find((row) => row.kernel === k && row.label === label);
      if (!r) return;
      const v = r.modeledCycles!;
      const x = gx + bi * (barW + barGap);
      const by = y(v);
      const h = Math.max(1, plotH - by);
      const differs = r.identical === false;
      starred ||= differs;
      const tip = `${k}, ${label}: ${v.toLocaleString('en-US')} modeled cycles${differs ? ' (output differs from native)' : ''}`;
      add(
        `<rect x="${x}" y="${(plotH - h).toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${colourOf(label, bi)}">` +
          `<title>${esc(tip)}</title></rect>`,
      );
      const text = `${compactNumber(v)}${differs ? '*' : ''}`;
      // Inside the bar when it is tall enough, else just above it; rotated so narrow bars can carry it.
      const inside = h > text.length * 7 + 8;
      const cx = x + barW / 2 + 4;
      const ty = inside ? plotH - h + 5 : plotH - h - 4;
      add(
        `<text transform="translate(${cx.toFixed(1)},${ty.toFixed(1)}) rotate(-90)" text-anchor="${inside ? 'end' : 'start'}" ` +
          `font-size="11" fill="${inside ? '#ffffff' : '#222222'}">${esc(text)}</text>`,
      );
    });
    add(`<text x="${gx + groupW / 2}" y="${plotH + 20}" text-anchor="middle" font-weight="bold">${esc(k)}</text>`);
  });
  add(`</g>`);

  // Legend, below the plot.
  const ly = top + plotH + 48;
  let lx = left;
  labels.forEach((label, i) => {
    add(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colourOf(label, i)}"/>`);
    add(`<text x="${lx + 17}" y="${ly}">${esc(label)}</text>`);
    lx += 30 + label.length * 7;
  });
  const notes = ['technique (colour) per kernel (group); lower is cheaper'];
  if (starred) notes.push('* console output differs from native');
  const missing = [...new Set(allRows.filter((r) => r.modeledCycles === null).map((r) => r.label))].filter((l) => !labels.includes(l));
  if (missing.length) notes.push(`not available, so not shown: ${missing.join(', ')}`);
  add(`<text x="${left}" y="${ly + 26}" fill="#444444">${esc(notes.join('; '))}</text>`);
  add(`</svg>`);
  return `${out.join('\n')}\n`;
}
