// What the block and net back-ends share: connecting to granted ring pages, serving the request ring on each
// notification, dropping the connection when a ring's indices or grant go bad, and notifying the front-end
// at most once per batch, when it asked.

import { HC_ERR, PAGE_SIZE } from '../../../../isa/abi.js';
import type { BackendId } from '../grants.js';
import { BackRing, serveRing, type SavedRing } from './ring.js';
import { SnapshotStateError } from '../../state-error.js';
import { zeroBackendCounters, type BackendCounters, type BackendDomain, type SplitBackend } from './types.js';

/** RingBackend.save(): the counters, and the connection (its port and request ring) while there is one. */
export interface SavedRingBackend {
  readonly counters: BackendCounters;
  readonly port: number;
  readonly main: SavedRing | null;
}

export abstract class RingBackend<S extends SavedRingBackend = SavedRingBackend> implements SplitBackend<S> {
  abstract readonly id: BackendId;
  abstract readonly name: 'console' | 'block' | 'net';
  readonly counters: BackendCounters = zeroBackendCounters();
  protected dom: BackendDomain | null = null;
  /** The request ring the front-end notifies about (net: TX). */
  protected main: BackRing | null = null;
  private eventPort = -1;

  get connected(): boolean {
    return this.main !== null;
  }

  get port(): number {
    return this.eventPort;
  }

  /** Take one request (copied out of its slot) and return its response fields. */
  protected abstract handle(req: DataView, dom: BackendDomain): readonly number[];

  /** A ring page: the whole page must be granted to this back-end, writable (responses go there). */
  protected attach(dom: BackendDomain, ref: number): BackRing | number {
    const r = dom.grants.lookup(ref, this.id, 0, PAGE_SIZE, true);
    return r < 0 ? r : new BackRing(dom.grants, ref, this.id);
  }

  connect(dom: BackendDomain, ringRef: number, port: number, _rxRingRef: number): number {
    if (this.main) return -HC_ERR.EBUSY;
    const main = this.attach(dom, ringRef);
    if (typeof main === 'number') return this.refuseConnect(main);
    this.dom = dom;
    this.main = main;
    this.eventPort = port;
    return 0;
  }

  reattach(dom: BackendDomain): void {
    this.dom = dom;
  }

  abstract save(): S;
  abstract restore(s: S): void;

  protected saveRing(): SavedRingBackend {
    return { counters: { ...this.counters }, port: this.eventPort, main: this.main?.save() ?? null };
  }

  protected restoreRing(s: SavedRingBackend): void {
    Object.assign(this.counters, s.counters);
    this.main = s.main ? this.ring(s.main) : null;
    this.eventPort = s.main ? s.port : -1;
  }

  /** A saved ring over the reattached domain's grants. */
  protected ring(s: SavedRing): BackRing {
    if (!this.dom) throw new SnapshotStateError(`the ${this.name} back-end was connected in the snapshot, but its domain never connected it`);
    return BackRing.restored(this.dom.grants, this.id, s);
  }

  protected refuseConnect(error: number): number {
    this.counters.refused++;
    return error;
  }

  disconnect(): void {
    this.main = null;
    this.eventPort = -1;
  }

  notify(): void {
    this.counters.notificationsIn++;
    if (!this.main || !this.dom) {
      this.counters.refused++;
      return;
    }
    this.serve(this.main, this.dom);
  }

  /** One pass over a request ring; responses notified once if the front-end asked. */
  protected serve(ring: BackRing, dom: BackendDomain): void {
    const r = serveRing(ring, (req) => {
      this.counters.requests++;
      return this.handle(req, dom);
    });
    if (r.served > 0) this.counters.batches++;
    if (r.notify) this.notifyGuest();
    if (r.broken) this.breakConnection();
  }

  /** Drop a connection whose front-end broke the protocol (bad indices, a revoked ring grant). */
  protected breakConnection(): void {
    this.counters.refused++;
    this.disconnect();
  }

  protected notifyGuest(): void {
    if (this.eventPort < 0 || !this.dom) return;
    this.counters.notificationsOut++;
    this.dom.notifyGuest(this.eventPort);
  }
}
