// The net back-end: a TX ring of packets to send and an RX ring of empty buffers, both in pages the guest
// granted, with a host-side loopback far end that tests observe (`wire.sent`, `wire.inject()`).
//
// It matches the emulated NIC's far end (vmm/devices/nic.ts Loopback): packets reach `wire.sent` in the
// order the guest queued them; an injected packet lands in the next posted RX buffer, or is dropped and
// counted when there is none. TX is served when the front-end notifies; RX when the host injects, so the
// back-end never asks to be notified of new RX buffers (their req_event is left alone).

import { BACKEND, HC_ERR, IF_STATUS_OK, NETIF_REQ, NETIF_RSP, NIC_MAX_PACKET } from '../../../../isa/abi.js';
import { grantedRange } from './grant-access.js';
import { RingBackend, type GrantedRing } from './ring-backend.js';
import type { BackendDomain } from './types.js';

export interface NetBackendCounters {
  packetsTx: number;
  packetsRx: number;
  /** Injected packets with no usable RX buffer (none posted, too small, a bad grant). */
  rxDrops: number;
}

/** The far end of the split NIC, as the emulated NIC's Loopback: what the guest sent, and a way to send to it. */
export interface SplitWire {
  readonly sent: Uint8Array[];
  inject(packet: Uint8Array): boolean;
}

/** A NETIF response: id, status, length. */
function response(id: number, status: number, len: number): number[] {
  const r: number[] = [];
  r[NETIF_RSP.ID / 4] = id;
  r[NETIF_RSP.STATUS / 4] = status;
  r[NETIF_RSP.LEN / 4] = len;
  return r;
}

export class NetBackend extends RingBackend {
  readonly id = BACKEND.NET;
  readonly name = 'net' as const;
  readonly net: NetBackendCounters = { packetsTx: 0, packetsRx: 0, rxDrops: 0 };
  readonly wire: SplitWire;
  private rx: GrantedRing | null = null;

  constructor(dom: BackendDomain) {
    super(dom);
    const sent: Uint8Array[] = [];
    this.wire = { sent, inject: (p) => this.receive(p) };
  }

  override connect(txRingRef: number, port: number, rxRingRef: number): number {
    if (this.main) return -HC_ERR.EBUSY;
    const rx = this.attach(rxRingRef);
    if (typeof rx === 'number') return this.refuseConnect(rx);
    if (rx.ring.page === this.dom.lookupGrant(txRingRef)?.page) return this.refuseConnect(-HC_ERR.EINVAL);
    const r = super.connect(txRingRef, port, rxRingRef);
    if (r === 0) this.rx = rx;
    return r;
  }

  override disconnect(): void {
    super.disconnect();
    this.rx = null;
  }

  /** A TX request: send the packet in the granted page. */
  protected handle(req: DataView): readonly number[] {
    const id = req.getUint32(NETIF_REQ.ID, true);
    const len = req.getUint32(NETIF_REQ.LEN, true);
    if (len === 0 || len > NIC_MAX_PACKET) return this.fail(id, HC_ERR.EINVAL);
    const range = grantedRange(this.dom, this.id, req.getUint32(NETIF_REQ.GREF, true), req.getUint32(NETIF_REQ.OFFSET, true), len, false);
    if (!range.ok) return this.fail(id, range.error);
    this.wire.sent.push(this.dom.memory.slice(range.gpa, len));
    this.net.packetsTx++;
    return response(id, IF_STATUS_OK, len);
  }

  private fail(id: number, error: number): number[] {
    this.counters.errors++;
    return response(id, -error, 0);
  }

  /** A packet from the far end: into the next posted RX buffer. False if it was dropped. */
  private receive(packet: Uint8Array): boolean {
    const rx = this.rx;
    if (!this.main || packet.length === 0 || packet.length > NIC_MAX_PACKET || !this.usable(rx)) return this.drop();
    const ring = rx.ring;
    const n = ring.unconsumed();
    if (n < 0) {
      this.breakConnection();
      return this.drop();
    }
    if (n === 0) return this.drop();
    this.counters.requests++;
    this.counters.batches++;
    const req = ring.take();
    const id = req.getUint32(NETIF_REQ.ID, true);
    const room = req.getUint32(NETIF_REQ.LEN, true);
    const range = grantedRange(this.dom, this.id, req.getUint32(NETIF_REQ.GREF, true), req.getUint32(NETIF_REQ.OFFSET, true), room, true);
    let delivered = false;
    if (!range.ok) ring.respond(this.fail(id, range.error));
    else if (packet.length > room) ring.respond(this.fail(id, HC_ERR.E2BIG));
    else {
      this.dom.memory.copyIn(range.gpa, packet);
      this.net.packetsRx++;
      ring.respond(response(id, IF_STATUS_OK, packet.length));
      delivered = true;
    }
    if (ring.pushResponses()) this.notifyGuest();
    return delivered || this.drop();
  }

  private drop(): false {
    this.net.rxDrops++;
    return false;
  }
}
