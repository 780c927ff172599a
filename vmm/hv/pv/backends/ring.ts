// The back-end half of a split-driver shared ring (Xen's ring.h, BACK_RING_* macros), over a granted page.
//
// Layout (RING in isa/abi.ts): req_prod, req_event, rsp_prod, rsp_event, then RING_SLOTS slots of
// RING_SLOT_SIZE bytes from RING.SLOT0; a request's slot is later overwritten by its response. Indices
// run free (slot = index mod RING_SLOTS) and wrap at 2^32, so every comparison is a u32 difference.
//
// What the back-end trusts: nothing in the page. Its own consumer index and response producer live
// here, in TypeScript, never read back from the guest. The guest's req_prod is accepted only if it is
// at most RING_SLOTS ahead of the requests already answered; otherwise the ring is corrupt (or
// hostile) and the caller drops it, as Xen's back-ends do on RING_REQUEST_PROD_OVERFLOW. A request
// is copied out of its slot before it is looked at, so the guest cannot change it halfway. Every access
// goes through the grant (checked each time), so a ring whose grant is revoked simply reads as broken.

import { RING, RING_SLOT_SIZE, RING_SLOTS } from '../../../../isa/abi.js';
import type { BackendId } from '../grants.js';
import type { GrantAccess } from './types.js';

/** u32 difference a - b. */
const diff = (a: number, b: number): number => (a - b) >>> 0;

/** BackRing.save(): the ring's grant and the indices the back-end keeps to itself. */
export interface SavedRing {
  readonly ref: number;
  readonly reqCons: number;
  readonly rspProdPvt: number;
  readonly rspPublished: number;
}

export class BackRing {
  /** Next request to take (req_cons). */
  private reqCons: number;
  /** Next response slot (rsp_prod_pvt), and the rsp_prod last published to the guest. */
  private rspProdPvt: number;
  private rspPublished: number;

  /** `start`: the index both sides begin at (0 as in Xen; tests start near 2^32 to cross the wrap). */
  constructor(
    private readonly grants: GrantAccess,
    readonly ref: number,
    private readonly backend: BackendId,
    start = 0,
  ) {
    this.reqCons = this.rspProdPvt = this.rspPublished = start >>> 0;
  }

  /** The back-end's own indices, as plain data (the ring page itself is guest RAM). */
  save(): SavedRing {
    return { ref: this.ref, reqCons: this.reqCons, rspProdPvt: this.rspProdPvt, rspPublished: this.rspPublished };
  }

  /** A ring as save() left it, over the domain's grant table. */
  static restored(grants: GrantAccess, backend: BackendId, s: SavedRing): BackRing {
    const r = new BackRing(grants, s.ref, backend);
    r.reqCons = s.reqCons >>> 0;
    r.rspProdPvt = s.rspProdPvt >>> 0;
    r.rspPublished = s.rspPublished >>> 0;
    return r;
  }

  private slotOffset(index: number): number {
    return RING.SLOT0 + (index % RING_SLOTS) * RING_SLOT_SIZE;
  }

  /** Requests published and not yet taken, or -1 if req_prod is past the ring or the page is gone. */
  unconsumed(): number {
    const prod = this.grants.read32(this.ref, this.backend, RING.REQ_PROD);
    if (prod === null) return -1;
    // Outstanding = published minus answered: a front-end may never have more than the ring holds.
    if (diff(prod, this.rspProdPvt) > RING_SLOTS) return -1;
    return diff(prod, this.reqCons);
  }

  /** Copy the next request out of its slot and consume it; null if the page is gone. Call when unconsumed() > 0. */
  take(): DataView | null {
    const slot = this.grants.read(this.ref, this.backend, this.slotOffset(this.reqCons), RING_SLOT_SIZE);
    if (typeof slot === 'number') return null;
    this.reqCons = (this.reqCons + 1) >>> 0;
    return new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  }

  /** Write the next response: `words` are u32 fields at 4-byte offsets from the slot's start. */
  respond(words: readonly number[]): void {
    const at = this.slotOffset(this.rspProdPvt);
    words.forEach((w, i) => this.grants.write32(this.ref, this.backend, at + 4 * i, w >>> 0));
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
    if (this.grants.write32(this.ref, this.backend, RING.RSP_PROD, now) < 0) return false;
    this.rspPublished = now;
    const event = this.grants.read32(this.ref, this.backend, RING.RSP_EVENT);
    return event !== null && diff(now, event) < diff(now, old);
  }

  /**
   * Nothing left: ask to be notified of the next request (req_event = req_cons + 1,
   * RING_FINAL_CHECK_FOR_REQUESTS), then look once more so a request published meanwhile is not missed.
   */
  finalCheck(): number {
    this.grants.write32(this.ref, this.backend, RING.REQ_EVENT, (this.reqCons + 1) >>> 0);
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
  /** req_prod was past the ring, or the page went away: the caller must drop the ring. Responses written are published. */
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
  let broken = false;
  let n = ring.unconsumed();
  for (;;) {
    if (n < 0) break;
    if (n === 0) {
      n = ring.finalCheck();
      if (n <= 0) break;
    }
    for (; n > 0; n--) {
      const req = ring.take();
      if (req === null) {
        broken = true;
        break;
      }
      ring.respond(handle(req));
      served++;
    }
    if (ring.pushResponses()) notify = true;
    if (broken) break;
    n = ring.unconsumed();
  }
  if (ring.pushResponses()) notify = true;
  return { served, notify, broken: broken || n < 0 };
}
