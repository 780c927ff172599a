// `vmlab compare`'s rows: each (kernel, technique) run set against the native oracle — equivalence, overhead, counts.

import { EXIT_CODE } from '../../isa/abi.js';
import type { Divergence } from '../hv/vm.js';
import type { VmRunResult } from '../hv/hypervisor.js';
import type { RunStats, RunStatus } from '../run-result.js';
import type { PhaseCount } from '../phases.js';
import { findTechnique, oracle, techniqueNames } from '../hv/techniques/registry.js';
import { MEMORY_MODES, type DeviceMode, type MemoryMode } from '../hv/types.js';
import { samePerTask } from './interleaving.js';

/** One column of a comparison: a technique and, where it has a choice, its memory mode. */
export interface TechniqueSpec {
  readonly technique: string;
  /** Null: the technique's default (or none, for a technique with no memory mode to choose). */
  readonly memory: MemoryMode | null;
}

/** How a technique is named in tables: `hw/nested`, `trap`, `native` (its descriptor decides). */
export function techniqueLabel(t: string, memory: MemoryMode | null): string {
  return findTechnique(t)?.label?.(memory) ?? t;
}

/** Where two console transcripts first part: 1-based line, and each side's line (null past the end). */
export interface LineDifference {
  readonly line: number;
  /** 0-based column of the first differing character. */
  readonly column: number;
  readonly expected: string | null;
  readonly actual: string | null;
}

/** Split into lines keeping an unterminated last line apart from "" so "a" and "a\n" differ. */
function lines(text: string): string[] {
  const ls = text.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  else ls[ls.length - 1] += '\u0000'; // marks "no final newline" so it cannot equal a terminated line
  return ls;
}

/** The first line where `actual` differs from `expected`, or null if the transcripts are identical. */
export function firstDifference(expected: string, actual: string): LineDifference | null {
  if (expected === actual) return null;
  const a = lines(expected);
  const b = lines(actual);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    let col = 0;
    if (x !== undefined && y !== undefined) while (col < x.length && col < y.length && x[col] === y[col]) col++;
    const clean = (s: string | undefined) => (s === undefined ? null : s.replace('\u0000', ''));
    return { line: i + 1, column: col, expected: clean(x), actual: clean(y) };
  }
  // Unreachable: different strings differ on some line. Kept total for the type checker.
  return { line: n, column: 0, expected: null, actual: null };
}

/**
 * A short window of `s` around `column`, at most `width` characters, with `…` where cut. Starts a few
 * characters before the difference so the reader sees what it is in the middle of.
 */
export function excerpt(s: string, column: number, width: number): string {
  const w = Math.max(4, width);
  if (s.length <= w) return s;
  const start = Math.max(0, Math.min(column - 6, s.length - w));
  let text = s.slice(start, start + w);
  if (start > 0) text = `…${text.slice(1)}`;
  if (start + w < s.length) text = `${text.slice(0, -1)}…`;
  return text;
}

const quote = (s: string | null, column: number, width: number) =>
  s === null ? '(end of output)' : JSON.stringify(excerpt(s, column, width));

/** `line 12: "mini: pid 3" vs "mini: pid 4"` — each side cut to `width` characters around the difference. */
export function describeDifference(d: LineDifference, width = 24): string {
  return `line ${d.line}: ${quote(d.expected, d.column, width)} vs ${quote(d.actual, d.column, width)}`;
}

/** A run that did not happen: the technique (or its combination with the options) is not available. */
export interface Unavailable {
  readonly kernel: string;
  readonly spec: TechniqueSpec;
  readonly reason: string;
}

export type RowStatus = RunStatus | 'n/a';

