// The one-line run summary `vmlab run` prints on stderr: status, exit code, instructions, modeled cycles, wall time.
import type { RunResult } from '../run-result.js';

/** `exitCode`: the command's, when it differs from the guest's own (5 for a run that diverged). */
export function formatStatusLine(r: RunResult, exitCode: number = r.exitCode): string {
  const s = r.stats;
  const what =
    r.status === 'poweroff'
      ? `powered off with status ${r.exitCode}`
      : r.status === 'halted'
        ? 'halted (nothing left to wake the CPU)'
        : r.status === 'limit'
          ? 'instruction limit reached'
          : 'crashed (triple fault)';
  const parts = [
    `${s.guestInstructions.toLocaleString('en-US')} instructions`,
    `${s.modeledCycles.toLocaleString('en-US')} modeled cycles`,
  ];
  if (s.idleInstructions > 0) parts.push(`${s.idleInstructions.toLocaleString('en-US')} idle`);
  parts.push(`${r.wallMs.toFixed(1)} ms wall`);
  return `vmlab: ${what} [exit ${exitCode}] after ${parts.join(', ')}`;
}
