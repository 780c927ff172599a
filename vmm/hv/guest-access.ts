// Guest-virtual memory as the VMM reaches it: through the guest's own page tables, with its kernel's rights.
//
// Used to fetch the instruction a guest trapped on, to read its vector table and to build trap frames
// on its stack. Writes that land on a guest page-table page go through the shadow pager, so the
// shadow never goes stale because of the VMM's own stores.

import { CR0_PG, PF_ERR, VEC } from '../../isa/abi.js';
import { decode, type Decoded } from '../../isa/encoding.js';
import type { GuestPhys } from './memory/guest-phys.js';
import { walkGuest } from './memory/guest-walk.js';
import type { ShadowPager } from './memory/shadow.js';
import { GuestFault } from './privileged.js';

/** Where the guest's current page-table root and paging bit live (virtual or real, by technique). */
export interface GuestPaging {
  cr0(): number;
  cr3(): number;
}

const KERNEL_READ = { write: false, user: false, fetch: false } as const;
const KERNEL_WRITE = { write: true, user: false, fetch: false } as const;
const KERNEL_FETCH = { write: false, user: false, fetch: true } as const;

export class GuestAccess {
  /** Told of every store the VMM makes into guest RAM (a binary translator drops translations of that frame). */
  writeHook: ((gpa: number) => void) | null = null;

  constructor(
    private readonly guest: GuestPhys,
    private readonly paging: GuestPaging,
    private readonly shadow: ShadowPager | null,
  ) {}

  /** Guest-physical address of `va` for this access, or a GuestFault (#PF) the guest should see. */
  translate(va: number, access: { write: boolean; user: boolean; fetch: boolean }): number {
    const w = walkGuest(this.guest, this.paging.cr3(), (this.paging.cr0() & CR0_PG) !== 0, va, access, true);
    if (!w.ok) throw new GuestFault(VEC.PF, w.error, va >>> 0);
    if (!this.guest.contains(w.gpa, 1)) {
      // Not RAM (a device page or nothing): the VMM does not reach devices through guest-virtual addresses.
      const err = PF_ERR.P | (access.write ? PF_ERR.W : 0) | (access.user ? PF_ERR.U : 0) | (access.fetch ? PF_ERR.F : 0);
      throw new GuestFault(VEC.PF, err, va >>> 0);
    }
    return w.gpa;
  }

  /**
   * Guest-physical addresses of the four bytes at `va`. A word within one page takes one walk (and
   * faults at `va`, as the CPU's own access would); one that crosses a page is walked byte by byte,
   * lowest address first, as the CPU translates it.
   */
  private wordBytes(va: number, access: typeof KERNEL_READ | typeof KERNEL_WRITE | typeof KERNEL_FETCH): number[] {
    va >>>= 0;
    if ((va & 0xfff) <= 0xffc) {
      const gpa = this.translate(va, access);
      return [gpa, gpa + 1, gpa + 2, gpa + 3];
    }
    return [0, 1, 2, 3].map((i) => this.translate((va + i) >>> 0, access));
  }

  private readWord(va: number, access: typeof KERNEL_READ | typeof KERNEL_FETCH): number {
    const gpas = this.wordBytes(va, access);
    let v = 0;
    for (let i = 3; i >= 0; i--) v = (v << 8) | this.guest.read(gpas[i]!, 1);
    return v >>> 0;
  }

  read32(va: number): number {
    return this.readWord(va, KERNEL_READ);
  }

  write32(va: number, value: number): void {
    // Every byte is translated before any is stored, so a fault on the second page leaves the first untouched.
    const gpas = this.wordBytes(va, KERNEL_WRITE);
    if (gpas[3] === gpas[0]! + 3 && (gpas[0]! & 3) === 0) {
      this.store(gpas[0]!, 4, value);
      return;
    }
    gpas.forEach((gpa, i) => this.store(gpa, 1, (value >>> (8 * i)) & 0xff));
  }

  private store(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.writeHook?.(gpa);
    if (this.shadow?.isPageTable(gpa)) this.shadow.guestWrite(gpa, size, value);
    else this.guest.write(gpa, size, value);
  }

  /** Fetch and decode the instruction at `pc` (as the guest's kernel would fetch it). */
  fetch(pc: number): Decoded | null {
    const w = this.readWord(pc, KERNEL_FETCH);
    const d = decode(w);
    if (d === null || d.size === 4) return d;
    return decode(w, this.readWord((pc + 4) >>> 0, KERNEL_FETCH));
  }
}
