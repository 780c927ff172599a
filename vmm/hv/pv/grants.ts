// The grant table of one PV domain: pages it shares with a named back-end, and the only way a back-end
// reaches guest memory (by grant reference, bounds-checked, never beyond the granted page). Each grant
// holds a reference on its frame in the domain's frame table (a writable one a WRITABLE type reference),
// so a granted frame never becomes a page table, and a back-end's stores go through the frame table's
// checked path.

import { BACKEND, GRANT_FLAG, GRANT_MAX, HC_ERR, PAGE_SIZE } from '../../../isa/abi.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import type { FrameTable } from './frames.js';
import { SnapshotStateError } from '../state-error.js';

export type BackendId = (typeof BACKEND)[keyof typeof BACKEND];

export interface Grant {
  /** Pseudo-physical address of the granted page. */
  readonly page: number;
  readonly backend: BackendId;
  readonly readonly: boolean;
}

export function isBackendId(x: number): x is BackendId {
  return (Object.values(BACKEND) as number[]).includes(x);
}

/** GrantTable.save(): every slot, and the refused-access counter. The frames' references are the frame table's. */
export interface SavedGrants {
  readonly slots: readonly (Grant | null)[];
  readonly refused: number;
}

export class GrantTable {
  private readonly slots: (Grant | null)[] = new Array<Grant | null>(GRANT_MAX).fill(null);
  /** Back-end accesses refused (bad reference, wrong back-end, out of the page, read-only). */
  refused = 0;

  constructor(
    private readonly guest: GuestPhys,
    private readonly frames: FrameTable,
  ) {}

  save(): SavedGrants {
    return { slots: this.slots.map((g) => (g ? { ...g } : null)), refused: this.refused };
  }

  restore(s: SavedGrants): void {
    if (s.slots.length !== GRANT_MAX) throw new SnapshotStateError(`grant table: ${s.slots.length} slots, not ${GRANT_MAX}`);
    s.slots.forEach((g, i) => (this.slots[i] = g ? { page: g.page, backend: g.backend, readonly: g.readonly } : null));
    this.refused = s.refused;
  }

  /** The grant hypercall: returns a reference or a negated HC_ERR. */
  grant(page: number, backend: number, flags: number): number {
    page >>>= 0;
    if (page % PAGE_SIZE !== 0 || !isBackendId(backend) || (flags & ~GRANT_FLAG.READONLY) !== 0) return -HC_ERR.EINVAL;
    // Its own frames only, and never a page table or a page the VMM reserved.
    if (!this.guest.contains(page, PAGE_SIZE)) return -HC_ERR.EPERM;
    const refused = this.frames.grantRefusal(page / PAGE_SIZE);
    if (refused) return refused;
    const ref = this.slots.indexOf(null);
    if (ref < 0) return -HC_ERR.ENOSPC;
    const g = { page, backend, readonly: (flags & GRANT_FLAG.READONLY) !== 0 };
    this.slots[ref] = g;
    this.frames.granted(page / PAGE_SIZE, !g.readonly, 1);
    return ref;
  }

  revoke(ref: number): number {
    const g = this.get(ref);
    if (g === null) return -HC_ERR.ENOENT;
    this.slots[ref] = null;
    this.frames.granted(g.page / PAGE_SIZE, !g.readonly, -1);
    return 0;
  }

  /** The active grants (for the auditor). */
  active(): readonly Grant[] {
    return this.slots.filter((g): g is Grant => g !== null);
  }

  get(ref: number): Grant | null {
    return Number.isInteger(ref) && ref >= 0 && ref < GRANT_MAX ? this.slots[ref]! : null;
  }

  /**
   * For back-ends: the pseudo-physical address of [offset, offset + len) in granted page `ref`, if
   * `backend` holds that grant (writable when `write`); else a negated HC_ERR.
   */
  lookup(ref: number, backend: BackendId, offset: number, len: number, write: boolean): number {
    const g = this.get(ref);
    let err = 0;
    if (g === null || g.backend !== backend) err = -HC_ERR.ENOENT;
    else if (!Number.isInteger(offset) || !Number.isInteger(len) || offset < 0 || len < 0 || offset + len > PAGE_SIZE)
      err = -HC_ERR.EINVAL;
    else if (write && g.readonly) err = -HC_ERR.EPERM;
    if (err) {
      this.refused++;
      return err;
    }
    return g!.page + offset;
  }

  read(ref: number, backend: BackendId, offset: number, len: number): Uint8Array | number {
    const a = this.lookup(ref, backend, offset, len, false);
    return a < 0 ? a : this.guest.slice(a, len);
  }

  write(ref: number, backend: BackendId, offset: number, data: Uint8Array): number {
    const a = this.lookup(ref, backend, offset, data.length, true);
    if (a < 0) return a;
    return this.frames.copyIn(a, data) ? 0 : this.refuse();
  }

  /** The unsigned word, or null if the access is refused (see lookup for why). */
  read32(ref: number, backend: BackendId, offset: number): number | null {
    const a = this.lookup(ref, backend, offset, 4, false);
    return a < 0 ? null : this.guest.read32(a);
  }

  /** Returns 0 or a negated HC_ERR. */
  write32(ref: number, backend: BackendId, offset: number, value: number): number {
    const a = this.lookup(ref, backend, offset, 4, true);
    if (a < 0) return a;
    return this.frames.write32(a, value) ? 0 : this.refuse();
  }

  /** The frame table refused the store (the frame's type forbids it): the back-end gets EPERM. */
  private refuse(): number {
    this.refused++;
    return -HC_ERR.EPERM;
  }
}
