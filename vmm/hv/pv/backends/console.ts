// The console back-end: Xen's console ring (CONSRING in isa/abi.ts) in a page the guest granted, feeding the
// VM's console, and the VM's queued input (stdin) back to the guest.
//
// OUT: the front-end writes bytes at out_prod and notifies; the back-end copies out_cons..out_prod to the
// console and advances out_cons. IN: the back-end copies queued input at in_prod while there is room and
// notifies the front-end; it consumes to in_cons. The back-end's own indices (out_cons, in_prod) live here
// in TypeScript: taken from the page once at connect, then only written there for the guest to see. So a
// hostile page can only claim more bytes than a buffer holds, and then the ring is dropped. The console
// ring has no event indices (as in Xen): the front-end notifies after each write; the back-end notifies
// only when it delivered input (in the hosted model the output is drained before the notify returns).

import { BACKEND, CONSRING, CONSRING_IN_SIZE, CONSRING_OUT_SIZE, HC_ERR, PAGE_SIZE } from '../../../../isa/abi.js';
import { SnapshotStateError } from '../../state-error.js';
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

/** ConsoleBackend.save(): the counters, and the connection (ring grant, port, the back-end's own indices) if any. */
export interface SavedConsoleBackend {
  readonly counters: BackendCounters;
  readonly console: ConsoleBackendCounters;
  readonly connection: { readonly ref: number; readonly port: number; readonly outCons: number; readonly inProd: number } | null;
}

export class ConsoleBackend implements SplitBackend<SavedConsoleBackend> {
  readonly id = BACKEND.CONSOLE;
  readonly name = 'console' as const;
  readonly counters: BackendCounters = zeroBackendCounters();
  readonly console: ConsoleBackendCounters = { bytesOut: 0, bytesIn: 0 };
  private dom: BackendDomain | null = null;
  private ref = -1;
  private eventPort = -1;
  private outCons = 0;
  private inProd = 0;

  constructor(private readonly host: ConsoleHost) {}

  get connected(): boolean {
    return this.dom !== null;
  }

  get port(): number {
    return this.eventPort;
  }

  connect(dom: BackendDomain, ringRef: number, port: number): number {
    if (this.dom) return -HC_ERR.EBUSY;
    const r = dom.grants.lookup(ringRef, this.id, 0, PAGE_SIZE, true);
    if (r < 0) {
      this.counters.refused++;
      return r;
    }
    this.dom = dom;
    this.ref = ringRef;
    this.eventPort = port;
    // Take over from wherever the front-end's indices stand (it may have written before connecting).
    this.outCons = this.word(CONSRING.OUT_CONS) ?? 0;
    this.inProd = this.word(CONSRING.IN_PROD) ?? 0;
    this.pushInput();
    return 0;
  }

  reattach(dom: BackendDomain): void {
    this.dom = dom;
  }

  save(): SavedConsoleBackend {
    return {
      counters: { ...this.counters },
      console: { ...this.console },
      connection: this.dom ? { ref: this.ref, port: this.eventPort, outCons: this.outCons, inProd: this.inProd } : null,
    };
  }

  restore(s: SavedConsoleBackend): void {
    Object.assign(this.counters, s.counters);
    Object.assign(this.console, s.console);
    const c = s.connection;
    if (c && !this.dom) throw new SnapshotStateError('the console back-end was connected in the snapshot, but its domain never connected it');
    if (!c) return this.disconnect();
    this.ref = c.ref;
    this.eventPort = c.port;
    this.outCons = c.outCons >>> 0;
    this.inProd = c.inProd >>> 0;
  }

  disconnect(): void {
    this.dom = null;
    this.ref = -1;
    this.eventPort = -1;
  }

  notify(): void {
    this.counters.notificationsIn++;
    if (!this.dom) {
      this.counters.refused++;
      return;
    }
    if (this.drainOutput()) this.pushInput();
  }

  private word(offset: number): number | null {
    return this.dom ? this.dom.grants.read32(this.ref, this.id, offset) : null;
  }

  /** Copy out_cons..out_prod to the console. False (ring dropped) if out_prod is past the buffer or the page is gone. */
  private drainOutput(): boolean {
    const dom = this.dom!;
    const prod = this.word(CONSRING.OUT_PROD);
    if (prod === null) return this.drop();
    const n = diff(prod, this.outCons);
    if (n > CONSRING_OUT_SIZE) return this.drop();
    if (n === 0) return true;
    // At most two spans: up to the end of OUT, then from its start.
    const from = this.outCons % CONSRING_OUT_SIZE;
    const first = Math.min(n, CONSRING_OUT_SIZE - from);
    const a = dom.grants.read(this.ref, this.id, CONSRING.OUT + from, first);
    const b = dom.grants.read(this.ref, this.id, CONSRING.OUT, n - first);
    if (typeof a === 'number' || typeof b === 'number') return this.drop();
    const bytes = new Uint8Array(n);
    bytes.set(a);
    bytes.set(b, first);
    this.outCons = prod;
    dom.grants.write32(this.ref, this.id, CONSRING.OUT_CONS, this.outCons);
    this.counters.requests++;
    this.counters.batches++;
    this.console.bytesOut += n;
    this.host.write(bytes);
    return true;
  }

  /** Copy queued input into IN while there is room; notify the front-end if any moved. */
  private pushInput(): void {
    const dom = this.dom;
    const cons = this.word(CONSRING.IN_CONS);
    if (!dom || cons === null) return void this.drop();
    const used = diff(this.inProd, cons);
    if (used > CONSRING_IN_SIZE) return void this.drop();
    const input = this.host.takeInput(CONSRING_IN_SIZE - used);
    if (input.length === 0) return;
    for (const byte of input) {
      dom.grants.write(this.ref, this.id, CONSRING.IN + (this.inProd % CONSRING_IN_SIZE), Uint8Array.of(byte));
      this.inProd = (this.inProd + 1) >>> 0;
    }
    dom.grants.write32(this.ref, this.id, CONSRING.IN_PROD, this.inProd);
    this.console.bytesIn += input.length;
    this.counters.notificationsOut++;
    dom.notifyGuest(this.eventPort);
  }

  /** The front-end broke the ring (indices past a buffer, grant revoked): drop it. */
  private drop(): false {
    this.counters.refused++;
    this.disconnect();
    return false;
  }
}
