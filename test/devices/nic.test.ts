// The NIC: TX ring walk on the doorbell, RX into free descriptors, ring wrap, full-ring drops, ICR/IMS.
import { describe, expect, it } from 'vitest';
import { NIC, NIC_CTRL_ENABLE, NIC_DESC, NIC_DESC_CMD_EOP, NIC_DESC_STATUS_DD, NIC_ICR_RXT, NIC_ICR_TXDW, PAGE_SIZE } from '../../isa/abi.js';
import { Iommu } from '../../vmm/devices/iommu.js';
import { Loopback, Nic } from '../../vmm/devices/nic.js';
import { FakeDma, FakeIrq } from './fakes.js';

const TX_RING = 0x1000;
const RX_RING = 0x2000;
const BUFS = 0x4000;

function setup(ring = 4) {
  const mem = new Uint8Array(16 * PAGE_SIZE);
  const view = new DataView(mem.buffer);
  const irq = new FakeIrq();
  const nic = new Nic(new FakeDma(mem), irq);
  const wire = new Loopback(nic);
  nic.write(NIC.TDBA, 4, TX_RING);
  nic.write(NIC.TDLEN, 4, ring);
  nic.write(NIC.RDBA, 4, RX_RING);
  nic.write(NIC.RDLEN, 4, ring);
  nic.write(NIC.CTRL, 4, NIC_CTRL_ENABLE);
  const desc = (ringBase: number, i: number) => ringBase + i * NIC_DESC.SIZE;
  /** Fill TX descriptor i with a packet of `bytes` in buffer i. */
  const putTx = (i: number, bytes: number[], eop = true) => {
    const d = desc(TX_RING, i);
    const buf = BUFS + i * 0x100;
    mem.set(bytes, buf);
    view.setUint32(d + NIC_DESC.ADDR, buf, true);
    view.setUint16(d + NIC_DESC.LEN, bytes.length, true);
    mem[d + NIC_DESC.CMD] = eop ? NIC_DESC_CMD_EOP : 0;
    mem[d + NIC_DESC.STATUS] = 0;
  };
  /** Give RX descriptor i a buffer. */
  const putRx = (i: number) => {
    const d = desc(RX_RING, i);
    view.setUint32(d + NIC_DESC.ADDR, BUFS + 0x1000 + i * 0x100, true);
    view.setUint16(d + NIC_DESC.LEN, 0x100, true);
    mem[d + NIC_DESC.STATUS] = 0;
  };
  return { mem, view, irq, nic, wire, desc, putTx, putRx };
}

describe('Nic TX', () => {
  it('sends every descriptor from TDH to TDT on the doorbell and writes DD back', () => {
    const { mem, irq, nic, wire, desc, putTx } = setup();
    putTx(0, [1, 2, 3]);
    putTx(1, [4, 5]);
    nic.write(NIC.IMS, 4, NIC_ICR_TXDW);
    nic.write(NIC.TDT, 4, 2);
    expect(wire.sent.map((p) => Array.from(p))).toEqual([[1, 2, 3], [4, 5]]);
    expect(nic.read(NIC.TDH, 4)).toBe(2);
    expect(mem[desc(TX_RING, 0) + NIC_DESC.STATUS]! & NIC_DESC_STATUS_DD).toBe(NIC_DESC_STATUS_DD);
    expect(mem[desc(TX_RING, 1) + NIC_DESC.STATUS]! & NIC_DESC_STATUS_DD).toBe(NIC_DESC_STATUS_DD);
    expect(irq.raises).toBe(1);
    expect(nic.state.packetsTx).toBe(2);
    expect(nic.state.doorbells).toBe(1);
  });

  it('wraps around the end of the ring', () => {
    const { nic, wire, putTx } = setup(4);
    for (const i of [0, 1, 2]) putTx(i, [i]);
    nic.write(NIC.TDT, 4, 3);
    putTx(3, [3]);
    putTx(0, [4]);
    nic.write(NIC.TDT, 4, 1); // tail wrapped: descriptors 3 then 0
    expect(wire.sent.map((p) => p[0])).toEqual([0, 1, 2, 3, 4]);
    expect(nic.read(NIC.TDH, 4)).toBe(1);
  });

  it('joins buffers without EOP into one packet', () => {
    const { nic, wire, putTx } = setup();
    putTx(0, [1, 2], false);
    putTx(1, [3], true);
    nic.write(NIC.TDT, 4, 2);
    expect(wire.sent.map((p) => Array.from(p))).toEqual([[1, 2, 3]]);
  });

  it('ICR reads clear it; no IRQ when IMS masks the cause', () => {
    const { irq, nic, putTx } = setup();
    putTx(0, [9]);
    nic.write(NIC.TDT, 4, 1);
    expect(irq.raises).toBe(0);
    expect(nic.read(NIC.ICR, 4)).toBe(NIC_ICR_TXDW);
    expect(nic.read(NIC.ICR, 4)).toBe(0);
  });

  it('unmasking a pending cause raises the IRQ', () => {
    const { irq, nic, putTx } = setup();
    putTx(0, [9]);
    nic.write(NIC.TDT, 4, 1);
    nic.write(NIC.IMS, 4, NIC_ICR_TXDW);
    expect(irq.raises).toBe(1);
  });

  it('sends nothing while disabled, then catches up on enable', () => {
    const { nic, wire, putTx } = setup();
    nic.write(NIC.CTRL, 4, 0);
    putTx(0, [7]);
    nic.write(NIC.TDT, 4, 1);
    expect(wire.sent).toHaveLength(0);
    nic.write(NIC.CTRL, 4, NIC_CTRL_ENABLE);
    expect(wire.sent).toHaveLength(1);
  });

  it('a buffer fenced by the IOMMU is not sent, never leaks memory, and is counted', () => {
    const mem = new Uint8Array(16 * PAGE_SIZE);
    const view = new DataView(mem.buffer);
    const domain = new Iommu(mem).domain('nic');
    domain.identity(0, 8 * PAGE_SIZE);
    const nic = new Nic(domain, new FakeIrq());
    const wire = new Loopback(nic);
    nic.write(NIC.TDBA, 4, TX_RING);
    nic.write(NIC.TDLEN, 4, 4);
    nic.write(NIC.CTRL, 4, NIC_CTRL_ENABLE);
    view.setUint32(TX_RING + NIC_DESC.ADDR, 10 * PAGE_SIZE, true);
    view.setUint16(TX_RING + NIC_DESC.LEN, 4, true);
    mem[TX_RING + NIC_DESC.CMD] = NIC_DESC_CMD_EOP;
    nic.write(NIC.TDT, 4, 1);
    expect(wire.sent).toHaveLength(0);
    expect(nic.state.dmaErrors).toBe(1);
    expect(domain.state.faults).toBe(1);
    expect(nic.read(NIC.TDH, 4)).toBe(1);
  });
});

