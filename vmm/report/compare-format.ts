// Renders comparison rows: a terminal table with its legend, CSV, a GitHub markdown table, and JSON.

import { findTechnique } from '../hv/techniques/registry.js';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { markdownTable } from 'markdown-table';
import pc from 'picocolors';

import {
  formatCount,
  formatMs,
  formatOverhead,
  identicalCell,
  type CompareRow,
} from './compare.js';
import { cheaperNotes } from './cheaper.js';
import { deviceGrid, phaseGrids, type Grid } from './compare-detail.js';

/** Colours when the caller asked for them, whatever picocolors guessed from this process's terminal. */
const colors = pc.createColors(true);

export interface RenderOptions {
  /** Cost profile name, for the legend. */
  readonly profile: string;
  readonly strict?: boolean;
  /** Colour for a terminal (the caller decides: only when stdout is a TTY). */
  readonly color?: boolean;
  /** Terminal width the table should fit (default 100). */
  readonly width?: number;
}

/** A technique unavailable for every kernel, said once under the table instead of once per kernel. */
export interface UnavailableNote {
  readonly label: string;
  readonly reason: string;
}

/** A refusal's reason with the kernel's own name taken out, so the same refusal of several kernels reads as one. */
function sharedReason(reason: string, kernel: string): string {
  return reason.startsWith(`${kernel} is `) ? reason.slice(kernel.length + 4) : reason.split(kernel).join('the kernel');
}

/**
 * Drop `n/a` rows into notes under the table: a technique unavailable for every kernel for the same
 * reason is said once; one refused by several kernels for the same reason (pv and the unported
 * nanobenchmarks) is said once, naming them.
 */
export function collapseUnavailable(rows: readonly CompareRow[]): { rows: CompareRow[]; notes: UnavailableNote[] } {
  const kernels = new Set(rows.map((r) => r.kernel)).size;
  const notes: UnavailableNote[] = [];
  const dropped = new Set<CompareRow>();
  for (const label of new Set(rows.map((r) => r.label))) {
    const rs = rows.filter((r) => r.label === label);
    const na = rs.filter((r) => r.status === 'n/a');
    const reasons = new Set(na.map((r) => r.reason));
    if (rs.length === kernels && na.length === rs.length && reasons.size === 1) {
      notes.push({ label, reason: rs[0]!.reason ?? 'not available' });
      for (const r of na) dropped.add(r);
      continue;
    }
    const byReason = new Map<string, CompareRow[]>();
    for (const r of na) {
      const key = sharedReason(r.reason ?? 'not available', r.kernel);
      byReason.set(key, [...(byReason.get(key) ?? []), r]);
    }
    for (const [reason, group] of byReason) {
      if (group.length < 2) continue;
      notes.push({ label, reason: `for ${group.map((r) => r.kernel).join(', ')}: ${reason}` });
      for (const r of group) dropped.add(r);
    }
  }
  return { rows: rows.filter((r) => !dropped.has(r)), notes };
}

const HEAD = ['kernel', 'technique', 'status', 'output same as native', 'guest instrs', 'exits', 'modeled cycles', 'overhead', 'wall ms'];

const statusCell = (r: CompareRow) =>
  r.status === 'poweroff' && r.exitCode !== 0 ? `poweroff ${r.exitCode}` : r.status;

/** The cells of one row as plain text, in HEAD's order; `diffWidth` bounds each side of a difference. */
function cells(r: CompareRow, diffWidth: number): string[] {
  return [
    r.kernel,
    r.label,
    statusCell(r),
    identicalCell(r, diffWidth),
    formatCount(r.guestInstructions),
    formatCount(r.exits),
    formatCount(r.modeledCycles),
    formatOverhead(r.overhead),
    formatMs(r.wallMs),
  ];
}

