// Start-up of the vmlab command as a user runs it: wall time of `vmlab --help` and of a trivial image, against `node -e 0`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartupResult {
  readonly name: string;
  /** Median wall seconds over the measured runs. */
  readonly median: number;
  readonly runs: readonly number[];
}

const RUNS = 5;

/** Prints "ok" and powers off with status 0: eight instructions, so the time is all start-up. */
const TRIVIAL = `; trivial.s - the smallest image worth running.
.include "vx32.inc"
.text
.entry _start
_start:
    li r1, 'o'
    out PORT_UART_DATA, r1
    li r1, 'k'
    out PORT_UART_DATA, r1
    li r1, 0
    out PORT_POWEROFF, r1
`;

function wall(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function measure(name: string, args: string[]): StartupResult {
  wall(args); // warm-up: the file cache
  const runs = Array.from({ length: RUNS }, () => wall(args));
  const sorted = [...runs].sort((a, b) => a - b);
  return { name, median: sorted[Math.floor(RUNS / 2)]!, runs };
}

export function benchStartup(): StartupResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-bench-'));
  try {
    const src = join(dir, 'trivial.s');
    const image = join(dir, 'trivial.vxe');
    writeFileSync(src, TRIVIAL);
    wall(['bin/vmlab.js', 'asm', src, '-o', image]);
    return [
      measure('node -e 0', ['-e', '0']),
      measure('vmlab --help', ['bin/vmlab.js', '--help']),
      measure('vmlab run (trivial image)', ['bin/vmlab.js', 'run', image]),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
