// What a split-driver back-end needs from its domain (grant-checked guest memory, an event to the front-end)
// and what it counts.
//
// The hosted model: back-ends are TypeScript in the VMM. They run synchronously inside the guest's
// EVTCHN_SEND hypercall on the back-end's port, and reach guest memory only through the domain's grant
// table (vmm/hv/pv/grants.ts): by reference and offset, checked against the one page the guest granted
// to this back-end (writable if it is to be written). Everything they read from shared memory is untrusted.

import type { BackendId, Grant } from '../grants.js';

/** The grant table as a back-end uses it (vmm/hv/pv/grants.ts GrantTable): every access checked. */
export interface GrantAccess {
  get(ref: number): Grant | null;
  /** Pseudo-physical address of [offset, offset + len) in grant `ref` held by `backend`, or a negated HC_ERR. */
  lookup(ref: number, backend: BackendId, offset: number, len: number, write: boolean): number;
  /** A copy of the bytes, or a negated HC_ERR. */
  read(ref: number, backend: BackendId, offset: number, len: number): Uint8Array | number;
  /** 0 or a negated HC_ERR (nothing written). */
  write(ref: number, backend: BackendId, offset: number, data: Uint8Array): number;
  /** The word, or null if refused. */
  read32(ref: number, backend: BackendId, offset: number): number | null;
  write32(ref: number, backend: BackendId, offset: number, value: number): number;
}

/** The domain a connected back-end serves. */
export interface BackendDomain {
  readonly grants: GrantAccess;
  /** Send an event to the front-end on `port` (pending; the upcall follows if unmasked). */
  notifyGuest(port: number): void;
}

/** Counters every back-end keeps. */
export interface BackendCounters {
  /** Notifications from the front-end (each one an EVTCHN_SEND hypercall). */
  notificationsIn: number;
  /** Notifications to the front-end (events raised on its port). */
  notificationsOut: number;
  /** Requests taken off the ring (console: output batches). */
  requests: number;
  /** Passes that found at least one request: one notification should cover each. */
  batches: number;
  /** Requests answered with an error status. */
  errors: number;
  /** Notifications or connects refused, and rings dropped for bad indices or a revoked grant. */
  refused: number;
}

export function zeroBackendCounters(): BackendCounters {
  return { notificationsIn: 0, notificationsOut: 0, requests: 0, batches: 0, errors: 0, refused: 0 };
}

/** A back-end the PV hypercalls drive: DEVICE_CONNECT, then EVTCHN_SEND on its port. */
export interface SplitBackend<S = unknown> {
  readonly id: BackendId;
  readonly name: 'console' | 'block' | 'net';
  readonly counters: BackendCounters;
  /**
   * DEVICE_CONNECT: attach the shared ring page (a grant ref), the event port, and for net the RX ring's
   * grant. Returns >= 0 (block: the capacity in sectors) or a negated HC_ERR; a refused connect leaves
   * the back-end disconnected.
   */
  connect(dom: BackendDomain, ringRef: number, port: number, rxRingRef: number): number;
  /** The guest notified the back-end's port. Never throws, whatever the guest wrote. */
  notify(): void;
  /**
   * A restored domain's connection wiring (its grant table, its event to the front-end), without touching
   * the rings: restore() then puts back the back-end's own state. Only a snapshot's restore calls it.
   */
  reattach(dom: BackendDomain): void;
  /** The back-end's own state as plain data: counters, and the connection's rings and indices. */
  save(): S;
  /** Put back what save() returned, after reattach() for a back-end that was connected. */
  restore(s: S): void;
  /** Drop the connection; later notifications are refused. */
  disconnect(): void;
  readonly connected: boolean;
  /** The port the back-end notifies, or -1 when disconnected. */
  readonly port: number;
}
