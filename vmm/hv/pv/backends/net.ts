// The net back-end: a TX ring of packets to send and an RX ring of empty buffers, both in pages the guest
// granted, with a host-side loopback far end that tests observe (`wire.sent`, `wire.inject()`).
//
// It behaves like the emulated NIC with its Loopback (vmm/devices/nic.ts): packets reach `wire.sent` in
// the order the guest queued them (under a hypervisor, the same capture as the VM's platform.wire, which
// keeps the first VM_LIMITS.WIRE_CAPTURE_PACKETS and counts the rest);
// an injected packet lands in the next posted RX buffer, or is dropped and counted when there is none;
// queued packets (a far end that retries) wait for buffers. TX is served when the front-end notifies.
// RX buffers are taken when packets arrive, so the back-end asks to hear of newly posted buffers (sets
// the RX ring's req_event) only while queued packets are waiting for them.

import { BACKEND, HC_ERR, IF_STATUS_OK, NETIF_REQ, NETIF_RSP, NIC_MAX_PACKET } from '../../../../isa/abi.js';
import { PacketCapture } from '../../../devices/capture.js';
import type { BackRing, SavedRing } from './ring.js';
import { RingBackend, type SavedRingBackend } from './ring-backend.js';
import type { BackendDomain } from './types.js';

export interface NetBackendCounters {
  packetsTx: number;
  packetsRx: number;
  /** Injected packets with no usable RX buffer (none posted, too small, a bad grant). */
  rxDrops: number;
}

/** The far end of the split NIC, as the emulated NIC's Loopback: what the guest sent, and ways to send to it. */
export interface SplitWire {
  /** The packets the capture kept, in order. */
  readonly sent: Uint8Array[];
  readonly capture: PacketCapture;
  /** Deliver a packet now; false if it was dropped (no RX buffer posted, or too big for it). */
  inject(packet: Uint8Array): boolean;
  /** Send these packets, in order, each once the front-end has posted a buffer for it (never dropped for lack of one). */
  queue(packets: readonly Uint8Array[]): void;
  /** Queued packets not yet delivered. */
  readonly pending: number;
}

/** A NETIF response: id, status, length. */
function response(id: number, status: number, len: number): number[] {
  const r: number[] = [];
  r[NETIF_RSP.ID / 4] = id;
  r[NETIF_RSP.STATUS / 4] = status;
  r[NETIF_RSP.LEN / 4] = len;
  return r;
}

/** NetBackend.save(): the ring back-end's state (TX), the RX ring, the counters and the packets waiting for buffers. */
export interface SavedNetBackend extends SavedRingBackend {
  readonly net: NetBackendCounters;
  readonly rx: SavedRing | null;
  readonly waiting: number[][];
}

export class NetBackend extends RingBackend<SavedNetBackend> {
  readonly id = BACKEND.NET;
  readonly name = 'net' as const;
  readonly net: NetBackendCounters = { packetsTx: 0, packetsRx: 0, rxDrops: 0 };
  readonly wire: SplitWire;
  private rx: BackRing | null = null;
  private readonly waiting: Uint8Array[] = [];

  /** `capture`: where transmitted packets are recorded (a VM's platform.wire.capture, or a fresh one). */
  constructor(capture: PacketCapture = new PacketCapture()) {
    super();
    const waiting = this.waiting;
    this.wire = {
      get sent() {
        return capture.packets;
      },
      capture,
      inject: (p) => this.inject(p),
      queue: (ps) => {
        waiting.push(...ps);
        this.rxReady();
      },
      get pending() {
        return waiting.length;
      },
    };
  }

  override connect(dom: BackendDomain, txRingRef: number, port: number, rxRingRef: number): number {
    if (this.main) return -HC_ERR.EBUSY;
    const rx = this.attach(dom, rxRingRef);
    if (typeof rx === 'number') return this.refuseConnect(rx);
    // One page for both rings would let RX responses overwrite TX requests.
    if (dom.grants.get(rxRingRef)?.page === dom.grants.get(txRingRef)?.page) return this.refuseConnect(-HC_ERR.EINVAL);
    const r = super.connect(dom, txRingRef, port, rxRingRef);
    if (r === 0) {
      this.rx = rx;
      this.rxReady(); // buffers posted before connecting may take queued packets at once
    }
    return r;
  }

  save(): SavedNetBackend {
    return { ...this.saveRing(), net: { ...this.net }, rx: this.rx?.save() ?? null, waiting: this.waiting.map((p) => Array.from(p)) };
  }

