// The frame table of one PV domain: every frame's owner, type and reference counts (Xen's page_info), and
// the one checked path by which the VMM stores into the domain's RAM.
//
// As in Xen, a frame has one type at a time and a count of the references that need it: a frame mapped
// writable somewhere is WRITABLE, a frame in use as a page table is L1 or L2, and a frame changes type only
// when nothing holds the old one. So a page table can never be mapped writable, and a frame mapped
// writable (or writably granted, or written by the VMM) can never become a page table. The VMM-reserved
// frames (start info, shared info) hold a permanent WRITABLE reference of the VMM's own (Xen's
// share_xen_page_with_guest), so they never become page tables either; the guest may map shared info
// writable (it masks events with a store) and start info read-only only. docs/security.md has the model.

import { HC_ERR, PAGE_SIZE } from '../../../isa/abi.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import { SnapshotStateError } from '../state-error.js';

/** What a frame is used as now; typeCount counts the references that need that use. */
export const FRAME_TYPE = { NONE: 0, WRITABLE: 1, L1: 2, L2: 3 } as const;
export type FrameType = (typeof FRAME_TYPE)[keyof typeof FRAME_TYPE];

/** Who a frame belongs to. The VMM-reserved frames lie in the domain's RAM, but the VMM writes them. */
export const FRAME_OWNER = {
  /** The domain's own RAM. */
  DOMAIN: 0,
  /** VMM-reserved, and the guest may map it writable too (shared info: both sides write it). */
  VMM_SHARED: 1,
  /** VMM-reserved, and the guest may map it read-only only (start info: the VMM's word on the domain). */
  VMM_READONLY: 2,
} as const;
export type FrameOwner = (typeof FRAME_OWNER)[keyof typeof FRAME_OWNER];

export const FRAME_TYPE_NAME: readonly string[] = ['none', 'writable', 'L1', 'L2'];
export const FRAME_OWNER_NAME: readonly string[] = ['domain', 'VMM (shared with the guest)', 'VMM (read-only to the guest)'];

/** The table as typed arrays, one entry per frame of the domain (pseudo-physical frame number). */
export interface FrameState {
  readonly owner: Uint8Array;
  readonly type: Uint8Array;
  /**
   * References that need the type. WRITABLE: writable entries in pinned L1 tables + writable grants + 1 for
   * a VMM-reserved frame. L1: 1 for the pin + entries of pinned directories naming it. L2: 1 for the pin + 1
   * while it is the loaded base.
   */
  readonly typeCount: Uint32Array;
  /** General references (Xen's count_info): present entries of pinned tables naming the frame + its grants. */
  readonly refs: Uint32Array;
  /** Active grants of the frame (either access), to any back-end (at most GRANT_MAX). */
  readonly grants: Uint8Array;
}

/** FrameTable.save(): the arrays as JSON-able numbers. */
export interface SavedFrames {
  readonly owner: readonly number[];
  readonly type: readonly number[];
  readonly typeCount: readonly number[];
  readonly refs: readonly number[];
  readonly grants: readonly number[];
  readonly refusedStores: number;
}

export class FrameTable {
  readonly state: FrameState;
  readonly pages: number;
  /** Stores of the VMM refused because the frame's type forbids them (a VMM bug if ever non-zero). */
  refusedStores = 0;

  constructor(private readonly guest: GuestPhys) {
    const n = guest.size / PAGE_SIZE;
    this.pages = n;
    this.state = {
      owner: new Uint8Array(n),
      type: new Uint8Array(n),
      typeCount: new Uint32Array(n),
      refs: new Uint32Array(n),
      grants: new Uint8Array(n),
    };
  }

  /** The table as plain data (a snapshot): exactly the arrays, and the refused-store counter. */
  save(): SavedFrames {
    const s = this.state;
    return {
      owner: Array.from(s.owner),
      type: Array.from(s.type),
      typeCount: Array.from(s.typeCount),
      refs: Array.from(s.refs),
      grants: Array.from(s.grants),
      refusedStores: this.refusedStores,
    };
  }

  /** Put back what save() returned; a table of another size is refused (the caller checks the RAM size first). */
  restore(saved: SavedFrames): void {
    const s = this.state;
    for (const k of ['owner', 'type', 'typeCount', 'refs', 'grants'] as const) {
      if (saved[k].length !== this.pages) throw new SnapshotStateError(`frame table: ${k} has ${saved[k].length} entries, not ${this.pages}`);
      s[k].set(saved[k]);
    }
    this.refusedStores = saved.refusedStores;
  }

  /** Reserve a frame for the VMM (at domain build, before the guest runs): it takes the VMM's WRITABLE reference. */
  reserve(pfn: number, owner: typeof FRAME_OWNER.VMM_SHARED | typeof FRAME_OWNER.VMM_READONLY): void {
    const s = this.state;
    if (s.type[pfn] !== FRAME_TYPE.NONE || s.owner[pfn] !== FRAME_OWNER.DOMAIN) throw new Error(`frame ${pfn} is already in use`);
    s.owner[pfn] = owner;
    this.getWritable(pfn);
  }

  owner(pfn: number): FrameOwner {
    return this.state.owner[pfn] as FrameOwner;
  }

  type(pfn: number): FrameType {
    return this.state.type[pfn] as FrameType;
  }

  isTable(pfn: number): boolean {
    const t = this.state.type[pfn];
    return t === FRAME_TYPE.L1 || t === FRAME_TYPE.L2;
  }

