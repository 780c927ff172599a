// What the block and net back-ends share: connecting to granted ring pages, serving the request ring on each
// notification, dropping the connection when a ring's indices or grant go bad, and notifying the front-end
// at most once per batch, when it asked.

import { HC_ERR, PAGE_SIZE } from '../../../../isa/abi.js';
import { grantedRange } from './grant-access.js';
import { BackRing, serveRing } from './ring.js';
import { zeroBackendCounters, type BackendCounters, type BackendDomain, type SplitBackend } from './types.js';

/** A ring page and the grant it came through (checked again before each use: it may be revoked). */
export interface GrantedRing {
  readonly ref: number;
  readonly ring: BackRing;
}

export abstract class RingBackend implements SplitBackend {
  abstract readonly id: number;
  abstract readonly name: 'console' | 'block' | 'net';
  readonly counters: BackendCounters = zeroBackendCounters();
  /** The request ring the front-end notifies about (net: TX). */
  protected main: GrantedRing | null = null;
  private eventPort = -1;

  constructor(protected readonly dom: BackendDomain) {}

  get connected(): boolean {
    return this.main !== null;
  }

  get port(): number {
    return this.eventPort;
  }

  /** Take one request (copied out of its slot) and return its response fields. */
  protected abstract handle(req: DataView): readonly number[];

  /** A ring page: the whole page must be granted to this back-end, writable (responses go there). */
  protected attach(ref: number): GrantedRing | number {
    const r = grantedRange(this.dom, this.id, ref, 0, PAGE_SIZE, true);
    return r.ok ? { ref, ring: new BackRing(this.dom.memory, r.gpa) } : -r.error;
  }

  /** The ring's grant still names the same writable page; else the connection is dropped. */
  protected usable(g: GrantedRing | null): g is GrantedRing {
    if (!g) return false;
    const again = grantedRange(this.dom, this.id, g.ref, 0, PAGE_SIZE, true);
    if (again.ok && again.gpa === g.ring.page) return true;
    this.breakConnection();
    return false;
  }

  connect(ringRef: number, port: number, _rxRingRef: number): number {
    if (this.main) return -HC_ERR.EBUSY;
    const main = this.attach(ringRef);
    if (typeof main === 'number') return this.refuseConnect(main);
    this.main = main;
    this.eventPort = port;
    return 0;
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
    if (!this.main) {
      this.counters.refused++;
      return;
    }
    if (!this.usable(this.main)) return;
    this.serve(this.main.ring);
  }

  /** One pass over a request ring; responses notified once if the front-end asked. */
  protected serve(ring: BackRing): void {
    const r = serveRing(ring, (req) => {
      this.counters.requests++;
      return this.handle(req);
    });
    if (r.served > 0) this.counters.batches++;
    if (r.notify) this.notifyGuest();
    if (r.broken) this.breakConnection();
  }

  /** Drop a connection whose front-end broke the protocol (bad indices, a revoked ring grant); it must connect again. */
  protected breakConnection(): void {
    this.counters.refused++;
    this.disconnect();
  }

  protected notifyGuest(): void {
    if (this.eventPort < 0) return;
    this.counters.notificationsOut++;
    this.dom.notifyGuest(this.eventPort);
  }
}
