// The interrupt controller: 16 prioritised lines (line 0 highest) with mask, request, in-service, EOI and the cr8 cut.
//
// Lines are edge-latched: `raise()` sets the line's request bit, which stays set until the CPU
// acknowledges the interrupt (or the device withdraws it with `lower()`, e.g. when the guest has
// already consumed the cause by polling). Raising an already-requested line is a no-op, so a burst
// of events before the guest responds is one interrupt, as on a real edge-triggered 8259.
import { IRQ_LINES, PIC_EOI, PORT, VEC } from '../../isa/abi.js';
import type { InterruptSource, IrqLine } from '../machine/io.js';
import { clonePlain, type Device } from './device.js';

/** The lines the controller has (IRQ_LINES in isa/abi.ts). */
export const PIC_LINES = IRQ_LINES;

/** Register offsets from PORT.PIC_CMD. */
const CMD = 0;
const MASK = PORT.PIC_MASK - PORT.PIC_CMD;
const PENDING = PORT.PIC_PENDING - PORT.PIC_CMD;
const INSERVICE = PORT.PIC_INSERVICE - PORT.PIC_CMD;
export const PIC_PORT_COUNT = INSERVICE + 1;

export type PicState = {
  /** Bit n set = line n masked. */
  mask: number;
  /** Bit n set = line n requested and not yet acknowledged. */
  request: number;
  /** Bit n set = line n delivered and not yet ended by EOI. */
  inService: number;
  /** Interrupts acknowledged (delivered to the CPU). */
  delivered: number;
  /** EOI commands received. */
  eois: number;
};

export class Pic implements Device<PicState>, InterruptSource {
  readonly name = 'pic';
  state: PicState = { mask: 0, request: 0, inService: 0, delivered: 0, eois: 0 };
  private readonly lines: IrqLine[] = [];
  /**
   * Called with each vector the CPU (or the VMM, for its guest) takes from this controller, at the moment
   * it is taken: acknowledging is delivering, in every run loop, so this is where deliveries are observed.
   */
  onAcknowledge: ((vector: number) => void) | null = null;
  /**
   * Called before the CPU asks which interrupt is pending: an owner whose sources run on a lazily updated
   * clock (the timer, advanced per slice) brings them up to the current instruction first, so that every
   * interrupt check sees every expiry due by then, wherever in a slice the check happens.
   */
  beforeQuery: (() => void) | null = null;

  constructor() {
    for (let n = 0; n < PIC_LINES; n++) {
      const bit = 1 << n;
      this.lines.push({
        raise: () => {
          this.state.request |= bit;
        },
        lower: () => {
          this.state.request &= ~bit;
        },
      });
    }
  }

  /** The IrqLine a device on line `n` raises. */
  line(n: number): IrqLine {
    const l = this.lines[n];
    if (!l) throw new RangeError(`no IRQ line ${n} (lines are 0..${PIC_LINES - 1})`);
    return l;
  }

  pendingVector(cr8: number): number {
    this.beforeQuery?.();
    const cut = 15 - cr8; // lines 0..cut are allowed by the task priority
    if (cut < 0) return -1;
    const ready = this.state.request & ~this.state.mask & 0xffff;
    if (ready === 0) return -1;
    const line = lowestBit(ready);
    if (line > cut) return -1;
    // An interrupt preempts only a strictly lower-priority (higher-numbered) one in service.
    if (this.state.inService !== 0 && line >= lowestBit(this.state.inService)) return -1;
    return VEC.IRQ_BASE + line;
  }

  acknowledge(vector: number): void {
    const line = vector - VEC.IRQ_BASE;
    if (line < 0 || line >= PIC_LINES) return;
    const bit = 1 << line;
    this.state.request &= ~bit;
    this.state.inService |= bit;
    this.state.delivered++;
    this.onAcknowledge?.(vector);
  }

  read(offset: number): number {
    switch (offset) {
      case MASK:
        return this.state.mask;
      case PENDING:
        return this.state.request;
      case INSERVICE:
        return this.state.inService;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === CMD) {
      if (value === PIC_EOI) this.eoi();
    } else if (offset === MASK) {
      this.state.mask = value & 0xffff;
    }
  }

  /** End the highest-priority in-service interrupt. */
  eoi(): void {
    this.state.eois++;
    if (this.state.inService !== 0) this.state.inService &= this.state.inService - 1;
  }

  snapshot(): PicState {
    return clonePlain(this.state);
  }

  restore(s: PicState): void {
    this.state = clonePlain(s);
  }
}

function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}
