// The net back-end over rings in a plain buffer: bursts reach the loopback whole and in order with one notification
// per batch; RX fills posted buffers or drops and counts; hostile requests get error statuses.
import { describe, expect, it } from 'vitest';
import { BACKEND, HC_ERR, IF_STATUS_OK, NIC_MAX_PACKET, PAGE_SIZE, RING_SLOTS } from '../../isa/abi.js';
import { NetBackend } from '../../vmm/hv/pv/backends/net.js';
import { changedOutside, FakeDomain, FrontRing } from './split-harness.js';

const TX_RING = 2 * PAGE_SIZE;
const RX_RING = 3 * PAGE_SIZE;
/** Packet buffers: two per page, 16 pages. */
const BUFS = 16 * PAGE_SIZE;
const PORT = 9;

function setup() {
  const d = new FakeDomain();
  const be = new NetBackend();
  const tx = new FrontRing(d.memory, TX_RING);
  const rx = new FrontRing(d.memory, RX_RING);
  const bufRefs = Array.from({ length: 16 }, (_, i) => d.grant(BUFS + i * PAGE_SIZE, BACKEND.NET));
  expect(be.connect(d, d.grant(TX_RING, BACKEND.NET), PORT, d.grant(RX_RING, BACKEND.NET))).toBe(0);
  return { d, be, tx, rx, bufRefs };
}

/** Packet n: 60 + n % 50 bytes of (n + k) & 0xff. */
const packet = (n: number) => Uint8Array.from({ length: 60 + (n % 50) }, (_, k) => (n + k) & 0xff);

