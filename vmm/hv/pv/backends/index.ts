// The split back-ends of one PV domain (console, block, net), created together, found by BACKEND id, and reported.

import { BACKEND } from '../../../../isa/abi.js';
import { BlockBackend } from './block.js';
import { ConsoleBackend, type ConsoleHost } from './console.js';
import { NetBackend } from './net.js';
import type { BackendDomain, SplitBackend } from './types.js';

export class SplitDevices {
  readonly console: ConsoleBackend;
  readonly block: BlockBackend;
  readonly net: NetBackend;

  constructor(dom: BackendDomain, opts: { disk: Uint8Array; console: ConsoleHost }) {
    this.console = new ConsoleBackend(dom, opts.console);
    this.block = new BlockBackend(dom, opts.disk);
    this.net = new NetBackend(dom);
  }

  /** The back-end a DEVICE_CONNECT or an event channel names, or null for an unknown id. */
  byId(id: number): SplitBackend | null {
    switch (id) {
      case BACKEND.CONSOLE:
        return this.console;
      case BACKEND.BLOCK:
        return this.block;
      case BACKEND.NET:
        return this.net;
      default:
        return null;
    }
  }

  get all(): readonly SplitBackend[] {
    return [this.console, this.block, this.net];
  }

  /** Notifications both ways, over every back-end. */
  get notifications(): number {
    return this.all.reduce((n, b) => n + b.counters.notificationsIn + b.counters.notificationsOut, 0);
  }

  get batches(): number {
    return this.all.reduce((n, b) => n + b.counters.batches, 0);
  }

  /** Packets moved (sent and received) and block requests served: the units exits are counted per. */
  get packets(): number {
    return this.net.net.packetsTx + this.net.net.packetsRx;
  }

  get blockRequests(): number {
    return this.block.counters.requests;
  }

  /** Per back-end counters for a run's stats. */
  report(): Record<string, Record<string, number>> {
    return {
      console: { ...this.console.counters, ...this.console.console },
      block: { ...this.block.counters, ...this.block.block },
      net: { ...this.net.counters, ...this.net.net },
    };
  }
}

export type { BackendDomain, SplitBackend } from './types.js';
export type { ConsoleHost } from './console.js';