/** One line of the comparison table. */
export interface CompareRow {
  readonly kernel: string;
  readonly technique: string;
  readonly memory: MemoryMode | null;
  /** Device model of the run (null: native, or no run). */
  readonly devices: DeviceMode | null;
  readonly label: string;
  readonly status: RowStatus;
  readonly exitCode: number | null;
  /** Why there is no run (status `n/a`). */
  readonly reason: string | null;
  /** True for the oracle itself; null when there was no run. */
  readonly identical: boolean | null;
  /** The first console line that differs from native's, if any. */
  readonly difference: LineDifference | null;
  /** Console matched but how the run ended did not (e.g. `poweroff 0` vs `halted`). */
  readonly endDiffers: string | null;
  /**
   * When the console differs: whether every task printed the same lines as under native, only
   * interleaved differently (interleaving.ts); null when the console did not differ or there was no run.
   * A row judged per task (`compare --per-task`) has `identical` true and keeps its `difference`.
   */
  readonly samePerTask: boolean | null;
  readonly guestInstructions: number | null;
  readonly exits: number | null;
  /** Modeled from counted events with the cost profile, never measured. */
  readonly modeledCycles: number | null;
  /** modeledCycles / native's modeledCycles. */
  readonly overhead: number | null;
  /** The simulator's own host time: measured, and about the simulator, not the guest. */
  readonly wallMs: number | null;
  readonly divergences: readonly Divergence[];
  /** Exits per workload phase (the guest's `== name ==` marks); null when there was no run. */
  readonly phases: readonly PhaseCount[] | null;
  readonly stats: RunStats | null;
}

const ending = (r: VmRunResult) => (r.status === 'poweroff' ? `poweroff ${r.exitCode}` : r.status);

/** A row for one run, judged against the native run of the same kernel (null: no oracle to judge by). */
export function rowFromRun(kernel: string, run: VmRunResult, native: VmRunResult | null, spec?: TechniqueSpec): CompareRow {
  const isOracle = run === native;
  const difference = isOracle || !native ? null : firstDifference(native.console, run.console);
  const endDiffers = isOracle || !native || ending(run) === ending(native) ? null : `${ending(native)} vs ${ending(run)}`;
  const memory = spec?.memory ?? run.memory;
  return {
    kernel,
    technique: run.technique,
    memory,
    devices: run.devices,
    label: techniqueLabel(run.technique, memory),
    status: run.status,
    exitCode: run.exitCode,
    reason: null,
    identical: native ? difference === null && endDiffers === null : null,
    difference,
    endDiffers,
    samePerTask: difference && native ? samePerTask(native.console, run.console) : null,
    guestInstructions: run.stats.guestInstructions,
    exits: run.stats.exitsTotal,
    modeledCycles: run.stats.modeledCycles,
    overhead: native && native.stats.modeledCycles > 0 ? run.stats.modeledCycles / native.stats.modeledCycles : null,
    wallMs: run.wallMs,
    divergences: run.divergences,
    phases: run.phases,
    stats: run.stats,
  };
}

export function rowUnavailable(u: Unavailable): CompareRow {
  return {
    kernel: u.kernel,
    technique: u.spec.technique,
    memory: u.spec.memory,
    devices: null,
    label: techniqueLabel(u.spec.technique, u.spec.memory),
    status: 'n/a',
    exitCode: null,
    reason: u.reason,
    identical: null,
    difference: null,
    endDiffers: null,
    samePerTask: null,
    guestInstructions: null,
    exits: null,
    modeledCycles: null,
    overhead: null,
    wallMs: null,
    divergences: [],
    phases: null,
    stats: null,
  };
}

/** The "output identical to native" cell. */
export function identicalCell(r: CompareRow, width = 24): string {
  if (r.status === 'n/a') return `n/a: ${r.reason ?? 'not run'}`;
  if (findTechnique(r.technique)?.oracle) return 'yes (oracle)';
  if (r.identical === null) return 'unknown (no native run)';
  if (r.identical && r.difference) return `yes per task (interleaving differs from ${describeDifference(r.difference, width)})`;
  // The same console, but a sensitive instruction showed the guest the real CPU (listed under the table).
  if (r.identical) return r.divergences.length > 0 ? 'yes, but diverged (see below)' : 'yes';
  if (r.difference && r.samePerTask) return `no: ${describeDifference(r.difference, width)}; same per task`;
  if (r.difference) return `no: ${describeDifference(r.difference, width)}`;
  return `no: ended ${r.endDiffers ?? 'differently'}`;
}

