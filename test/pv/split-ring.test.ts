// The back-end ring reader: batches, notification suppression both ways, index wrap, and rings it must refuse.
import { describe, expect, it } from 'vitest';
import { BACKEND, PAGE_SIZE, RING, RING_SLOTS } from '../../isa/abi.js';
import { BackRing, serveRing } from '../../vmm/hv/pv/backends/ring.js';
import { FakeDomain, FrontRing } from './split-harness.js';

const PAGE = 4 * PAGE_SIZE;

/** A back-end that answers each request with [its first word + 1000, 0, 0]. */
const echo = (req: DataView) => [req.getUint32(0, true) + 1000, 0, 0];

describe('split ring: back-end reader', () => {
  it('serves a whole batch in one pass, in order, and asks to be notified of the next request', () => {
    const d = new FakeDomain();
    const front = new FrontRing(d.memory, PAGE);
    const back = new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK);
    for (let i = 0; i < 5; i++) front.put([i]);
    expect(front.push()).toBe(true); // req_event starts at 1: the first batch is announced
    const r = serveRing(back, echo);
    expect(r).toEqual({ served: 5, notify: true, broken: false }); // rsp_event starts at 1 too
    expect(front.responses(1)).toEqual([[1000], [1001], [1002], [1003], [1004]]);
    expect(d.memory.read32(PAGE + RING.REQ_EVENT)).toBe(6);
  });

  it('suppresses notifications: one per batch to the back-end, none back unless the front-end asks', () => {
    const d = new FakeDomain();
    const front = new FrontRing(d.memory, PAGE);
    const back = new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK);
    let toBack = 0;
    let toFront = 0;
    let sent = 0;
    const got: number[] = [];
    for (const size of [1, 3, 7, 32, 2, 31, 5]) {
      for (let i = 0; i < size; i++) front.put([sent++]);
      // Several pushes within one batch: only the first crossing of req_event notifies.
      if (front.push()) toBack++;
      if (front.push()) toBack++;
      const r = serveRing(back, echo);
      expect(r.served).toBe(size);
      if (r.notify) toFront++;
      got.push(...front.responses(1).map(([w]) => w! - 1000));
    }
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(toBack).toBe(7); // one per batch
    expect(toFront).toBe(1); // only the first: the front-end never asked again

    // Asking (rsp_event = rsp_cons + 1) gets exactly one notification for the next batch.
    front.wantResponses();
    for (let i = 0; i < 4; i++) front.put([sent++]);
    front.push();
    expect(serveRing(back, echo).notify).toBe(true);
    front.responses(1);
    for (let i = 0; i < 4; i++) front.put([sent++]);
    front.push();
    expect(serveRing(back, echo).notify).toBe(false);
  });

  it('keeps working across the 2^32 index wrap', () => {
    const d = new FakeDomain();
    const start = 0xffff_fff0;
    const front = new FrontRing(d.memory, PAGE, start);
    const back = new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK, start);
    const got: number[] = [];
    for (let b = 0; b < 4; b++) {
      for (let i = 0; i < 10; i++) front.put([b * 10 + i]);
      front.push();
      expect(serveRing(back, echo)).toMatchObject({ served: 10, broken: false });
      got.push(...front.responses(1).map(([w]) => w! - 1000));
    }
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(back.consumed).toBe((start + 40) >>> 0);
  });

  it('refuses a producer index more than RING_SLOTS ahead, or behind, and answers nothing', () => {
    for (const prod of [RING_SLOTS + 1, 0x8000_0000, 0xffff_ffff]) {
      const d = new FakeDomain();
      new FrontRing(d.memory, PAGE);
      d.memory.write32(PAGE + RING.REQ_PROD, prod);
      const before = d.raw.slice();
      const r = serveRing(new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK), echo);
      expect(r).toEqual({ served: 0, notify: false, broken: true });
      expect(Buffer.from(d.raw).equals(Buffer.from(before))).toBe(true);
    }
  });

  it('accepts exactly RING_SLOTS outstanding requests', () => {
    const d = new FakeDomain();
    const front = new FrontRing(d.memory, PAGE);
    for (let i = 0; i < RING_SLOTS; i++) front.put([i]);
    expect(front.free).toBe(0);
    front.push();
    expect(serveRing(new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK), echo)).toMatchObject({ served: RING_SLOTS, broken: false });
  });

  it('reads as broken once its grant is revoked, touching nothing', () => {
    const d = new FakeDomain();
    const front = new FrontRing(d.memory, PAGE);
    const ref = d.grant(PAGE, BACKEND.BLOCK);
    const back = new BackRing(d.grants, ref, BACKEND.BLOCK);
    front.put([1]);
    front.push();
    d.revoke(ref);
    const before = d.raw.slice();
    expect(serveRing(back, echo)).toEqual({ served: 0, notify: false, broken: true });
    expect(Buffer.from(d.raw).equals(Buffer.from(before))).toBe(true);
  });

  it('copies a request out of its slot before handling it', () => {
    const d = new FakeDomain();
    const front = new FrontRing(d.memory, PAGE);
    front.put([7, 8]);
    front.push();
    const seen: number[] = [];
    serveRing(new BackRing(d.grants, d.grant(PAGE, BACKEND.BLOCK), BACKEND.BLOCK), (req) => {
      // The guest rewriting the slot now (another CPU, in a real system) must not change what the back-end sees.
      d.memory.write32(PAGE + RING.SLOT0 + 4, 0xdead);
      seen.push(req.getUint32(4, true));
      return [0];
    });
    expect(seen).toEqual([8]);
  });
});
