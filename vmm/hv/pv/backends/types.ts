// What a split-driver back-end needs from its domain (memory, grants, events) and what it reports.
//
// The hosted model: back-ends are TypeScript in the VMM. They run synchronously when the guest
// notifies them (an EVTCHN_SEND hypercall on the port bound to the back-end), and reach guest memory
// only through pages the guest granted them. Everything they read from shared memory is untrusted.

import type { GuestPhys } from '../../memory/guest-phys.js';

/** One entry of the domain's grant table, as a back-end sees it. */
export interface GrantEntry {
  /** Pseudo-physical (guest-physical) address of the granted page. */
  readonly page: number;
  /** The BACKEND id the page was granted to. */
  readonly backend: number;
  /** The back-end may only read the page. */
  readonly readonly: boolean;
}

/** The domain a back-end serves, as seen from the VMM. */
export interface BackendDomain {
  /** The guest's RAM (pseudo-physical addresses). */
  readonly memory: GuestPhys;
  /** A live grant, or null if `ref` is not a grant of this domain (never granted, revoked, out of range). */
  lookupGrant(ref: number): GrantEntry | null;
  /** Send an event to the guest on `port` (it becomes pending; the upcall follows if unmasked). */
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
  /** Notifications or connects refused: a ring whose indices or grant are bad (the ring is then dropped). */
  refused: number;
}

export function zeroBackendCounters(): BackendCounters {
  return { notificationsIn: 0, notificationsOut: 0, requests: 0, batches: 0, errors: 0, refused: 0 };
}

/** A back-end the PV hypercalls drive: DEVICE_CONNECT and EVTCHN_SEND on its port. */
export interface SplitBackend {
  /** BACKEND.* */
  readonly id: number;
  readonly name: 'console' | 'block' | 'net';
  readonly counters: BackendCounters;
  /**
   * DEVICE_CONNECT: attach the shared ring page (a grant ref), the event port, and for net the RX
   * ring's grant. Returns 0 or a negated HC_ERR; a refused connect leaves the back-end disconnected.
   */
  connect(ringRef: number, port: number, rxRingRef: number): number;
  /** The guest notified the back-end's port. Never throws, whatever the guest wrote. */
  notify(): void;
  /** Drop the connection (the domain is going away, or the ring broke). */
  disconnect(): void;
  readonly connected: boolean;
  /** The port the back-end notifies, or -1 when disconnected. */
  readonly port: number;
}
