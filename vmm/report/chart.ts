// The comparison's SVG charts: modeled cycles, and overhead against native; one group per kernel, one bar per technique.

import { findTechnique } from '../hv/techniques/registry.js';
import { renderBarChart } from './bar-chart.js';
import { compactNumber, formatFactor } from './chart-numbers.js';
import { cheaperNotes } from './cheaper.js';
import type { CompareRow } from './compare.js';

export { compactNumber, formatFactor };

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

/** Whether the chart uses a log scale: when the values span more than 100x. */
export function needsLogScale(values: readonly number[]): boolean {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return false;
  return Math.max(...pos) / Math.min(...pos) > 100;
}

/** The notes every comparison chart ends with: stars, and the techniques that did not run. */
function commonNotes(allRows: readonly CompareRow[], shown: readonly CompareRow[], labels: readonly string[]): string[] {
  const notes: string[] = [];
  if (shown.some((r) => r.identical === false)) notes.push('* console output differs from native');
  const missing = [...new Set(allRows.filter((r) => r.modeledCycles === null).map((r) => r.label))].filter((l) => !labels.includes(l));
  if (missing.length) notes.push(`not available, so not shown: ${missing.join(', ')}`);
  return notes;
}

/** The chart of modeled cycles as an SVG document. Unavailable runs (`n/a`) are left out; runs whose output differs are starred. */
export function renderChart(allRows: readonly CompareRow[], opts: ChartOptions): string {
  const rows = allRows.filter((r) => r.modeledCycles !== null);
  const labels = [...new Set(rows.map((r) => r.label))];
  const log = needsLogScale(rows.map((r) => r.modeledCycles!));
  const title = opts.title ?? 'Modeled cycles by kernel and technique';
  return renderBarChart({
    title,
    subtitle: `modeled from counted events with the ${opts.profile} cost profile, not measured${log ? '; log scale' : ''}`,
    axisTitle: `modeled cycles${log ? ' (log scale)' : ''}`,
    groups: [...new Set(rows.map((r) => r.kernel))],
    series: labels.map((l, i) => ({ label: l, colour: colourOf(l, i) })),
    bars: rows.map((r) => ({
      group: r.kernel,
      series: r.label,
      value: r.modeledCycles!,
      text: `${compactNumber(r.modeledCycles!)}${r.identical === false ? '*' : ''}`,
      tip: `${r.kernel}, ${r.label}: ${r.modeledCycles!.toLocaleString('en-US')} modeled cycles${r.identical === false ? ' (output differs from native)' : ''}`,
    })),
    scale: log ? 'log' : 'linear',
    tickLabel: compactNumber,
    notes: ['technique (colour) per kernel (group); lower is cheaper', ...commonNotes(allRows, rows, labels)],
  });
}

/**
 * The chart of overhead against native: per kernel, each technique's modeled cycles divided by the
 * kernel's native run, on a log scale from the 1× line (up: dearer than native, down: cheaper), so
 * kernels of very different sizes read on one axis.
 */
export function renderOverheadChart(allRows: readonly CompareRow[], opts: ChartOptions): string {
  const rows = allRows.filter((r) => r.overhead !== null && r.overhead > 0 && findTechnique(r.technique)?.oracle !== true);
  const labels = [...new Set(rows.map((r) => r.label))];
  const notes = ["overhead = modeled cycles / the same kernel's native run; above the dashed 1× line a technique costs more than native, below it less"];
  notes.push(...cheaperNotes(allRows));
  return renderBarChart({
    title: opts.title ?? 'Overhead against native by kernel and technique',
    subtitle: `modeled cycles relative to native, from counted events with the ${opts.profile} cost profile, not measured; log scale`,
    axisTitle: 'overhead against native (log scale)',
    groups: [...new Set(rows.map((r) => r.kernel))],
    series: labels.map((l, i) => ({ label: l, colour: colourOf(l, i + 1) })),
    bars: rows.map((r) => ({
      group: r.kernel,
      series: r.label,
      value: r.overhead!,
      text: `${formatFactor(r.overhead!)}${r.identical === false ? '*' : ''}`,
      tip: `${r.kernel}, ${r.label}: ${r.overhead!.toFixed(3)}× native's modeled cycles${r.identical === false ? ' (output differs from native)' : ''}`,
    })),
    scale: 'log',
    baseline: 1,
    reference: { value: 1, label: 'native = 1×' },
    tickLabel: formatFactor,
    notes: [...notes, ...commonNotes(allRows, rows, labels)],
  });
}
