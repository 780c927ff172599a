// The interval timer: counts guest instructions, not wall time, so every run is deterministic.
//
// Writing TIMER_CTRL with the enable bit (re)loads the count from the period; each time the count
// reaches zero the timer raises IRQ.TIMER and, if periodic, reloads, else disables itself. A
// period of 0 never fires. The machine asks `untilNext()` to end a CPU slice exactly at an expiry
// and calls `advance(n)` with the instructions executed (or skipped while idle in `hlt`).
import { PORT, TIMER_ENABLE, TIMER_PERIODIC } from '../../isa/abi.js';
import type { IrqLine } from '../machine/io.js';
import { clonePlain, type Device } from './device.js';

/** Register offsets from PORT.TIMER_CTRL. */
const CTRL = 0;
const PERIOD = PORT.TIMER_PERIOD - PORT.TIMER_CTRL;
const COUNT = PORT.TIMER_COUNT - PORT.TIMER_CTRL;
export const TIMER_PORT_COUNT = COUNT + 1;

export type TimerState = {
  ctrl: number;
  period: number;
  /** Instructions left until the next expiry (meaningful while armed). */
  count: number;
  /** Expiries so far. */
  ticks: number;
};

export class Timer implements Device<TimerState> {
  readonly name = 'timer';
  state: TimerState = { ctrl: 0, period: 0, count: 0, ticks: 0 };

  constructor(private readonly irq: IrqLine) {}

  /** Armed = enabled with a non-zero period: an expiry is coming. */
  get armed(): boolean {
    return (this.state.ctrl & TIMER_ENABLE) !== 0 && this.state.period > 0;
  }

  /** Instructions until the next expiry; Infinity when nothing is armed. */
  untilNext(): number {
    return this.armed ? this.state.count : Infinity;
  }

  /** Let `n` instructions pass; raise the line for each expiry they cross. */
  advance(n: number): void {
    if (!this.armed || n <= 0) return;
    const s = this.state;
    if (n < s.count) {
      s.count -= n;
      return;
    }
    this.irq.raise();
    if ((s.ctrl & TIMER_PERIODIC) === 0) {
      s.ticks++;
      s.ctrl &= ~TIMER_ENABLE;
      s.count = 0;
      return;
    }
    // Periodic: the line is edge-latched, so several expiries in one step are still one request.
    const over = n - s.count;
    s.ticks += 1 + Math.floor(over / s.period);
    s.count = s.period - (over % s.period);
  }

  read(offset: number): number {
    switch (offset) {
      case CTRL:
        return this.state.ctrl;
      case PERIOD:
        return this.state.period;
      case COUNT:
        return this.armed ? this.state.count : 0;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === CTRL) {
      this.state.ctrl = value & (TIMER_ENABLE | TIMER_PERIODIC);
      if (this.state.ctrl & TIMER_ENABLE) this.state.count = this.state.period;
    } else if (offset === PERIOD) {
      this.state.period = value >>> 0;
    }
  }

  snapshot(): TimerState {
    return clonePlain(this.state);
  }

  restore(s: TimerState): void {
    this.state = clonePlain(s);
  }
}