  restore(s: SavedNetBackend): void {
    this.restoreRing(s);
    Object.assign(this.net, s.net);
    this.rx = s.rx && s.main ? this.ring(s.rx) : null;
    this.waiting.splice(0, this.waiting.length, ...s.waiting.map((p) => Uint8Array.from(p)));
  }

  /** TX first; then the front-end may have posted RX buffers that queued packets wait for. */
  override notify(): void {
    super.notify();
    this.rxReady();
  }

  override disconnect(): void {
    super.disconnect();
    this.rx = null;
  }

  /** A TX request: send the packet in the granted page. */
  protected handle(req: DataView, dom: BackendDomain): readonly number[] {
    const id = req.getUint32(NETIF_REQ.ID, true);
    const len = req.getUint32(NETIF_REQ.LEN, true);
    if (len === 0 || len > NIC_MAX_PACKET) return this.fail(id, -HC_ERR.EINVAL);
    const data = dom.grants.read(req.getUint32(NETIF_REQ.GREF, true), this.id, req.getUint32(NETIF_REQ.OFFSET, true), len);
    if (typeof data === 'number') return this.fail(id, data);
    this.wire.capture.record(data);
    this.net.packetsTx++;
    return response(id, IF_STATUS_OK, len);
  }

  private fail(id: number, status: number): number[] {
    this.counters.errors++;
    return response(id, status, 0);
  }

  /** A packet from the far end, now: into the next posted RX buffer. False if it was dropped. */
  private inject(packet: Uint8Array): boolean {
    const delivered = this.receive(packet);
    this.afterReceive(delivered === null ? 0 : 1);
    return delivered === true;
  }

  /** Deliver queued packets while RX buffers are posted; one batch, at most one notification. */
  private rxReady(): void {
    let taken = 0;
    while (this.waiting.length > 0) {
      const p = this.waiting[0]!;
      // One no front-end could ever take goes now, dropped, as the emulated NIC's far end does.
      if (p.length > 0 && p.length <= NIC_MAX_PACKET) {
        const rx = this.rx;
        if (!rx || !this.dom) break;
        let n = rx.unconsumed();
        // None posted: ask to be told when the front-end posts one (req_event), then look again.
        if (n === 0) n = rx.finalCheck();
        if (n === 0) break;
      }
      this.waiting.shift();
      if (this.receive(p) !== null) taken++;
    }
    this.afterReceive(taken);
  }

  /** Publish RX responses and notify the front-end if it asked; `taken` buffers were used. */
  private afterReceive(taken: number): void {
    if (taken > 0) this.counters.batches++;
    if (this.rx?.pushResponses()) this.notifyGuest();
  }

  /**
   * Fill the next posted RX buffer with `packet` and write its response (not yet published). True if
   * delivered; false if the buffer came back with an error status (dropped); null if no buffer was taken.
   */
  private receive(packet: Uint8Array): boolean | null {
    const { rx, dom } = this;
    if (!rx || !dom || packet.length === 0 || packet.length > NIC_MAX_PACKET) return this.drop(null);
    const n = rx.unconsumed();
    if (n < 0) {
      this.breakConnection();
      return this.drop(null);
    }
    if (n === 0) return this.drop(null);
    const req = rx.take();
    if (req === null) {
      this.breakConnection();
      return this.drop(null);
    }
    this.counters.requests++;
    const id = req.getUint32(NETIF_REQ.ID, true);
    const ref = req.getUint32(NETIF_REQ.GREF, true);
    const offset = req.getUint32(NETIF_REQ.OFFSET, true);
    const room = req.getUint32(NETIF_REQ.LEN, true);
    // The whole posted buffer must be a writable grant, whatever the packet's size.
    const where = dom.grants.lookup(ref, this.id, offset, room, true);
    if (where < 0) rx.respond(this.fail(id, where));
    else if (packet.length > room) rx.respond(this.fail(id, -HC_ERR.E2BIG));
    else if (dom.grants.write(ref, this.id, offset, packet) < 0) rx.respond(this.fail(id, -HC_ERR.EFAULT));
    else {
      this.net.packetsRx++;
      rx.respond(response(id, IF_STATUS_OK, packet.length));
      return true;
    }
    return this.drop(false);
  }

  private drop<T extends false | null>(result: T): T {
    this.net.rxDrops++;
    return result;
  }
}