describe('Nic RX', () => {
  it('places an injected packet in the descriptor at RDH with length and DD, and interrupts', () => {
    const { mem, view, irq, nic, wire, desc, putRx } = setup();
    putRx(0);
    putRx(1);
    nic.write(NIC.RDT, 4, 2);
    nic.write(NIC.IMS, 4, NIC_ICR_RXT);
    expect(wire.inject(Uint8Array.of(0xa, 0xb, 0xc))).toBe(true);
    const d = desc(RX_RING, 0);
    expect(view.getUint16(d + NIC_DESC.LEN, true)).toBe(3);
    expect(mem[d + NIC_DESC.STATUS]! & NIC_DESC_STATUS_DD).toBe(NIC_DESC_STATUS_DD);
    expect(Array.from(mem.subarray(BUFS + 0x1000, BUFS + 0x1003))).toEqual([0xa, 0xb, 0xc]);
    expect(nic.read(NIC.RDH, 4)).toBe(1);
    expect(irq.raises).toBe(1);
    expect(nic.read(NIC.ICR, 4)).toBe(NIC_ICR_RXT);
    expect(irq.up).toBe(false);
  });

  it('drops packets when the ring is full (RDH == RDT) and counts them', () => {
    const { nic, wire, putRx } = setup(4);
    for (const i of [0, 1, 2]) putRx(i);
    nic.write(NIC.RDT, 4, 3); // three free descriptors (one slot always stays empty)
    expect([1, 2, 3, 4].map((n) => wire.inject(Uint8Array.of(n)))).toEqual([true, true, true, false]);
    expect(nic.state.rxDrops).toBe(1);
    expect(nic.state.packetsRx).toBe(3);
  });

  it('wraps: after the guest returns descriptors, reception continues at the ring start', () => {
    const { mem, nic, wire, putRx } = setup(4);
    for (const i of [0, 1, 2]) putRx(i);
    nic.write(NIC.RDT, 4, 3);
    for (const n of [1, 2, 3]) wire.inject(Uint8Array.of(n));
    putRx(3);
    putRx(0);
    nic.write(NIC.RDT, 4, 1);
    expect(wire.inject(Uint8Array.of(4))).toBe(true);
    expect(wire.inject(Uint8Array.of(5))).toBe(true);
    expect(nic.read(NIC.RDH, 4)).toBe(1);
    expect(mem[BUFS + 0x1000]).toBe(5); // descriptor 0's buffer got the wrapped packet
    expect(wire.inject(Uint8Array.of(6))).toBe(false);
  });

  it('drops a packet larger than the buffer, and everything while disabled', () => {
    const { nic, wire, putRx } = setup();
    putRx(0);
    nic.write(NIC.RDT, 4, 1);
    expect(wire.inject(new Uint8Array(0x101))).toBe(false);
    nic.write(NIC.CTRL, 4, 0);
    expect(wire.inject(new Uint8Array(1))).toBe(false);
    expect(nic.state.rxDrops).toBe(2);
  });

  it('reports link up and a MAC; state round-trips through JSON', () => {
    const { nic, putTx } = setup();
    expect(nic.read(NIC.STATUS, 4) & 1).toBe(1);
    nic.write(NIC.MAC_LO, 4, 0x11223344);
    putTx(0, [1]);
    nic.write(NIC.TDT, 4, 1);
    const snap = JSON.parse(JSON.stringify(nic.snapshot()));
    nic.write(NIC.MAC_LO, 4, 0);
    nic.restore(snap);
    expect(nic.read(NIC.MAC_LO, 4)).toBe(0x11223344);
    expect(nic.read(NIC.TDH, 4)).toBe(1);
    expect(nic.state.packetsTx).toBe(1);
  });
});
