// Event channels of one PV domain: ports bound to virtual interrupts or back-ends, pending and mask bits
// in the shared-info page, and the rule for when the VMM may write them.
//
// The guest clears pending bits with a plain load and store, which the VMM could interleave with if it
// wrote the bitmap at any instruction boundary. So an event raised asynchronously (a timer tick, a
// back-end) is latched here and reaches the bitmap only at the guest's defined points: during a
// hypercall and when the VMM enters the upcall. UPCALL_PENDING, which the guest only ever clears, is set
// at once so that a guest that unmasks with a store can see that it should ask for its upcall.

import { EVT_BIND, EVTCHN_PORTS, HC_ERR } from '../../../isa/abi.js';
import type { SharedInfo } from './shared-info.js';
import { SnapshotStateError } from '../state-error.js';

export type BindKind = (typeof EVT_BIND)[keyof typeof EVT_BIND];

export interface Binding {
  readonly kind: BindKind;
  readonly which: number;
}

/** EventChannels.save(): the bindings, the latched bits and the counters. */
export interface SavedEvents {
  readonly ports: readonly (Binding | null)[];
  readonly latched: number;
  readonly raised: number;
  readonly coalesced: number;
}

export class EventChannels {
  private readonly ports: (Binding | null)[] = new Array<Binding | null>(EVTCHN_PORTS).fill(null);
  private latched = 0;
  /** Events raised, and events raised on a port already pending (coalesced, as in Xen). */
  raised = 0;
  coalesced = 0;

  constructor(private readonly shinfo: SharedInfo) {}

  save(): SavedEvents {
    return { ports: this.ports.map((b) => (b ? { ...b } : null)), latched: this.latched, raised: this.raised, coalesced: this.coalesced };
  }

  /** Put back what save() returned (the pending and mask bits are in shared info, in RAM). */
  restore(s: SavedEvents): void {
    if (s.ports.length !== EVTCHN_PORTS) throw new SnapshotStateError(`event channels: ${s.ports.length} ports, not ${EVTCHN_PORTS}`);
    s.ports.forEach((b, p) => (this.ports[p] = b ? { kind: b.kind, which: b.which } : null));
    this.latched = s.latched >>> 0;
    this.raised = s.raised;
    this.coalesced = s.coalesced;
  }

  /** Bind a new port (port 0 is never used, as in Xen). Returns the port or a negated HC_ERR. */
  bind(kind: number, which: number): number {
    if (kind !== EVT_BIND.VIRQ && kind !== EVT_BIND.BACKEND) return -HC_ERR.EINVAL;
    if (this.portOf(kind, which) >= 0) return -HC_ERR.EBUSY;
    for (let p = 1; p < EVTCHN_PORTS; p++) {
      if (this.ports[p] === null) {
        this.ports[p] = { kind, which };
        return p;
      }
    }
    return -HC_ERR.ENOSPC;
  }

  binding(port: number): Binding | null {
    return Number.isInteger(port) && port > 0 && port < EVTCHN_PORTS ? this.ports[port]! : null;
  }

  portOf(kind: BindKind, which: number): number {
    return this.ports.findIndex((b) => b !== null && b.kind === kind && b.which === which);
  }

  /** Mark `port` pending (from anywhere: a tick, a back-end, a hypercall). */
  raise(port: number): void {
    if (this.binding(port) === null) return;
    const bit = 1 << port;
    this.raised++;
    if ((this.latched | this.shinfo.get('EVT_PENDING')) & bit) this.coalesced++;
    this.latched |= bit;
    if (!(this.shinfo.get('EVT_MASK') & bit)) this.shinfo.set('UPCALL_PENDING', 1);
  }

  /** A defined point: move latched events into the guest's bitmap. */
  sync(): void {
    if (this.latched === 0) return;
    this.shinfo.set('EVT_PENDING', this.shinfo.get('EVT_PENDING') | this.latched);
    this.latched = 0;
  }

  mask(port: number): number {
    if (this.binding(port) === null) return -HC_ERR.ENOENT;
    this.shinfo.set('EVT_MASK', this.shinfo.get('EVT_MASK') | (1 << port));
    return 0;
  }

  /** Unmask; an event that became pending while masked now asks for the upcall. */
  unmask(port: number): number {
    if (this.binding(port) === null) return -HC_ERR.ENOENT;
    const bit = 1 << port;
    this.shinfo.set('EVT_MASK', this.shinfo.get('EVT_MASK') & ~bit);
    if ((this.shinfo.get('EVT_PENDING') | this.latched) & bit) this.shinfo.set('UPCALL_PENDING', 1);
    return 0;
  }

  /** An upcall is due: something unmasked is pending and the guest's virtual IF is on. */
  deliverable(): boolean {
    return !this.shinfo.masked && this.shinfo.get('UPCALL_PENDING') !== 0;
  }
}
