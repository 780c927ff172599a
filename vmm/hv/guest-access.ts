// Guest-virtual memory as the VMM reaches it: through the guest's own page tables, with the guest's rights.
//
// Used to fetch the instruction a guest trapped on, to read its vector table, to build trap frames on
// its stack, and to perform the memory access of any instruction the VMM emulates (memory-insn.ts).
// The bytes move through the one access path (memory/access-path.ts); stores that land on a guest
// page-table page go through the shadow pager, so the shadow never goes stale because of the VMM's own
// stores, and the real TLB forgets what the sync dropped.

import { CR0_PG, VEC } from '../../isa/abi.js';
import { decode, type Decoded } from '../../isa/encoding.js';
import type { Width } from '../../isa/table.js';
import { AccessPath, busError, storeBytes, type AccessMode, type MmioBus } from './memory/access-path.js';
import type { GuestPhys } from './memory/guest-phys.js';
import { walkGuest, type Access } from './memory/guest-walk.js';
import type { ShadowPager } from './memory/shadow.js';
import { GuestFault } from './privileged.js';

/** Where the guest's current page-table root and paging bit live (virtual or real, by technique). */
export interface GuestPaging {
  cr0(): number;
  cr3(): number;
}

export interface GuestAccessOptions {
  /** The VM's devices, which an emulated instruction's own access may reach (none: RAM only). */
  readonly bus?: MmioBus;
  /** The real TLB must forget translations: a store went to a page table and the shadow dropped entries. */
  readonly flushTlb?: () => void;
}

/** The VMM's own accesses (vector table, trap frames): kernel rights, RAM only, as the CPU's delivery. */
const VMM: AccessMode = { user: false, devices: false };

export class GuestAccess {
  /** Told of every store the VMM makes into guest RAM (a binary translator drops translations of that frame). */
  writeHook: ((gpa: number) => void) | null = null;
  private readonly path: AccessPath;

  constructor(
    private readonly guest: GuestPhys,
    private readonly paging: GuestPaging,
    private readonly shadow: ShadowPager | null,
    private readonly opts: GuestAccessOptions = {},
  ) {
    this.path = new AccessPath(guest, opts.bus ?? null, {
      resolve: (va, a) => this.walk(va, a),
      storeRam: (gpa, len, value) => this.store(gpa, len, value),
    });
  }

  /** Guest-physical address of `va` for this access (RAM or not), or a GuestFault (#PF) the guest should see. */
  private walk(va: number, access: Access): number {
    const w = walkGuest(this.guest, this.paging.cr3(), (this.paging.cr0() & CR0_PG) !== 0, va, access, true);
    if (!w.ok) throw new GuestFault(VEC.PF, w.error, va >>> 0);
    return w.gpa;
  }

  /** Guest-physical RAM address of `va` for this access, or a GuestFault (#PF) the guest should see. */
  translate(va: number, access: Access): number {
    const gpa = this.walk(va, access);
    // Not RAM (a device page or nothing): the VMM's own accesses never reach devices.
    if (!this.guest.contains(gpa, 1)) throw busError(va, access);
    return gpa;
  }

  /** An instruction's data access of `size` bytes at `va`: any alignment, across pages, onto a device if allowed. */
  read(va: number, size: Width, mode: AccessMode): number {
    return this.path.read(va, size, mode);
  }

  write(va: number, size: Width, value: number, mode: AccessMode): void {
    this.path.write(va, size, value, mode);
  }

  read32(va: number): number {
    return this.path.read(va, 4, VMM);
  }

  write32(va: number, value: number): void {
    this.path.write(va, 4, value, VMM);
  }

  /** Every access that returns succeeded (a failed one throws GuestFault): the trap-frame codec's FrameMemory. */
  ok(): boolean {
    return true;
  }

  private store(gpa: number, len: number, value: number): void {
    this.writeHook?.(gpa);
    if (this.shadow?.isPageTable(gpa)) {
      this.shadow.guestWrite(gpa, len, value);
      this.opts.flushTlb?.();
    } else storeBytes(this.guest, gpa, len, value);
  }

  /** Fetch and decode the instruction at `pc` (as the guest's kernel would fetch it). */
  fetch(pc: number): Decoded | null {
    const w = this.path.fetch32(pc, false);
    const d = decode(w);
    if (d === null || d.size === 4) return d;
    return decode(w, this.path.fetch32((pc + 4) >>> 0, false));
  }
}
