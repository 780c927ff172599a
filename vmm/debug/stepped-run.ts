// A run stepped one instruction at a time (`--trace`, `--trace-last`), and the replay that recovers the
// last instructions before a crash of a run that was not traced.

import { sourceText } from '../hv/crash.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { InsnEvent, TraceEvent } from './events.js';
import { Stepper } from './stepper.js';

/** The last `size` items pushed, oldest first. */
export class Ring<T> {
  private readonly items: T[] = [];
  constructor(readonly size: number) {}
  push(x: T): void {
    if (this.size <= 0) return;
    if (this.items.length >= this.size) this.items.shift();
    this.items.push(x);
  }
  toArray(): T[] {
    return [...this.items];
  }
}

/** How many instructions a crash report ends with. */
export const CRASH_HISTORY = 16;

/** Step `hv` until every VM stopped or used `limit`, handing each event over; keeps each VM's last instructions. */
export function runStepped(stepper: Stepper, limit: number, onEvent: (e: TraceEvent) => void): Ring<InsnEvent>[] {
  const history = stepper.hv.vms.map(() => new Ring<InsnEvent>(CRASH_HISTORY));
  const index = new Map(stepper.hv.vms.map((vm, i) => [vm.name, i]));
  while (stepper.live(limit))
    for (const e of stepper.step(limit)) {
      if (e.kind === 'insn') history[index.get(e.vm)!]!.push(e);
      onEvent(e);
    }
  return history;
}

/**
 * The last instructions each crashed VM ran, found by running the same run again (it is deterministic):
 * at full speed to shortly before the crash, then one instruction at a time. `build` makes the run afresh,
 * with the hooks of Stepper.hooks(get) wired to the stepper it is handed.
 */
export function replayHistory(build: (get: () => Stepper | null) => Hypervisor, crashedAt: readonly number[]): InsnEvent[][] {
  let stepper: Stepper | null = null;
  const hv = build(() => stepper);
  const end = Math.max(...crashedAt);
  // A crash report needs 16 instructions; idle time and exits that retire nothing need a margin.
  const start = Math.max(0, Math.min(...crashedAt) - 4 * CRASH_HISTORY);
  hv.runUntil(start);
  stepper = new Stepper(hv);
  return runStepped(stepper, end + 1, () => {}).map((r) => r.toArray());
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The crash report's tail: the instructions, oldest first, each with its source line's text. */
export function formatHistory(events: readonly InsnEvent[]): string {
  const out = [`  last ${events.length} instructions executed (oldest first):`];
  for (const e of events) {
    const [file, line] = e.where ? [e.where.slice(0, e.where.lastIndexOf(':')), Number(e.where.slice(e.where.lastIndexOf(':') + 1))] : [null, 0];
    const text = file ? sourceText(file, line)?.trim() : undefined;
    out.push(`    ${hex8(e.pc)}  ${(e.text ?? '(unreadable)').padEnd(28)}  ${e.where ?? '-'}${text ? `: ${text}` : ''}`);
  }
  return out.join('\n');
}
