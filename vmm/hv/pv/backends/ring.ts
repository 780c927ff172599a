// The back-end half of a split-driver shared ring (Xen's ring.h, BACK_RING_* macros), over a granted page.
//
// Layout (RING in isa/abi.ts): req_prod, req_event, rsp_prod, rsp_event, then RING_SLOTS slots of
// RING_SLOT_SIZE bytes; a request's slot is later overwritten by its response. Indices run free
// (slot = index mod RING_SLOTS) and wrap at 2^32, so every comparison is a u32 difference.
//
// What the back-end trusts: nothing in the page. Its own consumer index and response producer live
// here, in TypeScript, never read back from the guest. The guest's req_prod is accepted only if it is
// at most RING_SLOTS ahead of the requests already answered; otherwise the ring is corrupt (or
// hostile) and the caller drops it, as Xen's back-ends do on RING_REQUEST_PROD_OVERFLOW. A request
// is copied out of its slot before it is looked at, so the guest cannot change it halfway.

import { RING, RING_SLOT_SIZE, RING_SLOTS } from '../../../../isa/abi.js';
import type { GuestPhys } from '../../memory/guest-phys.js';

/** u32 difference a - b. */
const diff = (a: number, b: number): number => (a - b) >>> 0;

export class BackRing {
  /** Next request to take (req_cons). */
  private reqCons = 0;
  /** Next response slot (rsp_prod_pvt), and the rsp_prod last published to the guest. */
  private rspProdPvt = 0;
  private rspPublished = 0;
  private readonly slot = new Uint8Array(RING_SLOT_SIZE);
  /** The copied request, for the handler to decode. */
  readonly request = new DataView(this.slot.buffer);

  /**
   * `page`: guest-physical address of the ring page, already checked to be a granted page of RAM.
   * `start`: the index both sides begin at (0 as in Xen; tests start near 2^32 to cross the wrap).
   */
  constructor(
    private readonly mem: GuestPhys,
    readonly page: number,
    start = 0,
  ) {
    this.reqCons = this.rspProdPvt = this.rspPublished = start >>> 0;
  }

  /** Requests published and not yet taken, or -1 if req_prod is past the ring (more than RING_SLOTS ahead). */
  unconsumed(): number {
    const prod = this.mem.read32(this.page + RING.REQ_PROD);
    // Outstanding = published minus answered: a front-end may never have more than the ring holds.
    if (diff(prod, this.rspProdPvt) > RING_SLOTS) return -1;
    return diff(prod, this.reqCons);
  }

  /** Copy the next request into `request` and consume it. Call only when unconsumed() > 0. */
  take(): DataView {
    const at = this.page + RING.SLOT0 + (this.reqCons % RING_SLOTS) * RING_SLOT_SIZE;
    this.slot.set(this.mem.slice(at, RING_SLOT_SIZE));
    this.reqCons = (this.reqCons + 1) >>> 0;
    return this.request;
  }

  /** Write the next response: `words` are u32 fields at 4-byte offsets from the slot's start. */
  respond(words: readonly number[]): void {
    const at = this.page + RING.SLOT0 + (this.rspProdPvt % RING_SLOTS) * RING_SLOT_SIZE;
    words.forEach((w, i) => this.mem.write32(at + 4 * i, w >>> 0));
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }

  /**
   * Publish the responses written so far (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY). True if the front-end
   * asked to hear about them: rsp_event lies in (old rsp_prod, new rsp_prod].
   */
  pushResponses(): boolean {
    const old = this.rspPublished;
    const now = this.rspProdPvt;
    if (old === now) return false;
    this.mem.write32(this.page + RING.RSP_PROD, now);
    this.rspPublished = now;
    const event = this.mem.read32(this.page + RING.RSP_EVENT);
    return diff(now, event) < diff(now, old);
  }

  /**
   * Nothing left: ask to be notified of the next request (req_event = req_cons + 1,
   * RING_FINAL_CHECK_FOR_REQUESTS), then look once more so a request published meanwhile is not missed.
   */
  finalCheck(): number {
    this.mem.write32(this.page + RING.REQ_EVENT, (this.reqCons + 1) >>> 0);
    return this.unconsumed();
  }

  /** Requests taken so far (for tests and reports). */
  get consumed(): number {
    return this.reqCons;
  }
}

/** What one pass over a ring did. */
export interface ServeResult {
  /** Requests taken and answered. */
  readonly served: number;
  /** The front-end asked to be notified of the responses. */
  readonly notify: boolean;
  /** req_prod was past the ring: the caller must drop the ring. Responses already written are published. */
  readonly broken: boolean;
}

/**
 * Serve every request on `ring`: take it, let `handle` act on it and return the response fields,
 * publish the responses, final check, and go on while requests keep coming. One pass answers a whole
 * batch, and the front-end hears back at most once for it.
 */
export function serveRing(ring: BackRing, handle: (req: DataView) => readonly number[]): ServeResult {
  let served = 0;
  let notify = false;
  let n = ring.unconsumed();
  for (;;) {
    if (n < 0) break;
    if (n === 0) {
      n = ring.finalCheck();
      if (n <= 0) break;
    }
    for (; n > 0; n--) {
      ring.respond(handle(ring.take()));
      served++;
    }
    if (ring.pushResponses()) notify = true;
    n = ring.unconsumed();
  }
  if (ring.pushResponses()) notify = true;
  return { served, notify, broken: n < 0 };
}
