// The source's summary of a live migration: rounds and their pages, totals, downtime and total time, as one block of text.
import type { MigrationReport } from '../migration/source.js';

const n = (x: number) => x.toLocaleString('en-US');

/** Modeled nanoseconds, in the unit that reads best. */
function time(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

export function formatMigrationSummary(where: string, r: MigrationReport): string {
  const pre = r.rounds.slice(0, -1);
  const last = r.rounds[r.rounds.length - 1]!;
  const why = { 'stop-and-copy': 'stop-and-copy, no pre-copy rounds', converged: 'the dirty set was small enough', 'max-rounds': 'it reached --max-rounds' }[r.stoppedBecause];
  const lines = [
    `vmlab: migrated to ${where}: started at instruction ${n(r.startedAt)}, VM stopped at ${n(r.stoppedAt)} (${why})`,
    `  rounds: ${r.rounds.length} (${pre.length} pre-copy, then the stop-and-copy); pages per round: ${r.rounds.map((x) => n(x.pages)).join(', ')}`,
    `  sent: ${n(r.totalPages)} pages, ${n(r.bytes)} bytes on the wire`,
    `  downtime: ${n(last.pages)} pages, ${n(r.downtimeInstructions)} guest instructions of link time, ${time(r.downtimeNs)} modeled`,
    `  total migration time: ${n(r.totalInstructions)} guest instructions of link time`,
  ];
  return lines.join('\n');
}
