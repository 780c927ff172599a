// Why a technique models cheaper than native: the cost events native pays more for, read from both runs' cycle breakdowns.

import { findTechnique, techniques } from '../hv/techniques/registry.js';
import { COST_EVENTS, type CostEvent } from '../cost/events.js';
import type { RunStats } from '../run-result.js';
import { compactNumber } from './chart-numbers.js';
import type { CompareRow } from './compare.js';

/** Said wherever a virtualized run models cheaper than native: the reason the cost model has for it. */
export const CHEAPER_THAN_NATIVE =
  "a register access to a device model in the VMM is modeled cheaper than one to a physical device, as Adams & Agesen " +
  "(ASPLOS 2006) measured (`in`: 3,209 cycles natively, ~214 under binary translation), so console- and I/O-bound " +
  'kernels can model cheaper virtualized; the model\'s answer, not an error';

function describe(key: string): string {
  if (key.startsWith('exit:')) return `handling ${key.slice(5)} exits`;
  if (key in COST_EVENTS) return `${key} (${COST_EVENTS[key as CostEvent]})`;
  // An event a technique adds is described by that technique.
  const own = techniques().find((t) => t.costEvents?.[key] !== undefined)?.costEvents?.[key];
  return own ? `${key} (${own})` : key;
}

type Costs = Pick<RunStats, 'modeledCycles' | 'cycleBreakdown'>;

/**
 * Why `run` modeled fewer cycles than `native`, from what each spent its modeled cycles on; null when
 * it did not. Names the event native spent most on beyond the run, and what the run spent most on in
 * its place; `device` when that event is native's physical device accesses.
 */
export function whyCheaper(run: Costs, native: Costs): { text: string; device: boolean } | null {
  if (!(run.modeledCycles < native.modeledCycles)) return null;
  const keys = new Set([...Object.keys(run.cycleBreakdown), ...Object.keys(native.cycleBreakdown)]);
  const delta = (k: string) => (native.cycleBreakdown[k] ?? 0) - (run.cycleBreakdown[k] ?? 0);
  const saved = [...keys].filter((k) => delta(k) > 0).sort((a, b) => delta(b) - delta(a))[0];
  if (saved === undefined) return null;
  const added = [...keys].filter((k) => delta(k) < 0).sort((a, b) => delta(a) - delta(b))[0];
  const instead = added === undefined ? '' : `, and in their place ${compactNumber(-delta(added))} on ${describe(added)}`;
  return { text: `native spends ${compactNumber(delta(saved))} more modeled cycles on ${describe(saved)}${instead}`, device: saved === 'ioAccess' };
}

/** The lines a table or chart adds for its rows that model cheaper than their kernel's native run (the device reason said once). */
export function cheaperNotes(rows: readonly CompareRow[]): string[] {
  const out: string[] = [];
  let device = false;
  for (const r of rows) {
    if (findTechnique(r.technique)?.oracle === true || !r.stats) continue;
    const native = rows.find((n) => n.kernel === r.kernel && findTechnique(n.technique)?.oracle === true);
    const why = native?.stats ? whyCheaper(r.stats, native.stats) : null;
    if (!why) continue;
    out.push(`${r.label} on ${r.kernel} models cheaper than native: ${why.text}`);
    device ||= why.device;
  }
  if (device) out.push(`why device accesses cost less virtualized: ${CHEAPER_THAN_NATIVE}`);
  return out;
}

/**
 * For `vmlab run --stats` under a VMM technique, which has no native run to compare with: when the
 * guest's device register accesses would have cost natively a large share (a tenth or more) of
 * what the whole run modeled, say that this run may model cheaper than native, and why.
 */
export function deviceCostNote(technique: string, stats: Pick<RunStats, 'deviceAccesses' | 'modeledCycles'>, ioAccessCost: number): string | null {
  if (findTechnique(technique)?.oracle === true || stats.deviceAccesses === 0) return null;
  const physical = stats.deviceAccesses * ioAccessCost;
  if (physical < stats.modeledCycles / 10) return null;
  return (
    `note: the guest made ${stats.deviceAccesses.toLocaleString('en-US')} device register accesses, served by the VMM's device models; ` +
    `natively each would reach a physical device at ${ioAccessCost} modeled cycles (ioAccess), ${compactNumber(physical)} in all ` +
    `against this run's ${compactNumber(stats.modeledCycles)}, so this run may model cheaper than native (vmlab compare shows both): ${CHEAPER_THAN_NATIVE}`
  );
}
