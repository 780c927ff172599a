// The progress line of a long `vmlab run` on a terminal: guest instructions so far and the simulator's speed, on stderr.
//
// Only a person watching a terminal gets it, and only once a run has taken a second: piped or short
// runs print exactly what they printed before. The hypervisor calls back after each time slice (of one
// VM: at most SLICE instructions); a slice boundary changes no result (test/cli/progress.test.ts).
// Guest console output takes the line away first, and the line comes back after the slice.
import cliProgress from 'cli-progress';
import type { Hypervisor, VmRunResult } from '../vmm/hv/hypervisor.js';

/** A run shorter than this (wall) shows no progress at all. */
const SHOW_AFTER_MS = 1000;
/** Instructions of a lone VM between looks at the clock: some tens of milliseconds at the interpreter's speed. */
const SLICE = 2_000_000;

/** What the line is drawn on: a terminal stream (process.stderr), or a test's stand-in. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export class RunProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream,
    /** The instruction limit, summed over the VMs: the bar's end. */
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Guest output is about to be written to the same terminal: take the line away first. */
  hide(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** Redraw after a slice, once the run has gone on long enough to be worth watching. */
  update(instructions: number): void {
    const ms = this.now() - this.started;
    if (ms < SHOW_AFTER_MS) return;
    const payload = { mips: (instructions / ms / 1000).toFixed(0), seconds: (ms / 1000).toFixed(1) };
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: '{bar} {value} guest instructions ({percentage}% of the limit) · {mips} MIPS simulated · {seconds} s',
          formatValue: (v, _o, type) => (type === 'value' ? v.toLocaleString('en-US') : String(v)),
          barsize: 20,
          hideCursor: false,
          clearOnComplete: true,
          linewrap: false,
          // The run loop is synchronous: draw on update, never from a timer.
          synchronousUpdate: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, instructions, payload);
    } else this.bar.update(instructions, payload);
  }
}

/** Run to the end like `hv.run`, drawing the progress line after each time slice (exactly the same run). */
export function runWithProgress(hv: Hypervisor, limit: number, progress: RunProgress | null, every = SLICE): VmRunResult[] {
  if (!progress) return hv.run(limit);
  hv.observer = { every, slice: () => progress.update(hv.vms.reduce((n, vm) => n + vm.guestInstructions, 0)) };
  try {
    return hv.run(limit);
  } finally {
    hv.observer = null;
    progress.hide();
  }
}

/** The progress line for a run of `vms` VMs, or null where nobody watches (stderr is not a terminal). */
export function progressFor(stream: ProgressStream, limit: number, vms: number): RunProgress | null {
  return stream.isTTY === true ? new RunProgress(stream, limit * vms) : null;
}
