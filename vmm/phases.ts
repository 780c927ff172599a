// Workload phases: a kernel marks the END of a phase by printing a console line `== name ==` (mini prints a
// phase's report at the barrier that closes it), and reports split what was counted (exits) at those
// marks, so each phase's cost can be seen on its own.
import { VM_LIMITS } from './limits.js';

/** Exits counted during one phase of a run. The first phase also holds the boot; what follows the last mark is `shutdown`. */
export interface PhaseCount {
  readonly name: string;
  readonly exits: number;
}

const MARK = /^== (.{1,60}) ==$/;
/** Longer lines cannot be marks; only their length is tracked, so a guest cannot make the watcher grow. */
const MAX_LINE = 72;

/** Finds phase marks in a console byte stream, one byte at a time, with bounded memory. */
export class PhaseWatcher {
  private line = '';
  private overflow = false;

  constructor(private readonly onMark: (name: string) => void) {}

  save(): { line: string; overflow: boolean } {
    return { line: this.line, overflow: this.overflow };
  }

  restore(s: { line: string; overflow: boolean }): void {
    this.line = s.line;
    this.overflow = s.overflow;
  }

  feed(byte: number): void {
    if (byte === 0x0a) {
      const m = this.overflow ? null : MARK.exec(this.line.replace(/\r$/, ''));
      if (m) this.onMark(m[1]!);
      this.line = '';
      this.overflow = false;
    } else if (!this.overflow) {
      if (this.line.length >= MAX_LINE) this.overflow = true;
      else this.line += String.fromCharCode(byte);
    }
  }
}

/**
 * Marks taken while a run goes, turned into per-phase counts at the end. At most VM_LIMITS.PHASE_MARKS are
 * kept; later ones are counted in `dropped` and their exits fall in the closing `shutdown` phase.
 */
export class PhaseLog {
  private readonly marks: { name: string; exits: number }[] = [];
  dropped = 0;

  mark(name: string, exitsSoFar: number): void {
    if (this.marks.length < VM_LIMITS.PHASE_MARKS) this.marks.push({ name, exits: exitsSoFar });
    else this.dropped++;
  }

  save(): { name: string; exits: number }[] {
    return this.marks.map((m) => ({ ...m }));
  }

  restore(marks: readonly { name: string; exits: number }[]): void {
    this.marks.splice(0, this.marks.length, ...marks.map((m) => ({ ...m })));
  }

  /**
   * Per-phase exits, given the run's final total: each mark closes the phase it names. A run with no
   * mark is one `whole run` phase.
   */
  phases(finalExits: number): PhaseCount[] {
    if (this.marks.length === 0) return [{ name: 'whole run', exits: finalExits }];
    const out: PhaseCount[] = [];
    let from = 0;
    for (const m of this.marks) {
      out.push({ name: m.name, exits: m.exits - from });
      from = m.exits;
    }
    out.push({ name: 'shutdown', exits: finalExits - from });
    return out;
  }
}
