// The console back-end: Xen's console ring (CONSRING in isa/abi.ts) in a page the guest granted, feeding the
// VM's console, and the VM's queued input (stdin) back to the guest.
//
// OUT: the front-end writes bytes at out_prod and notifies; the back-end copies out_cons..out_prod to the
// console and advances out_cons. IN: the back-end copies queued input at in_prod while there is room and
// notifies the front-end; it consumes to in_cons. The back-end's own indices (out_cons, in_prod) live here in
// TypeScript: taken from the page once at connect, then only written there for the guest to see. So a
// hostile page can only claim more bytes than a buffer holds, and then the ring is dropped.

import { BACKEND, CONSRING, CONSRING_IN_SIZE, CONSRING_OUT_SIZE, HC_ERR, PAGE_SIZE } from '../../../../isa/abi.js';
import { grantedRange } from './grant-access.js';
import { zeroBackendCounters, type BackendCounters, type BackendDomain, type SplitBackend } from './types.js';

const diff = (a: number, b: number): number => (a - b) >>> 0;

export interface ConsoleBackendCounters {
  bytesOut: number;
  bytesIn: number;
}

/** Where console bytes go, and where input comes from. */
export interface ConsoleHost {
  /** Bytes the guest wrote, in order. */
  write(bytes: Uint8Array): void;
  /** Up to `max` bytes of queued input, removed from the queue (empty if none). */
  takeInput(max: number): Uint8Array;
}

export class ConsoleBackend implements SplitBackend {
  readonly id = BACKEND.CONSOLE;
  readonly name = 'console' as const;
  readonly counters: BackendCounters = zeroBackendCounters();
  readonly console: ConsoleBackendCounters = { bytesOut: 0, bytesIn: 0 };
  private ref = -1;
  private page = -1;
  private eventPort = -1;
  private outCons = 0;
  private inProd = 0;

  constructor(
    private readonly dom: BackendDomain,
    private readonly host: ConsoleHost,
  ) {}

  get connected(): boolean {
    return this.page >= 0;
  }

  get port(): number {
    return this.eventPort;
  }

  connect(ringRef: number, port: number): number {
    if (this.connected) return -HC_ERR.EBUSY;
    const r = grantedRange(this.dom, this.id, ringRef, 0, PAGE_SIZE, true);
    if (!r.ok) {
      this.counters.refused++;
      return -r.error;
    }
    const m = this.dom.memory;
    this.ref = ringRef;
    this.page = r.gpa;
    this.eventPort = port;
    // Take over from wherever the front-end's indices stand (it may have written before connecting).
    this.outCons = m.read32(r.gpa + CONSRING.OUT_CONS);
    this.inProd = m.read32(r.gpa + CONSRING.IN_PROD);
    this.pushInput();
    return 0;
  }

  disconnect(): void {
    this.ref = -1;
    this.page = -1;
    this.eventPort = -1;
  }

  notify(): void {
    this.counters.notificationsIn++;
    if (!this.connected) {
      this.counters.refused++;
      return;
    }
    const again = grantedRange(this.dom, this.id, this.ref, 0, PAGE_SIZE, true);
    if (!again.ok || again.gpa !== this.page) return this.drop();
    if (!this.drainOutput()) return this.drop();
    this.pushInput();
  }

  /** Copy out_cons..out_prod to the console. False if out_prod is past the buffer. */
  private drainOutput(): boolean {
    const m = this.dom.memory;
    const prod = m.read32(this.page + CONSRING.OUT_PROD);
    const n = diff(prod, this.outCons);
    if (n > CONSRING_OUT_SIZE) return false;
    if (n === 0) return true;
    const bytes = new Uint8Array(n);
    const base = this.page + CONSRING.OUT;
    for (let i = 0; i < n; i++) bytes[i] = m.read(base + ((this.outCons + i) % CONSRING_OUT_SIZE), 1);
    this.outCons = prod;
    m.write32(this.page + CONSRING.OUT_CONS, this.outCons);
    this.counters.requests++;
    this.counters.batches++;
    this.console.bytesOut += n;
    this.host.write(bytes);
    return true;
  }

  /** Copy queued input into the IN buffer while there is room; notify the front-end if any moved. */
  private pushInput(): void {
    const m = this.dom.memory;
    const used = diff(this.inProd, m.read32(this.page + CONSRING.IN_CONS));
    if (used > CONSRING_IN_SIZE) return this.drop();
    const input = this.host.takeInput(CONSRING_IN_SIZE - used);
    if (input.length === 0) return;
    const base = this.page + CONSRING.IN;
    for (const b of input) {
      m.write(base + (this.inProd % CONSRING_IN_SIZE), 1, b);
      this.inProd = (this.inProd + 1) >>> 0;
    }
    m.write32(this.page + CONSRING.IN_PROD, this.inProd);
    this.console.bytesIn += input.length;
    this.counters.notificationsOut++;
    this.dom.notifyGuest(this.eventPort);
  }

  /** The front-end broke the ring (indices past a buffer, grant revoked): drop it until it connects again. */
  private drop(): void {
    this.counters.refused++;
    this.disconnect();
  }
}
