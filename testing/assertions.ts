// Checks on a run that exercises keep asking for: exits of a reason, privileged instructions, equivalence with native.

import type { ExitReason } from '../isa/abi.js';
import type { Run } from './boot.js';
import { formatDiff } from './diff.js';
import { CheckFailure } from './failure.js';
import { normalizeOutput } from './output.js';

function label(run: Run): string {
  return run.memory ? `${run.technique} (${run.memory})` : run.technique;
}

/** Exits of `reason` (a trap-and-emulate guest's faults count as EXCEPTION). */
export function exitCount(run: Run, reason: ExitReason): number {
  return run.stats.exits[reason] ?? 0;
}

/** At most `max` exits of `reason`. */
export function expectExitsAtMost(run: Run, reason: ExitReason, max: number): void {
  const n = exitCount(run, reason);
  if (n > max) throw new CheckFailure(`${n} ${reason} exits under ${label(run)}, more than the ${max} allowed`);
}

/** The guest ran no privileged or sensitive instruction at all (a paravirtual kernel's goal). */
export function expectNoPrivileged(run: Run): void {
  const n = run.stats.privilegedExecuted;
  if (n > 0) throw new CheckFailure(`the guest executed ${n} privileged or sensitive instruction(s) under ${label(run)}; expected none`);
}

/** The run powered off with `status` (default 0). */
export function expectPoweroff(run: Run, status = 0): void {
  if (run.status !== 'poweroff') {
    const why =
      run.status === 'crash'
        ? `it crashed: ${run.crash?.reason ?? 'triple fault'}`
        : run.status === 'limit'
          ? 'it reached the instruction limit (a loop?)'
          : 'it halted with nothing left to wake it';
    throw new CheckFailure(`the guest did not power off under ${label(run)}: ${why}`);
  }
  const got = run.guestStatus ?? run.exitCode;
  if (got !== status) throw new CheckFailure(`the guest powered off with status ${got}, expected ${status}`);
}

/**
 * Same console output and the same ending as the same program on bare metal (the oracle). Returns the
 * native run for further comparisons.
 */
export function expectSameAsNative(run: Run, native: Run = run.rerun({ technique: 'native', memory: undefined, devices: undefined, handlers: undefined, shadowSync: undefined })): Run {
  const a = normalizeOutput(run.console);
  const n = normalizeOutput(native.console);
  if (a !== n) {
    const first = run.divergences[0];
    const hint = first ? ` (the VMM saw ${first.message})` : '';
    const ended =
      run.status !== native.status ? `; the run ended ${run.status}${run.crash ? ` (${run.crash.reason})` : ''}, natively ${native.status}` : '';
    throw new CheckFailure(`under ${label(run)} the console differs from native${ended}${hint}`, formatDiff(n, a));
  }
  if (run.status !== native.status || run.exitCode !== native.exitCode)
    throw new CheckFailure(
      `under ${label(run)} the run ended ${run.status} (exit ${run.exitCode}), natively ${native.status} (exit ${native.exitCode})`,
    );
  return native;
}

/** No sensitive instruction misbehaved silently (trap-and-emulate's holes). */
export function expectNoDivergence(run: Run): void {
  const d = run.divergences[0];
  if (d) throw new CheckFailure(`under ${label(run)}: ${d.message}${run.divergences.length > 1 ? ` (and ${run.divergences.length - 1} more)` : ''}`);
}
