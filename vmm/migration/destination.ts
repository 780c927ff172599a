// The destination side of a live migration: checks each message against the protocol and assembles the arriving VM, page by page.
//
// It holds a partial VM (its RAM as the rounds fill it) until the switch-over brings the CPU, device
// and technique state; only then is there a VM to restore. Anything out of order, out of range or
// damaged is a MigrationStreamError, and the partial VM is simply dropped with this object.

import { PAGE_SIZE } from '../../isa/abi.js';
import { findTechnique } from '../hv/techniques/registry.js';
import { decodeSnapshot, SnapshotError, type Snapshot } from '../snapshot/format.js';
import { applyPages, MigrationStreamError, MSG, parseHello, parseRound, text, type Frame, type Hello } from './protocol.js';

export type ArrivalStep =
  /** Keep reading; send `reply` first if there is one. */
  | { readonly kind: 'more'; readonly reply?: { readonly type: 'welcome' | 'refuse'; readonly text: string } }
  /** The switch-over arrived: the whole VM, ready to restore. */
  | { readonly kind: 'switch'; readonly snapshot: Snapshot }
  /** The source called the migration off. */
  | { readonly kind: 'abort'; readonly reason: string };

export class Arrival {
  hello: Hello | null = null;
  private ram: Uint8Array | null = null;
  private round = -1;
  private roundPages = 0;
  private roundSeen = 0;
  /** Pages received so far, over every round. */
  pages = 0;
  rounds = 0;

  /** Take the next message from the source. */
  step(f: Frame): ArrivalStep {
    if (this.hello === null) {
      if (f.type !== MSG.HELLO) throw new MigrationStreamError(`the stream does not begin with a handshake (message ${f.type})`);
      const h = parseHello(f.payload);
      this.hello = h;
      if (!findTechnique(h.technique)) return { kind: 'more', reply: { type: 'refuse', text: `this vmlab has no technique ${h.technique}` } };
      if (h.ramSize <= 0 || h.ramSize % PAGE_SIZE !== 0 || h.ramSize > 1 << 30)
        throw new MigrationStreamError(`corrupt: the handshake claims ${h.ramSize} bytes of RAM`);
      this.ram = new Uint8Array(h.ramSize);
      return { kind: 'more', reply: { type: 'welcome', text: '' } };
    }
    switch (f.type) {
      case MSG.ROUND: {
        this.endRound();
        const r = parseRound(f.payload);
        if (r.round !== this.round + 1) throw new MigrationStreamError(`corrupt: round ${r.round} follows round ${this.round}`);
        if (r.pages > this.ram!.length / PAGE_SIZE) throw new MigrationStreamError(`corrupt: round ${r.round} claims ${r.pages} pages`);
        this.round = r.round;
        this.roundPages = r.pages;
        this.roundSeen = 0;
        this.rounds++;
        return { kind: 'more' };
      }
      case MSG.PAGES: {
        if (this.round < 0) throw new MigrationStreamError('corrupt: pages before the first round');
        const n = applyPages(f.payload, this.ram!);
        this.roundSeen += n;
        this.pages += n;
        if (this.roundSeen > this.roundPages)
          throw new MigrationStreamError(`corrupt: round ${this.round} brought more than its ${this.roundPages} pages`);
        return { kind: 'more' };
      }
      case MSG.SWITCH: {
        this.endRound();
        if (this.round < 0) throw new MigrationStreamError('corrupt: a switch-over before any page');
        let snap: Snapshot;
        try {
          snap = decodeSnapshot(f.payload);
        } catch (e) {
          if (e instanceof SnapshotError) throw new MigrationStreamError(`the switch-over state: ${e.message}`);
          throw e;
        }
        const vms = snap.run.state.vms;
        if (vms.length !== 1 || vms[0]!.ramSize !== this.ram!.length || snap.run.state.technique !== this.hello.technique)
          throw new MigrationStreamError('corrupt: the switch-over state is not the VM the handshake announced');
        return { kind: 'switch', snapshot: { ...snap, run: { ...snap.run, ram: [this.ram!] } } };
      }
      case MSG.ABORT:
        return { kind: 'abort', reason: text(f.payload) };
      default:
        throw new MigrationStreamError(`corrupt: message ${f.type} does not come from a source`);
    }
  }

  private endRound(): void {
    if (this.round >= 0 && this.roundSeen !== this.roundPages)
      throw new MigrationStreamError(`corrupt: round ${this.round} announced ${this.roundPages} pages and brought ${this.roundSeen}`);
  }
}
