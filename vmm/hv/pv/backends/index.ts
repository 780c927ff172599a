// The split back-ends of one PV domain (console, block, net): created together per VM, plugged into the PV core
// as a BackendSet (vmm/hv/pv/backend.ts), found by BACKEND id, and reported in the run's stats.

import { BACKEND } from '../../../../isa/abi.js';
import type { PacketCapture } from '../../../devices/capture.js';
import type { Platform } from '../../../platform.js';
import type { BackendSet } from '../backend.js';
import type { BackendId } from '../grants.js';
import { BlockBackend, type SavedBlockBackend } from './block.js';
import { ConsoleBackend, type ConsoleHost, type SavedConsoleBackend } from './console.js';
import { NetBackend, type SavedNetBackend } from './net.js';
import type { SplitBackend } from './types.js';

export interface SplitDevicesOptions {
  /** The disk, used in place. */
  readonly disk: Uint8Array;
  readonly console: ConsoleHost;
  /** Where sent packets are recorded (default: a fresh capture, `net.wire`). */
  readonly capture?: PacketCapture;
}

/** SplitDevices.save(). */
export interface SavedSplitDevices {
  readonly console: SavedConsoleBackend;
  readonly block: SavedBlockBackend;
  readonly net: SavedNetBackend;
}

export class SplitDevices {
  readonly console: ConsoleBackend;
  readonly block: BlockBackend;
  readonly net: NetBackend;

  constructor(opts: SplitDevicesOptions) {
    this.console = new ConsoleBackend(opts.console);
    this.block = new BlockBackend(opts.disk);
    this.net = new NetBackend(opts.capture);
  }

  /**
   * A VM's back-ends over its platform: the console is the VM's console (input: its queued stdin), the
   * disk is its block image (--block, or the default zeroed disk), and sent packets land on its NIC's
   * loopback wire, so `platform.wire.sent` reads the same under --devices emulated and split.
   */
  static forPlatform(p: Platform): SplitDevices {
    return new SplitDevices({
      disk: p.block.disk,
      capture: p.wire.capture,
      console: {
        write: (bytes) => {
          for (const b of bytes) p.writeConsole(b);
        },
        takeInput: (max) => Uint8Array.from(p.uart.state.rx.splice(0, max)),
      },
    });
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

  /**
   * These back-ends as the PV core takes them: device_connect connects the named one (its result, e.g.
   * the block capacity, goes back to the guest), and evtchn_send on its port calls notify().
   */
  backendSet(): BackendSet {
    const factory = (id: BackendId): BackendSet[keyof BackendSet] => (host, conn, resumed) => {
      const b = this.byId(id)!;
      const dom = { grants: host.grants, notifyGuest: () => host.raise() };
      if (resumed) {
        b.reattach(dom);
        return { notify: () => b.notify() };
      }
      const r = b.connect(dom, conn.ring, conn.port, conn.ring2);
      return r < 0 ? r : { notify: () => b.notify(), connectResult: r };
    };
    return { CONSOLE: factory(BACKEND.CONSOLE), BLOCK: factory(BACKEND.BLOCK), NET: factory(BACKEND.NET) };
  }

  /** Every back-end's own state, as plain data (a snapshot); the connections' wiring is the PV core's. */
  save(): SavedSplitDevices {
    return { console: this.console.save(), block: this.block.save(), net: this.net.save() };
  }

  /** Put back what save() returned, once the restored domain has reattached the back-ends it had connected. */
  restore(s: SavedSplitDevices): void {
    this.console.restore(s.console);
    this.block.restore(s.block);
    this.net.restore(s.net);
  }

  /** Notifications both ways, over every back-end. */
  get notifications(): number {
    return this.all.reduce((n, b) => n + b.counters.notificationsIn + b.counters.notificationsOut, 0);
  }

  get batches(): number {
    return this.all.reduce((n, b) => n + b.counters.batches, 0);
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

export type { BackendDomain, GrantAccess, SplitBackend } from './types.js';
export type { ConsoleHost } from './console.js';
