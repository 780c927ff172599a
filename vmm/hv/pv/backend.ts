// The interface between the PV core and the split-driver back-ends in the VMM (hosted model): what a
// back-end gets for one domain, what it must implement, and the set a hypervisor is built with.
//
// A back-end is created by device_connect with the front-end's ring grant and event port. It reaches
// guest memory only through the domain's grant table (by reference, bounds-checked), and notifies the
// front-end with `raise()`, which sets the event pending (delivered at the guest's next defined point).

import { BACKEND } from '../../../isa/abi.js';
import type { Platform } from '../../platform.js';
import type { BackendId, GrantTable } from './grants.js';

export type BackendName = keyof typeof BACKEND;

/** What device_connect passed: r2 = ring grant (net: TX ring), r3 = event port, r4 = net RX ring grant. */
export interface Connection {
  readonly backend: BackendId;
  readonly ring: number;
  readonly port: number;
  readonly ring2: number;
}

/** What a back-end may use for the domain it serves. */
export interface BackendHost {
  /** The VM's name, for messages. */
  readonly vm: string;
  /** Grant references -> guest memory (lookup/read/write/read32/write32 with this back-end's id). */
  readonly grants: GrantTable;
  /** The VM's devices on the host side: the block image, the NIC's loopback wire, the console. */
  readonly platform: Platform;
  /** Notify the front-end: set the connection's event port pending. */
  raise(): void;
  /** Append bytes to the VM's console (the console back-end's output). */
  console(bytes: Uint8Array): void;
}

export interface Backend {
  /** The front-end sent an event on the connection's port (evtchn_send). Must never throw for guest input. */
  notify(): void;
  /** What device_connect returns to the guest on success (default 0), e.g. a block device's capacity. */
  readonly connectResult?: number;
}

/**
 * Creates the back-end for a connection, or returns a negated HC_ERR (e.g. a bad ring grant). `resumed`:
 * a restored domain rebuilds a connection it had made, with no side effect (the back-end's own state is
 * put back separately, from the snapshot).
 */
export type BackendFactory = (host: BackendHost, conn: Connection, resumed?: boolean) => Backend | number;

/** The back-ends a hypervisor offers, by name (`--devices split` supplies them; empty otherwise). */
export type BackendSet = Partial<Record<BackendName, BackendFactory>>;

export function backendName(id: BackendId): BackendName {
  return (Object.keys(BACKEND) as BackendName[]).find((k) => BACKEND[k] === id)!;
}
