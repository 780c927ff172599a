// Test harness for the split back-ends: a domain over a plain buffer with a frame table, a grant table and recorded events,
// and a front-end written in TypeScript after Xen's FRONT_RING_* macros (what sdk/include/ring.inc does in VX32).

import { GRANT_FLAG, PAGE_SIZE, RING, RING_SLOT_SIZE, RING_SLOTS } from '../../isa/abi.js';
import { GuestPhys } from '../../vmm/hv/memory/guest-phys.js';
import type { BackendDomain } from '../../vmm/hv/pv/backends/types.js';
import { FrameTable } from '../../vmm/hv/pv/frames.js';
import { GrantTable } from '../../vmm/hv/pv/grants.js';

export const RAM = 64 * PAGE_SIZE;

/** A domain's memory and the PV core's real frame and grant tables (no page tables, nothing reserved: every page grantable), with the events raised recorded. */
export class FakeDomain implements BackendDomain {
  readonly memory: GuestPhys;
  readonly raw: Uint8Array;
  readonly frames: FrameTable;
  readonly grants: GrantTable;
  /** Ports the back-ends notified, in order. */
  readonly events: number[] = [];

  constructor(size = RAM) {
    this.memory = new GuestPhys(new ArrayBuffer(size), 0, size);
    this.raw = this.memory.raw;
    this.frames = new FrameTable(this.memory);
    this.grants = new GrantTable(this.memory, this.frames);
  }

  /** The grant hypercall: a reference, or a negated HC_ERR. */
  grant(page: number, backend: number, readonly = false): number {
    return this.grants.grant(page, backend, readonly ? GRANT_FLAG.READONLY : 0);
  }

  revoke(ref: number): void {
    this.grants.revoke(ref);
  }

  notifyGuest(port: number): void {
    this.events.push(port);
  }
}

const diff = (a: number, b: number): number => (a - b) >>> 0;

/** The front-end half of a ring in guest memory: push requests, publish with notification check, read responses. */
export class FrontRing {
  private reqProdPvt: number;
  private rspCons: number;

  /** SHARED_RING_INIT + FRONT_RING_INIT: indices at `start`, events at start + 1. */
  constructor(
    readonly mem: GuestPhys,
    readonly page: number,
    start = 0,
  ) {
    this.reqProdPvt = this.rspCons = start >>> 0;
    mem.write32(page + RING.REQ_PROD, start);
    mem.write32(page + RING.RSP_PROD, start);
    mem.write32(page + RING.REQ_EVENT, start + 1);
    mem.write32(page + RING.RSP_EVENT, start + 1);
  }

  /** Room for another request (RING_FULL is false). */
  get free(): number {
    return RING_SLOTS - diff(this.reqProdPvt, this.rspCons);
  }

  /** Write a request into the next slot (not yet visible to the back-end). */
  put(words: readonly number[]): void {
    if (this.free <= 0) throw new Error('front-end ring full');
    const at = this.page + RING.SLOT0 + (this.reqProdPvt % RING_SLOTS) * RING_SLOT_SIZE;
    words.forEach((w, i) => this.mem.write32(at + 4 * i, w >>> 0));
    this.reqProdPvt = (this.reqProdPvt + 1) >>> 0;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish; true if the back-end asked to hear of these. */
  push(): boolean {
    const old = this.mem.read32(this.page + RING.REQ_PROD);
    const now = this.reqProdPvt;
    this.mem.write32(this.page + RING.REQ_PROD, now);
    return diff(now, this.mem.read32(this.page + RING.REQ_EVENT)) < diff(now, old);
  }

  /** Consume every published response: each as its first `words` u32 fields. */
  responses(words = 3): number[][] {
    const out: number[][] = [];
    const prod = this.mem.read32(this.page + RING.RSP_PROD);
    while (this.rspCons !== prod) {
      const at = this.page + RING.SLOT0 + (this.rspCons % RING_SLOTS) * RING_SLOT_SIZE;
      out.push(Array.from({ length: words }, (_, i) => this.mem.read32(at + 4 * i) | 0));
      this.rspCons = (this.rspCons + 1) >>> 0;
    }
    return out;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES's store: ask to be notified of the next response. */
  wantResponses(): void {
    this.mem.write32(this.page + RING.RSP_EVENT, this.rspCons + 1);
  }
}

/** Every byte of `after` equals `before`, outside the [start, end) ranges given. */
export function changedOutside(before: Uint8Array, after: Uint8Array, allowed: ReadonlyArray<readonly [number, number]>): number[] {
  const bad: number[] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    if (allowed.some(([s, e]) => i >= s && i < e)) continue;
    bad.push(i);
  }
  return bad;
}
