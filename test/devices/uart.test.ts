// The UART: transmit to the sink, receive from the queue, status bits, receive interrupt.
import { describe, expect, it } from 'vitest';
import { UART_CTRL_RX_INT, UART_STATUS_RX, UART_STATUS_TX } from '../../isa/abi.js';
import { Uart } from '../../vmm/devices/uart.js';
import { FakeIrq } from './fakes.js';

const DATA = 0;
const STATUS = 1;
const CTRL = 2;

describe('Uart', () => {
  it('sends the low byte of each DATA write to the sink', () => {
    const out: number[] = [];
    const u = new Uart(new FakeIrq(), (b) => out.push(b));
    u.write(DATA, 4, 0x168); // only the low byte goes out
    u.write(DATA, 4, 0x0a);
    expect(out).toEqual([0x68, 0x0a]);
    expect(u.state.txBytes).toBe(2);
  });

  it('reads the input queue in order; STATUS shows rx ready and tx always ready', () => {
    const u = new Uart(new FakeIrq(), () => {}, 'ab');
    expect(u.read(STATUS)).toBe(UART_STATUS_RX | UART_STATUS_TX);
    expect(u.read(DATA)).toBe(0x61);
    expect(u.read(DATA)).toBe(0x62);
    expect(u.read(STATUS)).toBe(UART_STATUS_TX);
    expect(u.read(DATA)).toBe(0); // empty queue reads 0
    expect(u.state.rxBytes).toBe(2);
  });

  it('raises the receive interrupt only when enabled and a byte waits; withdraws it when drained', () => {
    const irq = new FakeIrq();
    const u = new Uart(irq, () => {}, 'xy');
    expect(irq.raises).toBe(0);
    u.write(CTRL, 4, UART_CTRL_RX_INT);
    expect(u.read(CTRL)).toBe(UART_CTRL_RX_INT);
    expect(irq.raises).toBe(1);
    u.read(DATA);
    expect(irq.raises).toBe(2); // one more byte waits: raised again
    u.read(DATA);
    expect(irq.up).toBe(false);
    u.feed(new Uint8Array([1]));
    expect(irq.up).toBe(true);
  });

  it('state round-trips through JSON', () => {
    const u = new Uart(new FakeIrq(), () => {}, 'hello');
    u.read(DATA);
    const snap = JSON.parse(JSON.stringify(u.snapshot()));
    u.read(DATA);
    u.restore(snap);
    expect(u.read(DATA)).toBe('e'.charCodeAt(0));
  });
});
