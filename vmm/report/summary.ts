// The one-line run summary `vmlab run` prints on stderr: status, exit code, instructions, modeled cycles, wall time.
import type { RunResult } from '../run-result.js';

/**
 * 1234567 -> "1,234,567", as toLocaleString('en-US') prints it, without loading ICU's number formats:
 * that first call costs a trivial `vmlab run` about a fifth of its start-up.
 */
function grouped(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `exitCode`: the command's, when it differs from the guest's own (EXIT_CODE.DIVERGED for a run that diverged). */
export function formatStatusLine(r: RunResult, exitCode: number = r.exitCode): string {
  const s = r.stats;
  const what =
    r.status === 'poweroff'
      ? `powered off with status ${r.guestStatus ?? r.exitCode}`
      : r.status === 'halted'
        ? 'halted (nothing left to wake the CPU)'
        : r.status === 'limit'
          ? 'instruction limit reached'
          : 'crashed (triple fault)';
  const parts = [
    `${grouped(s.guestInstructions)} instructions`,
    `${grouped(s.modeledCycles)} modeled cycles`,
  ];
  if (s.idleInstructions > 0) parts.push(`${grouped(s.idleInstructions)} idle`);
  parts.push(`${r.wallMs.toFixed(1)} ms wall`);
  return `vmlab: ${what} [exit ${exitCode}] after ${parts.join(', ')}`;
}
