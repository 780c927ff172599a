// The power-off port: a write records the guest's exit status and asks the machine to stop.
import { clonePlain, type Device } from './device.js';

export type PowerOffState = {
  requested: boolean;
  /** The value written, as an unsigned 32-bit number. */
  status: number;
};

export class PowerOff implements Device<PowerOffState> {
  readonly name = 'poweroff';
  state: PowerOffState = { requested: false, status: 0 };

  read(): number {
    return 0;
  }

  write(_offset: number, _size: number, value: number): void {
    // The first power-off wins: the machine stops at the next service point anyway.
    if (this.state.requested) return;
    this.state.requested = true;
    this.state.status = value >>> 0;
  }

  snapshot(): PowerOffState {
    return clonePlain(this.state);
  }

  restore(s: PowerOffState): void {
    this.state = clonePlain(s);
  }
}
