// The UART console: transmitted bytes go to a host sink; received bytes come from an input queue given up front.
//
// With the receive interrupt enabled (UART_CTRL bit 0), the UART raises IRQ.UART whenever a byte
// is waiting: on enabling, and again after each DATA read that leaves more bytes queued. When the
// queue runs dry the request is withdrawn. Transmit is always ready and never interrupts.
import { PORT, UART_CTRL_RX_INT, UART_STATUS_RX, UART_STATUS_TX } from '../../isa/abi.js';
import type { IrqLine } from '../machine/io.js';
import { clonePlain, type Device } from './device.js';

/** Register offsets from PORT.UART_DATA (the bus hands the device offsets, not port numbers). */
const DATA = 0;
const STATUS = PORT.UART_STATUS - PORT.UART_DATA;
const CTRL = PORT.UART_CTRL - PORT.UART_DATA;
export const UART_PORT_COUNT = CTRL + 1;

export type UartState = {
  ctrl: number;
  /** Bytes not yet read by the guest (received input). */
  rx: number[];
  txBytes: number;
  rxBytes: number;
};

export class Uart implements Device<UartState> {
  readonly name = 'uart';
  state: UartState = { ctrl: 0, rx: [], txBytes: 0, rxBytes: 0 };

  /** `sink` receives each transmitted byte (the machine collects the console from it). */
  constructor(
    private readonly irq: IrqLine,
    private readonly sink: (byte: number) => void,
    input?: Uint8Array | string,
  ) {
    if (input !== undefined) this.feed(input);
  }

  /** Append bytes to the receive queue (the far end typing). */
  feed(input: Uint8Array | string): void {
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    for (const b of bytes) this.state.rx.push(b);
    this.updateIrq();
  }

  read(offset: number): number {
    switch (offset) {
      case DATA: {
        const b = this.state.rx.shift();
        if (b === undefined) return 0;
        this.state.rxBytes++;
        this.updateIrq();
        return b;
      }
      case STATUS:
        return UART_STATUS_TX | (this.state.rx.length > 0 ? UART_STATUS_RX : 0);
      case CTRL:
        return this.state.ctrl;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === DATA) {
      this.state.txBytes++;
      this.sink(value & 0xff);
    } else if (offset === CTRL) {
      this.state.ctrl = value & UART_CTRL_RX_INT;
      this.updateIrq();
    }
  }

  private updateIrq(): void {
    if ((this.state.ctrl & UART_CTRL_RX_INT) !== 0 && this.state.rx.length > 0) this.irq.raise();
    else this.irq.lower();
  }

  snapshot(): UartState {
    return clonePlain(this.state);
  }

  restore(s: UartState): void {
    this.state = clonePlain(s);
  }
}