/** The lines under the table: what the numbers are, which techniques did not run, and each run's divergences. */
export function legend(rows: readonly CompareRow[], notes: readonly UnavailableNote[], opts: RenderOptions): string[] {
  const out = [
    `modeled cycles are modeled from counted events with the ${opts.profile} profile, not measured; ` +
      `overhead = modeled cycles / native's; wall ms is the simulator's own time`,
  ];
  for (const n of notes) out.push(`${n.label}: n/a — ${n.reason}`);
  out.push(...cheaperNotes(rows), ...interleavingNotes(rows));
  for (const r of rows) {
    const t = findTechnique(r.technique);
    const predictedDifference = t?.divergesUnlessStrict === true && r.identical === false;
    if (!predictedDifference && r.divergences.length === 0) continue;
    const d = r.divergences[0];
    const more = r.divergences.length > 1 ? ` (and ${r.divergences.length - 1} more sensitive instructions)` : '';
    const why = t?.divergenceNote?.(opts.strict ?? false) ?? '';
    out.push(`${r.label} on ${r.kernel} diverged${why ? ` (${why})` : ''}: ` + (d ? `${d.message}${more}` : 'no sensitive instruction was caught misbehaving'));
  }
  return out;
}

/**
 * For each run whose console differs from native's after a different number of guest instructions
 * (a port, typically): whether that is only the tasks' interleaving, and how to compare ignoring it.
 */
export function interleavingNotes(rows: readonly CompareRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (!r.difference || r.samePerTask === null) continue;
    const native = rows.find((n) => n.kernel === r.kernel && findTechnique(n.technique)?.oracle === true);
    if (!native || native.guestInstructions === null || r.guestInstructions === null || native.guestInstructions === r.guestInstructions) continue;
    const counts =
      `it ran ${formatCount(r.guestInstructions)} guest instructions against native's ${formatCount(native.guestInstructions)}, and the timer ` +
      'counts guest instructions, so its ticks (and the task switches they cause) fall at other points of each task\'s work';
    if (r.samePerTask)
      out.push(
        `${r.label} on ${r.kernel}: every task printed the same lines as natively, only interleaved differently: ${counts}; ` +
          (r.identical ? 'judged per task (--per-task)' : '`vmlab compare --per-task` judges each task\'s output and ignores the interleaving'),
      );
    else out.push(`${r.label} on ${r.kernel}: ${counts}; but the difference is not only the interleaving: per task the output differs too`);
  }
  return out;
}

/** Word-wrap `text` to `width` columns, continuation lines indented. */
export function wrap(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length > width && line) {
      out.push(line);
      line = `${indent}${word}`;
    } else line = candidate;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** The terminal table, sized to `opts.width` by giving the output column what the others leave. */
export function renderTable(allRows: readonly CompareRow[], opts: RenderOptions): string {
  const { rows, notes } = collapseUnavailable(allRows);
  const width = opts.width ?? 100;
  const color = opts.color ?? false;
  const natural = HEAD.map((h, i) =>
    Math.max(...h.split(' ').map((w) => w.length), ...rows.map((r) => (i === 3 ? 0 : cells(r, 12)[i]!.length))),
  );
  // Light style: no box, columns joined by one space, one space of padding on the right, a rule under the head.
  const fixed = natural.reduce((s, w, i) => (i === 3 ? s : s + w + 1), 0) + HEAD.length - 1;
  const outCol = Math.max(18, Math.min(52, width - 1 - fixed));
  const diffWidth = Math.max(16, Math.floor((outCol - 22) / 2));
  const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '' };
  const t = new Table({
    head: HEAD.map((h, i) => (i === 3 ? h : h.replace(' ', '\n'))),
    colWidths: natural.map((w, i) => (i === 3 ? outCol : w + 1)),
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
    wordWrap: true,
    chars: { ...none, left: '', 'left-mid': '', right: '', 'right-mid': '', mid: '─', 'mid-mid': '─', middle: ' ' },
    style: { 'padding-left': 0, 'padding-right': 1, head: color ? ['cyan'] : [], border: color ? ['gray'] : [], compact: true },
  });
  for (const r of rows) {
    const c = cells(r, diffWidth);
    if (color) {
      const pc = colors;
      const expected = findTechnique(r.technique)?.divergesUnlessStrict === true && !opts.strict;
      c[3] = r.identical === true ? pc.green(c[3]!) : r.identical === false ? (expected ? pc.yellow(c[3]!) : pc.red(c[3]!)) : pc.dim(c[3]!);
    }
    t.push(c);
  }
  const notesText = legend(rows, notes, opts).map((l) => wrap(l, width, '  ')).join('\n');
  const details = detailGrids(rows).map((g) => `\n${gridTable(g, color, width)}`).join('');
  return `${trimLines(t.toString())}\n${notesText}\n${details}`;
}