describe('split net back-end', () => {
  it('sends bursts with no packet lost, in order, one notification per batch and none back unasked', () => {
    const { d, be, tx, bufRefs } = setup();
    let n = 0;
    let notified = 0;
    const sizes = [1, 4, RING_SLOTS, 3, 17, RING_SLOTS, 2];
    for (const size of sizes) {
      for (let i = 0; i < size; i++, n++) {
        // Slot n in the 32 half-page buffers: the front-end reuses a buffer once its response is in.
        const buf = n % 32;
        const p = packet(n);
        d.raw.set(p, BUFS + buf * 2048);
        tx.put([n, bufRefs[buf >> 1]!, (buf & 1) * 2048, p.length]);
      }
      if (tx.push()) {
        notified++;
        be.notify();
      }
      const rsps = tx.responses(3);
      expect(rsps.length).toBe(size);
      for (const [id, status, len] of rsps) expect([status, len]).toEqual([IF_STATUS_OK, packet(id!).length]);
    }
    expect(be.wire.sent.length).toBe(n);
    be.wire.sent.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(packet(i)))).toBe(true));
    expect(notified).toBe(sizes.length);
    expect(be.counters).toMatchObject({ notificationsIn: sizes.length, batches: sizes.length, requests: n, errors: 0 });
    expect(be.counters.notificationsOut).toBeLessThanOrEqual(1); // only the initial rsp_event; the front-end polls
    expect(be.net.packetsTx).toBe(n);
  });

  it('answers bad TX requests with errors, sends the good ones around them in order', () => {
    const { d, be, tx, bufRefs } = setup();
    const roRef = d.grant(BUFS, BACKEND.NET, true);
    const blockRef = d.grant(BUFS, BACKEND.BLOCK);
    d.raw.set(packet(1), BUFS);
    const reqs: Array<[number[], number, number]> = [
      [[1, bufRefs[0]!, 0, 61], IF_STATUS_OK, 61],
      [[2, bufRefs[0]!, 0, 0], -HC_ERR.EINVAL, 0], // empty
      [[3, bufRefs[0]!, 0, NIC_MAX_PACKET + 1], -HC_ERR.EINVAL, 0], // too long
      [[4, bufRefs[0]!, PAGE_SIZE - 10, 60], -HC_ERR.EINVAL, 0], // past the page
      [[5, bufRefs[0]!, 0xffff_fff0, 60], -HC_ERR.EINVAL, 0], // offset that would wrap
      [[6, 12345, 0, 60], -HC_ERR.ENOENT, 0],
      [[7, blockRef, 0, 60], -HC_ERR.ENOENT, 0], // granted to the block back-end: not ours
      [[8, roRef, 0, 61], IF_STATUS_OK, 61], // sending only reads: a read-only grant will do
    ];
    for (const [r] of reqs) tx.put(r);
    tx.push();
    be.notify();
    expect(tx.responses(3)).toEqual(reqs.map(([r, s, l]) => [r[0], s, l]));
    expect(be.wire.sent.length).toBe(2);
    expect(be.counters.errors).toBe(6);
  });

  it('receives into posted buffers, drops when none is left, and notifies when the front-end asked', () => {
    const { d, be, rx, bufRefs } = setup();
    expect(be.wire.inject(packet(0))).toBe(false); // nothing posted yet
    rx.put([100, bufRefs[4]!, 0, 2048]);
    rx.put([101, bufRefs[4]!, 2048, 64]); // room for 64 bytes only
    rx.put([102, bufRefs[5]!, 0, 2048]);
    rx.push();
    rx.wantResponses();
    const before = d.raw.slice();
    expect(be.wire.inject(packet(1))).toBe(true);
    expect(be.wire.inject(packet(20))).toBe(false); // 80 bytes into a 64-byte buffer: returned with an error
    expect(be.wire.inject(packet(3))).toBe(true);
    expect(be.wire.inject(packet(4))).toBe(false); // none left
    expect(rx.responses(3)).toEqual([
      [100, IF_STATUS_OK, packet(1).length],
      [101, -HC_ERR.E2BIG, 0],
      [102, IF_STATUS_OK, packet(3).length],
    ]);
    expect(Buffer.from(d.raw.subarray(BUFS + 4 * PAGE_SIZE, BUFS + 4 * PAGE_SIZE + 61)).equals(Buffer.from(packet(1)))).toBe(true);
    expect(Buffer.from(d.raw.subarray(BUFS + 5 * PAGE_SIZE, BUFS + 5 * PAGE_SIZE + 63)).equals(Buffer.from(packet(3)))).toBe(true);
    // RAM changed only in the RX ring and the two filled buffers.
    const p4 = BUFS + 4 * PAGE_SIZE;
    const p5 = BUFS + 5 * PAGE_SIZE;
    expect(changedOutside(before, d.raw, [[RX_RING, RX_RING + PAGE_SIZE], [p4, p4 + 61], [p5, p5 + 63]])).toEqual([]);
    expect(be.net).toEqual({ packetsTx: 0, packetsRx: 2, rxDrops: 3 });
    // rsp_event was rsp_cons + 1 = 1: the first response notifies, the others were not asked for.
    expect(d.events).toEqual([PORT]);
  });

  it('delivers a queued burst in order with no loss, asking for buffers only while packets wait', () => {
    const { d, be, rx, bufRefs } = setup();
    const burst = Array.from({ length: 23 }, (_, i) => packet(100 + i));
    const post = (ids: number[]) => {
      for (const id of ids) rx.put([id, bufRefs[8 + (id >> 1)]!, (id & 1) * 2048, 2048]);
      return rx.push();
    };
    post([0, 1, 2, 3]);
    rx.wantResponses();
    be.wire.queue(burst);
    expect(be.wire.pending).toBe(23 - 4);
    // The back-end ran out of buffers with packets waiting: it asked to hear of the next one.
    expect(d.memory.read32(RX_RING + 4)).toBe(4 + 1);
    const got: Uint8Array[] = [];
    let notified = 0;
    let rounds = 0;
    while (got.length < burst.length && rounds++ < 20) {
      const rsps = rx.responses(3);
      for (const [id, status, len] of rsps) {
        expect(status).toBe(IF_STATUS_OK);
        const at = BUFS + (8 + (id! >> 1)) * PAGE_SIZE + (id! & 1) * 2048;
        got.push(d.raw.slice(at, at + len!));
      }
      rx.wantResponses();
      // Repost the buffers just emptied, as one batch; notify only if the back-end asked.
      if (post(rsps.map(([id]) => id!))) {
        notified++;
        be.notify();
      }
    }
    expect(got.length).toBe(burst.length);
    got.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(burst[i]!))).toBe(true));
    expect(be.wire.pending).toBe(0);
    expect(be.net).toMatchObject({ packetsRx: 23, rxDrops: 0 });
    // One notification per reposting batch while packets waited, and one back per batch delivered.
    expect(notified).toBe(rounds - 1);
    expect(be.counters.notificationsIn).toBe(notified);
    expect(be.counters.notificationsOut).toBe(be.counters.batches);
    expect(d.events.length).toBe(be.counters.batches);
  });

  it('refuses to connect without two distinct ring pages of its own', () => {
    const d = new FakeDomain();
    const be = new NetBackend();
    const tx = d.grant(TX_RING, BACKEND.NET);
    expect(be.connect(d, tx, PORT, 999)).toBe(-HC_ERR.ENOENT);
    expect(be.connect(d, tx, PORT, d.grant(TX_RING, BACKEND.NET))).toBe(-HC_ERR.EINVAL);
    expect(be.connect(d, tx, PORT, d.grant(RX_RING, BACKEND.CONSOLE))).toBe(-HC_ERR.ENOENT);
    expect(be.connect(d, tx, PORT, d.grant(RX_RING, BACKEND.NET, true))).toBe(-HC_ERR.EPERM);
    expect(be.connected).toBe(false);
    expect(be.wire.inject(packet(0))).toBe(false);
  });
});
