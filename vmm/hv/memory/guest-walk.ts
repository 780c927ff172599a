// A software walk of a guest's own two-level page tables (guest-virtual -> guest-physical), as the VMM does it.

import { PF_ERR, PTE } from '../../../isa/abi.js';
import type { GuestPhys } from './guest-phys.js';
import { entryTarget, pdeAddress, pteAddress } from '../../../isa/paging.js';

export interface WalkOk {
  readonly ok: true;
  readonly gpa: number;
  /** Guest-physical addresses of the two entries used (-1 when guest paging is off). */
  readonly pdeAddr: number;
  readonly pteAddr: number;
  /** Effective permissions: both levels combined. */
  readonly writable: boolean;
  readonly user: boolean;
  /** The PTE's dirty bit before this walk. */
  readonly dirty: boolean;
}

export interface WalkFault {
  readonly ok: false;
  /** The #PF error code the guest would see. */
  readonly error: number;
}

export type WalkResult = WalkOk | WalkFault;

export interface Access {
  readonly write: boolean;
  /** The access is made at (virtual) CPL 3. */
  readonly user: boolean;
  readonly fetch: boolean;
}

function errorCode(present: boolean, a: Access): number {
  return (present ? PF_ERR.P : 0) | (a.write ? PF_ERR.W : 0) | (a.user ? PF_ERR.U : 0) | (a.fetch ? PF_ERR.F : 0);
}

/**
 * Walk the guest tables rooted at `cr3` for `va`. With `paging` off the guest-physical address is
 * the virtual one. When `setAccessed` is true the walk sets A in both entries, and D in the PTE on a
 * write, exactly as the hardware walker would, so the guest sees the same bits as on bare metal.
 * A table outside guest RAM is a bus error on the walk, which VX32 reports as #PF with P = 1, as the
 * bare machine's walker does.
 */
export function walkGuest(
  mem: GuestPhys,
  cr3: number,
  paging: boolean,
  va: number,
  access: Access,
  setAccessed: boolean,
): WalkResult {
  va >>>= 0;
  if (!paging) return { ok: true, gpa: va, pdeAddr: -1, pteAddr: -1, writable: true, user: true, dirty: true };
  const pdeAddr = pdeAddress(cr3, va);
  if (!mem.contains(pdeAddr, 4)) return { ok: false, error: errorCode(true, access) };
  const pde = mem.read32(pdeAddr);
  if (!(pde & PTE.P)) return { ok: false, error: errorCode(false, access) };
  const pteAddr = pteAddress(pde, va);
  if (!mem.contains(pteAddr, 4)) return { ok: false, error: errorCode(true, access) };
  const pte = mem.read32(pteAddr);
  if (!(pte & PTE.P)) return { ok: false, error: errorCode(false, access) };
  const writable = (pde & pte & PTE.W) !== 0;
  const user = (pde & pte & PTE.U) !== 0;
  if ((access.write && !writable) || (access.user && !user)) return { ok: false, error: errorCode(true, access) };
  if (setAccessed) {
    if (!(pde & PTE.A)) mem.write32(pdeAddr, pde | PTE.A);
    const want = PTE.A | (access.write ? PTE.D : 0);
    if ((pte & want) !== want) mem.write32(pteAddr, pte | want);
  }
  return {
    ok: true,
    gpa: entryTarget(pte, va),
    pdeAddr,
    pteAddr,
    writable,
    user,
    dirty: (pte & PTE.D) !== 0,
  };
}
