// The console back-end over a CONSRING page in a plain buffer: output in order across the buffer's wrap, input
// delivered with a notification, and a page claiming more bytes than its buffer holds dropped untouched.
import { describe, expect, it } from 'vitest';
import { BACKEND, CONSRING, CONSRING_IN_SIZE, CONSRING_OUT_SIZE, HC_ERR, PAGE_SIZE } from '../../isa/abi.js';
import { ConsoleBackend } from '../../vmm/hv/pv/backends/console.js';
import { FakeDomain } from './split-harness.js';

const PAGE = 6 * PAGE_SIZE;
const PORT = 3;

function setup(input = '') {
  const d = new FakeDomain();
  const out: number[] = [];
  const queue = [...new TextEncoder().encode(input)];
  const be = new ConsoleBackend({
    write: (b: Uint8Array) => out.push(...b),
    takeInput: (max: number) => Uint8Array.from(queue.splice(0, max)),
  });
  const m = d.memory;
  let prod = 0;
  /** The front-end's write: bytes at out_prod, then publish out_prod. */
  const write = (s: string) => {
    for (const b of new TextEncoder().encode(s)) m.write(PAGE + CONSRING.OUT + (prod++ % CONSRING_OUT_SIZE), 1, b);
    m.write32(PAGE + CONSRING.OUT_PROD, prod);
  };
  const text = () => new TextDecoder().decode(Uint8Array.from(out));
  return { d, be, write, text, queue, ref: d.grant(PAGE, BACKEND.CONSOLE) };
}

describe('split console back-end', () => {
  it('copies output in order, one batch per notification, across the buffer wrap', () => {
    const { d, be, write, text, ref } = setup();
    expect(be.connect(d, ref, PORT)).toBe(0);
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const line = `line ${i}: ${'x'.repeat(i % 37)}\n`;
      lines.push(line);
      write(line);
      be.notify();
    }
    expect(text()).toBe(lines.join(''));
    expect(d.memory.read32(PAGE + CONSRING.OUT_CONS)).toBe(lines.join('').length);
    expect(be.counters).toMatchObject({ notificationsIn: 200, batches: 200, notificationsOut: 0, refused: 0 });
    expect(be.console.bytesOut).toBe(lines.join('').length);
  });

  it('delivers queued input into IN as room allows, notifying the front-end each time some moved', () => {
    const input = 'y'.repeat(CONSRING_IN_SIZE + 100);
    const { d, be, ref, queue } = setup(input);
    expect(be.connect(d, ref, PORT)).toBe(0);
    const m = d.memory;
    expect(m.read32(PAGE + CONSRING.IN_PROD)).toBe(CONSRING_IN_SIZE);
    expect(queue.length).toBe(100);
    expect(d.events).toEqual([PORT]);
    m.write32(PAGE + CONSRING.IN_CONS, 60); // the front-end consumed 60 bytes, then notifies
    be.notify();
    expect(m.read32(PAGE + CONSRING.IN_PROD)).toBe(CONSRING_IN_SIZE + 60);
    expect(d.events).toEqual([PORT, PORT]);
    expect(be.console.bytesIn).toBe(CONSRING_IN_SIZE + 60);
  });

  it('drops a ring whose out_prod claims more than the buffer holds, writing nothing', () => {
    const { d, be, write, text, ref } = setup();
    expect(be.connect(d, ref, PORT)).toBe(0);
    write('ok\n');
    be.notify();
    d.memory.write32(PAGE + CONSRING.OUT_PROD, 3 + CONSRING_OUT_SIZE + 1);
    const before = d.raw.slice();
    be.notify();
    expect(text()).toBe('ok\n');
    expect(Buffer.from(d.raw).equals(Buffer.from(before))).toBe(true);
    expect(be.connected).toBe(false);
    be.notify();
    expect(be.counters.refused).toBe(2);
  });

  it('refuses a ring page granted read-only or to another back-end', () => {
    const { d, be } = setup();
    expect(be.connect(d, d.grant(PAGE, BACKEND.CONSOLE, true), PORT)).toBe(-HC_ERR.EPERM);
    expect(be.connect(d, d.grant(PAGE, BACKEND.BLOCK), PORT)).toBe(-HC_ERR.ENOENT);
    expect(be.connected).toBe(false);
  });
});