/** `4.31x`; small ratios keep two decimals, large ones fewer. */
export function formatOverhead(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return x >= 100 ? `${Math.round(x)}x` : x >= 10 ? `${x.toFixed(1)}x` : `${x.toFixed(2)}x`;
}

export const formatCount = (n: number | null) => (n === null ? '—' : Math.round(n).toLocaleString('en-US'));
export const formatMs = (n: number | null) => (n === null ? '—' : n < 10 ? n.toFixed(1) : Math.round(n).toString());

/**
 * Parse a --techniques list: `native,emulate,trap,hw`, with `hw:shadow` / `hw:nested` naming a memory
 * mode. `memory` (from --memory) applies to entries that name none and can use it. Returns an error
 * message for a bad name, listing the valid ones.
 */
export function parseTechniques(list: string, memory: MemoryMode | null = null): TechniqueSpec[] | string {
  const out: TechniqueSpec[] = [];
  const names = techniqueNames();
  const choosers = names.filter((n) => findTechnique(n)!.memory.length > 1);
  const valid = `${names.join(', ')}${choosers.length ? ` (${choosers.map((n) => `${n} also as ${findTechnique(n)!.memory.map((m) => `${n}:${m}`).join(' or ')}`).join('; ')})` : ''}`;
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, mode, extra] = raw.split(':');
    const t = findTechnique(name!);
    if (!t || extra !== undefined) return `unknown technique ${JSON.stringify(raw)} in --techniques (valid: ${valid})`;
    if (mode !== undefined && !(MEMORY_MODES as readonly string[]).includes(mode))
      return `unknown memory mode ${JSON.stringify(mode)} in ${JSON.stringify(raw)} (valid: ${MEMORY_MODES.join(', ')})`;
    // A technique with a choice of memory modes is compared under a named one (--memory, else its default).
    const m =
      (mode as MemoryMode | undefined) ??
      (t.memory.length > 1 ? (memory && t.memory.includes(memory) ? memory : t.memory[0]!) : null);
    if (!out.some((o) => o.technique === t.name && o.memory === m)) out.push({ technique: t.name, memory: m });
  }
  if (out.length === 0) return `--techniques is empty (valid: ${valid})`;
  // The oracle every row is judged against: always run it, always first.
  const o = oracle().name;
  const oracles = out.filter((x) => x.technique === o);
  return [...(oracles.length ? oracles : [{ technique: o, memory: null }]), ...out.filter((x) => x.technique !== o)];
}

/**
 * `compare --per-task`: a run whose every task printed what it printed natively counts as the same,
 * whatever the interleaving (the row keeps its `difference`, so tables still say where it differs).
 */
export function judgePerTask(rows: readonly CompareRow[]): CompareRow[] {
  return rows.map((r) => (r.identical === false && r.samePerTask === true && r.endDiffers === null ? { ...r, identical: true } : r));
}

/** Whether a row's run counts against `vmlab compare`'s exit status (a divergence its technique predicts is expected unless strict). */
export function rowIsChecked(r: CompareRow, strict: boolean): boolean {
  return r.status !== 'n/a' && (!findTechnique(r.technique)?.divergesUnlessStrict || strict);
}

/**
 * `vmlab compare`'s exit status: DIVERGED if a checked technique's run differs from native's or reported
 * a divergence (as `vmlab run` exits 5 for it), else CRASH or LIMIT if a checked run did not finish, else
 * OK. Unavailable techniques are not failures.
 */
export function compareExitCode(rows: readonly CompareRow[], strict: boolean): number {
  const checked = rows.filter((r) => rowIsChecked(r, strict));
  if (checked.some((r) => r.identical === false || r.divergences.length > 0)) return EXIT_CODE.DIVERGED;
  if (checked.some((r) => r.status === 'crash')) return EXIT_CODE.CRASH;
  if (checked.some((r) => r.status === 'limit')) return EXIT_CODE.LIMIT;
  return EXIT_CODE.OK;
}
