// The comparison's second and third views: exits per workload phase, and what each device model costs per packet and per block.

import { findTechnique } from '../hv/techniques/registry.js';
import type { CompareRow } from './compare.js';
import { formatCount } from './compare.js';

/** A small grid: a head row and body rows of cells; the first `textColumns` are left-aligned, the numbers right-aligned. */
export interface Grid {
  readonly title: string;
  readonly textColumns: number;
  readonly head: readonly string[];
  readonly body: readonly (readonly string[])[];
  readonly note: string;
}

/** `phase 1: compute` → `compute`: the number is already the column's position. */
const shortPhase = (name: string) => name.replace(/^phase \d+:\s*/, '');

/**
 * Per kernel whose runs printed phase marks: one row per technique, one column per phase. Kernels without
 * marks (the nanobenchmarks) have one phase and no grid: the main table already shows their exits.
 */
export function phaseGrids(rows: readonly CompareRow[]): Grid[] {
  const grids: Grid[] = [];
  for (const kernel of new Set(rows.map((r) => r.kernel))) {
    const runs = rows.filter((r) => r.kernel === kernel && r.phases && r.phases.length > 1);
    if (runs.length === 0) continue;
    const names: string[] = [];
    for (const r of runs) for (const p of r.phases!) if (!names.includes(p.name)) names.push(p.name);
    grids.push({
      title: `exits per workload phase: ${kernel}`,
      textColumns: 1,
      head: ['technique', ...names.map(shortPhase), 'total'],
      body: runs.map((r) => {
        const by = new Map(r.phases!.map((p) => [p.name, p.exits]));
        return [r.label, ...names.map((n) => (by.has(n) ? formatCount(by.get(n)!) : '—')), formatCount(r.exits)];
      }),
      note:
        'a phase ends where the guest printed "== name ==" (the first one includes the boot); an exit is every ' +
        'entry into the VMM: hardware exits, host traps, hypercalls and event upcalls',
    });
  }
  return grids;
}

const ratio = (x: number) => (x === 0 ? '—' : x.toFixed(2));

/** Rows that moved packets or blocks: exits per packet and per block, by device model. */
export function deviceGrid(rows: readonly CompareRow[]): Grid | null {
  const runs = rows.filter((r) => r.stats && !findTechnique(r.technique)?.oracle && (r.stats.exitsPerPacket > 0 || r.stats.exitsPerBlock > 0));
  if (runs.length === 0) return null;
  return {
    title: 'device cost per packet and per block',
    textColumns: 3,
    head: ['kernel', 'technique', 'devices', 'exits/packet', 'exits/block', 'notifications/batch'],
    body: runs.map((r) => [
      r.kernel,
      r.label,
      r.devices ?? 'emulated',
      ratio(r.stats!.exitsPerPacket),
      ratio(r.stats!.exitsPerBlock),
      r.devices === 'split' ? ratio(r.stats!.notificationsPerBatch) : '—',
    ]),
    note:
      'emulated: every device-register access is an exit; split: front-end notifications and back-end ' +
      'upcalls over a shared ring, where one notification can cover a batch of requests',
  };
}