  reserved(pfn: number): boolean {
    return this.state.owner[pfn] !== FRAME_OWNER.DOMAIN;
  }

  // ---- the rules: 0, or the negated HC_ERR that refuses ----

  /**
   * May `pfn` become a page table now? Only a frame of the domain's own, granted to nobody, and held by
   * no other type: not mapped writable, not reserved (EPERM); not already a table (EBUSY).
   */
  tableRefusal(pfn: number): number {
    const s = this.state;
    if (s.owner[pfn] !== FRAME_OWNER.DOMAIN || s.grants[pfn]! > 0) return -HC_ERR.EPERM;
    if (s.type[pfn] === FRAME_TYPE.WRITABLE) return -HC_ERR.EPERM;
    if (s.type[pfn] !== FRAME_TYPE.NONE) return -HC_ERR.EBUSY;
    return 0;
  }

  /** May the guest map `pfn` (writable if asked)? Any frame of its RAM read-only; writable only if no table and not read-only reserved. */
  mapRefusal(pfn: number, writable: boolean): number {
    if (!writable) return 0;
    return this.guestMayWrite(pfn) ? 0 : -HC_ERR.EPERM;
  }

  /** The guest may write the frame through a mapping (the VMM's boot map follows this too). */
  guestMayWrite(pfn: number): boolean {
    return !this.isTable(pfn) && this.state.owner[pfn] !== FRAME_OWNER.VMM_READONLY;
  }

  /** May the domain grant `pfn` to a back-end? Its own frames that are not page tables. */
  grantRefusal(pfn: number): number {
    const s = this.state;
    return s.owner[pfn] !== FRAME_OWNER.DOMAIN || this.isTable(pfn) ? -HC_ERR.EPERM : 0;
  }

  // ---- bookkeeping, called once the matching rule allowed it (a broken contract is a VMM bug) ----

  private getWritable(pfn: number): void {
    const s = this.state;
    if (s.type[pfn] === FRAME_TYPE.NONE) s.type[pfn] = FRAME_TYPE.WRITABLE;
    else if (s.type[pfn] !== FRAME_TYPE.WRITABLE) throw new Error(`frame table: frame ${pfn} is a page table, never writable`);
    s.typeCount[pfn]!++;
  }

  /** Drop one reference to the frame's type; the last one leaves it untyped. */
  putType(pfn: number): void {
    const s = this.state;
    if (s.typeCount[pfn] === 0) throw new Error(`frame table: frame ${pfn} has no type reference to drop`);
    if (--s.typeCount[pfn]! === 0) s.type[pfn] = FRAME_TYPE.NONE;
  }

  /** One more reference to a page table (a directory entry naming an L1, the loaded base). */
  getTableRef(pfn: number): void {
    if (!this.isTable(pfn)) throw new Error(`frame table: frame ${pfn} is no page table`);
    this.state.typeCount[pfn]!++;
  }

  /** A frame validated as a page table takes that type with the pin as its one reference. */
  makeTable(pfn: number, type: typeof FRAME_TYPE.L1 | typeof FRAME_TYPE.L2): void {
    if (this.tableRefusal(pfn) !== 0) throw new Error(`frame table: frame ${pfn} cannot become a page table`);
    this.state.type[pfn] = type;
    this.state.typeCount[pfn] = 1;
  }

  /** A present entry of a pinned table now names (delta 1) or no longer names (-1) the frame. */
  mapped(pfn: number, writable: boolean, delta: 1 | -1): void {
    this.state.refs[pfn]! += delta;
    if (!writable) return;
    if (delta > 0) this.getWritable(pfn);
    else this.putType(pfn);
  }

  granted(pfn: number, writable: boolean, delta: 1 | -1): void {
    this.state.grants[pfn]! += delta;
    this.mapped(pfn, writable, delta);
  }

  // ---- the VMM's one path for its own stores into the domain's RAM ----

  /** The VMM may store into [pa, pa + len): all of it is the domain's RAM and none of it a page table. */
  vmmMayWrite(pa: number, len: number): boolean {
    if (!Number.isInteger(pa) || !Number.isInteger(len) || len < 0 || !this.guest.contains(pa, len)) return false;
    for (let p = Math.floor(pa / PAGE_SIZE); p * PAGE_SIZE < pa + len; p++) if (this.isTable(p)) return false;
    return true;
  }

  private refuse(): false {
    this.refusedStores++;
    return false;
  }

  /** Store a word for the VMM; false (nothing written, counted) where the frame's type forbids it. */
  write32(pa: number, value: number): boolean {
    if (!this.vmmMayWrite(pa, 4)) return this.refuse();
    this.guest.write32(pa, value >>> 0);
    return true;
  }

  write(pa: number, size: 1 | 2 | 4, value: number): boolean {
    if (!this.vmmMayWrite(pa, size)) return this.refuse();
    this.guest.write(pa, size, value);
    return true;
  }

  copyIn(pa: number, bytes: Uint8Array): boolean {
    if (!this.vmmMayWrite(pa, bytes.length)) return this.refuse();
    this.guest.copyIn(pa, bytes);
    return true;
  }

  fill(pa: number, len: number, byte: number): boolean {
    if (!this.vmmMayWrite(pa, len)) return this.refuse();
    this.guest.onWrite?.(pa, len);
    this.guest.raw.fill(byte, pa, pa + len);
    return true;
  }
}