// The light style pads every cell, so lines carry trailing spaces a pasted table should not.
const trimLines = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n');

/** The per-phase and per-device views that follow the main table. */
function detailGrids(rows: readonly CompareRow[]): Grid[] {
  const device = deviceGrid(rows);
  return [...phaseGrids(rows), ...(device ? [device] : [])];
}

/** A detail grid in the main table's light style, its title above and its note below. */
function gridTable(g: Grid, color: boolean, width: number): string {
  const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '' };
  const t = new Table({
    head: [...g.head],
    colAligns: g.head.map((_, i) => (i < g.textColumns ? 'left' : 'right')),
    chars: { ...none, left: '', 'left-mid': '', right: '', 'right-mid': '', mid: '─', 'mid-mid': '─', middle: ' ' },
    style: { 'padding-left': 0, 'padding-right': 1, head: color ? ['cyan'] : [], border: color ? ['gray'] : [], compact: true },
  });
  for (const r of g.body) t.push([...r]);
  const title = color ? colors.bold(g.title) : g.title;
  return `${title}\n${trimLines(t.toString())}\n${wrap(g.note, width, '  ')}\n`;
}

const CSV_HEAD = [
  'kernel', 'technique', 'memory', 'status', 'exit_code', 'identical', 'first_difference', 'guest_instructions',
  'exits', 'modeled_cycles', 'overhead', 'wall_ms', 'cost_profile', 'reason',
];

/** CSV (RFC 4180, by csv-stringify) with raw numbers (no separators), one line per row, every row including unavailable ones. */
export function renderCsv(rows: readonly CompareRow[], opts: RenderOptions): string {
  const records = rows.map((r) => [
    r.kernel, r.technique, r.memory, r.status, r.exitCode, r.identical,
    r.identical === false ? identicalCell(r, 60).replace(/^no: /, '') : null, r.guestInstructions, r.exits,
    r.modeledCycles, r.overhead === null ? null : Number(r.overhead.toFixed(4)),
    r.wallMs === null ? null : Number(r.wallMs.toFixed(1)), opts.profile, r.reason,
  ]);
  // Booleans as true/false (csv-stringify's default is 1 and empty); null and undefined as empty fields.
  return stringify(records, { header: true, columns: CSV_HEAD, cast: { boolean: (b) => String(b) } });
}

/** Text for a Markdown cell or line: backslashes and pipes escaped (markdown-table escapes neither), no line breaks. */
const mdText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A GFM table by markdown-table: text columns left-aligned, numbers right-aligned, columns padded to line up. */
function mdTable(head: readonly string[], body: readonly (readonly string[])[], textColumns: number): string {
  return markdownTable([head.map(mdText), ...body.map((r) => r.map(mdText))], {
    align: head.map((_, i) => (i < textColumns ? 'l' : 'r')),
  });
}

/** A GitHub-flavoured markdown table, then the legend as a paragraph of bullet lines. */
export function renderMarkdown(allRows: readonly CompareRow[], opts: RenderOptions): string {
  const { rows, notes } = collapseUnavailable(allRows);
  const lines = [mdTable(HEAD, rows.map((r) => cells(r, 30)), 4), '', ...legend(rows, notes, opts).map((l) => `- ${mdText(l)}`)];
  for (const g of detailGrids(rows)) lines.push('', `**${mdText(g.title)}**`, '', mdTable(g.head, g.body, g.textColumns), '', mdText(g.note));
  return `${lines.join('\n')}\n`;
}

/** Every row with its full stats, as a JSON array. */
export function renderJson(rows: readonly CompareRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}
