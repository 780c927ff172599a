// The shared-info page of a PV domain: words both the guest and the VMM read and write (isa/abi.ts SHINFO).
// The VMM's stores go through the frame table's checked path; the page is VMM-reserved, so it is never a
// page table and they always land (a refused one is counted there).

import { SHINFO } from '../../../isa/abi.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import type { FrameTable } from './frames.js';

/** The VMM's view of one domain's shared-info page, at a pseudo-physical address it reserved. */
export class SharedInfo {
  constructor(
    private readonly guest: GuestPhys,
    private readonly frames: FrameTable,
    /** Pseudo-physical address of the page. */
    readonly addr: number,
  ) {}

  get(field: keyof typeof SHINFO): number {
    return this.guest.read32(this.addr + SHINFO[field]);
  }

  set(field: keyof typeof SHINFO, value: number): void {
    this.frames.write32(this.addr + SHINFO[field], value >>> 0);
  }

  /** The virtual IF: events may be delivered while UPCALL_MASK is 0. A plain guest store changes it. */
  get masked(): boolean {
    return this.get('UPCALL_MASK') !== 0;
  }

  set masked(on: boolean) {
    this.set('UPCALL_MASK', on ? 1 : 0);
  }

  setTime(instructions: number): void {
    this.set('TIME_LO', instructions >>> 0);
    this.set('TIME_HI', Math.floor(instructions / 2 ** 32) >>> 0);
  }
}
