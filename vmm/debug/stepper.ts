// Runs a hypervisor one guest instruction at a time and says what each did: the debugger's and the tracer's engine.
//
// It only ever calls Hypervisor.runUntil with a limit one instruction further on, so every technique runs
// exactly as in an untraced run (a run sliced anywhere goes on as if it never stopped: the snapshot
// contract). An untraced run never comes here: the CPU's loop has no check or allocation for tracing.

import { disassembleInsn, labelLookup, type SymbolLookup } from '../../assembler/disasm.js';
import { decode } from '../../isa/encoding.js';
import { registerName } from '../../isa/table.js';
import type { VmExit } from '../hv/exits.js';
import type { GuestRegisters } from '../hv/guest-state.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { ExitEvent, InsnEvent, IrqEvent, MmuEvent, RegChange, TraceEvent } from './events.js';
import { GuestView } from './guest-view.js';

/** The hypervisor options a stepped run needs: pass them to createRun, then hand the hypervisor to Stepper. */
export interface StepHooks {
  onExit(vm: string, exit: VmExit): void;
  onInterrupt(vm: string, at: number, vector: number): void;
}

const CONTROL = ['flags', 'cpl', 'cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'ivtb'] as const;

/** The registers that differ, r0..r15 first, then flags and the control registers (pc is the next line's). */
export function changedRegisters(a: GuestRegisters, b: GuestRegisters): RegChange[] {
  const out: RegChange[] = [];
  for (let i = 0; i < 16; i++) if (a.r[i] !== b.r[i]) out.push({ name: registerName(i), before: a.r[i]! >>> 0, after: b.r[i]! >>> 0 });
  for (const k of CONTROL) if (a[k] !== b[k]) out.push({ name: k, before: a[k] >>> 0, after: b[k] >>> 0 });
  return out;
}

export class Stepper {
  readonly views: GuestView[];
  private readonly lookups: SymbolLookup[];
  /** Exits and interrupts reported while the current step ran, per VM. */
  private pending: (ExitEvent | IrqEvent)[][] = [];
  /** Set: exits and interrupts go straight here as they happen (a run traced without stepping). */
  direct: ((e: ExitEvent | IrqEvent) => void) | null = null;

  /** `hooks()` must have been passed to the hypervisor's options (onExit, onInterrupt). */
  constructor(readonly hv: Hypervisor) {
    this.views = hv.vms.map((_, i) => new GuestView(hv, i));
    this.lookups = hv.vms.map((vm) => labelLookup(vm.image.symbols));
    this.pending = hv.vms.map(() => []);
  }

  /** Hooks that route the hypervisor's exit and interrupt watchers to whichever Stepper `get` returns. */
  static hooks(get: () => Stepper | null): StepHooks {
    return {
      onExit: (vm, exit) => get()?.seenExit(vm, exit),
      onInterrupt: (vm, _at, vector) => get()?.seenInterrupt(vm, vector),
    };
  }

  private indexOf(name: string): number {
    return this.hv.vms.findIndex((v) => v.name === name);
  }

  private seenExit(name: string, exit: VmExit): void {
    const i = this.indexOf(name);
    if (i < 0) return;
    const vm = this.hv.vms[i]!;
    const where = 'pc' in exit ? vm.sourceOf(exit.pc >>> 0) : null;
    this.seen(i, { kind: 'exits', vm: name, n: vm.guestInstructions, exit, where });
  }

  private seenInterrupt(name: string, vector: number): void {
    const i = this.indexOf(name);
    if (i < 0) return;
    this.seen(i, { kind: 'irq', vm: name, n: this.hv.runners[i]!.guestClock(), vector });
  }

  private seen(i: number, e: ExitEvent | IrqEvent): void {
    if (this.direct) this.direct(e);
    else this.pending[i]!.push(e);
  }

  /** Some VM is still running and has time left under `limit`. */
  live(limit: number): boolean {
    return this.hv.vms.some((vm, i) => vm.running && this.hv.usedBy(i) < limit);
  }

  /** The instruction at `pc` of VM i as disassembly (null if unreadable), and its length. */
  instructionAt(i: number, pc: number, regs?: GuestRegisters): { text: string | null; size: number } {
    const v = this.views[i]!;
    const bytes = v.read(pc, 8);
    void regs;
    if (bytes.slice(0, 4).some((b) => b === null)) return { text: null, size: 4 };
    const w = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
    const ext = bytes.slice(4).some((b) => b === null) ? 0 : (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
    const d = decode(w, ext);
    return { text: disassembleInsn(w, ext, pc, this.lookups[i]), size: d?.size ?? 4 };
  }

  private registersOf(i: number): GuestRegisters | null {
    try {
      return this.views[i]!.registers();
    } catch {
      return null;
    }
  }

  /**
   * Run every live VM one guest instruction on (a halted one up to its next timer expiry) and return what
   * happened, in order: exits and interrupts, the instruction, then what it changed in the MMU.
   */
  step(limit: number): TraceEvent[] {
    const hv = this.hv;
    let low = Infinity;
    let at = -1;
    hv.vms.forEach((vm, i) => {
      if (vm.running && hv.usedBy(i) < limit && hv.usedBy(i) < low) {
        low = hv.usedBy(i);
        at = i;
      }
    });
    if (at < 0) return [];
    const lead = hv.vms[at]!;
    // A halted VM waits for its timer: jump to the expiry in one go (time idle is no instruction to show).
    const wait = lead.v.halted ? lead.platform.timer.untilNext() : 1;
    const target = Math.min(limit, low + Math.max(1, Number.isFinite(wait) ? wait : limit - low));
    const before = hv.vms.map((_, i) => this.registersOf(i));
    const counts = hv.vms.map((vm) => vm.guestInstructions);
    hv.runUntil(target);
    const out: TraceEvent[] = [];
    hv.vms.forEach((vm, i) => {
      const seen = this.pending[i]!;
      this.pending[i] = [];
      out.push(...seen);
      if (vm.guestInstructions === counts[i]) return;
      const after = this.registersOf(i);
      const b = before[i] ?? null;
      if (!after) return;
      let pc = b ? b.pc : vm.image.entry;
      // An interrupt delivered first: the instruction that ran was its handler's first.
      const irq = seen.find((e): e is IrqEvent => e.kind === 'irq');
      if (irq && b) {
        const entry = this.views[i]!.read32((b.ivtb + irq.vector * 4) >>> 0);
        if (entry !== null) pc = entry;
      }
      const { text } = this.instructionAt(i, pc, b ?? undefined);
      const changed = b ? changedRegisters(b, after) : [];
      const where = vm.sourceOf(pc);
      const n = counts[i]!;
      const insn: InsnEvent = { kind: 'insn', vm: vm.name, n, pc, text, where, changed, after };
      out.push(insn);
      if (b) {
        const mmu = (what: MmuEvent['what'], x: number, y: number): MmuEvent => ({ kind: 'mmu', vm: vm.name, n, pc, where, what, before: x >>> 0, after: y >>> 0 });
        if (b.cr0 !== after.cr0) out.push(mmu('cr0', b.cr0, after.cr0));
        if (b.cr3 !== after.cr3) out.push(mmu('cr3', b.cr3, after.cr3));
        if (b.cr2 !== after.cr2) out.push(mmu('pf', b.cr2, after.cr2));
        if (text?.startsWith('invlpg')) out.push(mmu('invlpg', 0, 0));
      }
    });
    return out;
  }
}
