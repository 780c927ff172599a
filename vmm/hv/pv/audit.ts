// The invariant auditor of a PV domain's memory: walks every page table and recounts every reference from
// scratch, and returns the violations it finds (none, if frames.ts and direct.ts keep their promises).
//
// It checks what docs/security.md promises: every present entry of every table the domain has (the one
// the CPU walks, every pinned table, the VMM's boot map) maps a frame the domain owns (or a device frame
// it may map); no page-table frame, and no reserved frame the guest may only read, is writable through
// any of them or to device DMA; the VMM-reserved and granted frames are never page tables; and the frame
// table's types and counts are exactly those the tables and grants imply. Tests run it after every exit.

import { PAGE_SIZE, PTE } from '../../../isa/abi.js';
import type { IommuDomain } from '../../devices/iommu.js';
import type { DirectPaging } from './direct.js';
import { FRAME_OWNER, FRAME_OWNER_NAME, FRAME_TYPE, FRAME_TYPE_NAME, type FrameTable } from './frames.js';
import type { GrantTable } from './grants.js';

const ENTRIES = PAGE_SIZE / 4;
/** Stop listing after this many: one broken invariant can break thousands of counts. */
const MAX_VIOLATIONS = 50;

/** What the auditor reads of one PV domain. */
export interface PvDomainView {
  readonly frames: FrameTable;
  readonly paging: DirectPaging;
  readonly grants: GrantTable;
  /** The directory the CPU walks for the domain (its cr3, whether or not it is running now). */
  readonly cr3: number;
  /** DMA domains of the VM's emulated devices (empty unless --devices emulated). */
  readonly dma: readonly IommuDomain[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

export function auditPvDomain(d: PvDomainView): string[] {
  const { frames, paging } = d;
  const s = frames.state;
  const n = frames.pages;
  const out: string[] = [];
  const bad = (msg: string) => {
    if (out.length < MAX_VIOLATIONS) out.push(msg);
  };
  const what = (pfn: number) =>
    `frame ${hex(pfn * PAGE_SIZE)} (${FRAME_TYPE_NAME[s.type[pfn]!] ?? s.type[pfn]}, owner ${FRAME_OWNER_NAME[s.owner[pfn]!] ?? s.owner[pfn]})`;
  const isTable = (pfn: number) => s.type[pfn] === FRAME_TYPE.L1 || s.type[pfn] === FRAME_TYPE.L2;

  // Expected counts, rebuilt from the tables and grants alone.
  const writable = new Uint32Array(n);
  const tableRefs = new Uint32Array(n);
  const refs = new Uint32Array(n);
  const grants = new Uint32Array(n);
  for (let p = 0; p < n; p++) if (s.owner[p] !== FRAME_OWNER.DOMAIN) writable[p]!++; // the VMM's own reference

  /** One L1 entry (of a pinned table when `count`, else of a table the CPU may walk). */
  const leaf = (e: number, where: string, count: boolean) => {
    if (!(e & PTE.P)) return;
    const ma = (e & PTE.FRAME_MASK) >>> 0;
    if (!paging.owns(ma)) {
      if (!paging.opts.deviceFrame(ma)) bad(`${where} maps ${hex(ma)}, a frame the domain does not own`);
      return;
    }
    const f = paging.pfn(ma);
    const w = (e & PTE.W) !== 0;
    if (w && isTable(f)) bad(`${where} maps page-table ${what(f)} writable`);
    if (w && s.owner[f] === FRAME_OWNER.VMM_READONLY) bad(`${where} maps reserved ${what(f)} writable`);
    if (count) {
      refs[f]!++;
      if (w) writable[f]!++;
    }
  };

  // Every pinned table, by its type.
  for (let p = 0; p < n; p++) {
    const ma = paging.base + p * PAGE_SIZE;
    if (isTable(p) && s.owner[p] !== FRAME_OWNER.DOMAIN) bad(`reserved ${what(p)} is a page table`);
    if (isTable(p) && s.grants[p]! > 0) bad(`granted ${what(p)} is a page table`);
    if (s.type[p] === FRAME_TYPE.L1) {
      for (let i = 0; i < ENTRIES; i++) leaf(paging.entry(ma, i), `L1 ${hex(ma)}[${i}]`, true);
    } else if (s.type[p] === FRAME_TYPE.L2) {
      for (let i = 0; i < ENTRIES; i++) {
        const e = paging.entry(ma, i);
        if (!(e & PTE.P)) continue;
        const t = (e & PTE.FRAME_MASK) >>> 0;
        if (!paging.owns(t)) {
          bad(`L2 ${hex(ma)}[${i}] names ${hex(t)} as a page table, a frame the domain does not own`);
          continue;
        }
        const tp = paging.pfn(t);
        if (s.type[tp] !== FRAME_TYPE.L1) bad(`L2 ${hex(ma)}[${i}] names ${what(tp)} as a page table`);
        refs[tp]!++;
        tableRefs[tp]!++;
      }
    }
  }

  // The directory the CPU walks: a pinned directory (then its tables are pinned too), or the boot map.
  const boot = paging.bootMap;
  if (boot !== null && d.cr3 === boot.root) {
    if (paging.current !== -1) bad(`cr3 is the boot map, but the domain loaded ${hex(paging.current)}`);
    for (let i = 0; i < ENTRIES; i++) {
      const pde = paging.entry(boot.root, i);
      if (!(pde & PTE.P)) continue;
      const t = (pde & PTE.FRAME_MASK) >>> 0;
      if (!boot.tables.includes(t)) bad(`boot map [${i}] names ${hex(t)}, not one of its tables`);
      else for (let k = 0; k < ENTRIES; k++) leaf(paging.entry(t, k), `boot map ${hex(((i * ENTRIES + k) * PAGE_SIZE) >>> 0)}`, false);
    }
  } else if (d.cr3 !== paging.current) bad(`cr3 is ${hex(d.cr3)}, but the domain loaded ${hex(paging.current)}`);
  else if (!paging.owns(d.cr3) || s.type[paging.pfn(d.cr3)] !== FRAME_TYPE.L2) bad(`cr3 ${hex(d.cr3)} is not a pinned directory`);
  else tableRefs[paging.pfn(d.cr3)]!++; // the loaded base's reference

  for (const g of d.grants.active()) {
    const f = g.page / PAGE_SIZE;
    if (!Number.isInteger(f) || f < 0 || f >= n) {
      bad(`a grant names ${hex(g.page)}, outside the domain's RAM`);
      continue;
    }
    if (s.owner[f] !== FRAME_OWNER.DOMAIN) bad(`reserved ${what(f)} is granted`);
    grants[f]!++;
    refs[f]!++;
    if (!g.readonly) writable[f]!++;
  }

  for (const dom of d.dma) {
    if (dom.state.mode !== 'remap') {
      bad(`DMA domain ${dom.name} is not remapped page by page`);
      continue;
    }
    const pages = dom.state.pages;
    for (let i = 0; i + 2 < pages.length; i += 3) {
      const f = pages[i + 1]!;
      if (pages[i + 2] && f < n && (isTable(f) || s.owner[f] !== FRAME_OWNER.DOMAIN)) bad(`DMA domain ${dom.name} may write ${what(f)}`);
    }
  }

  // The frame table against the recount.
  for (let p = 0; p < n; p++) {
    const type = s.type[p]!;
    const count = s.typeCount[p]!;
    if (type === FRAME_TYPE.L1 || type === FRAME_TYPE.L2) {
      if (writable[p]! > 0) bad(`${what(p)} has ${writable[p]} writable references`);
      if (count !== 1 + tableRefs[p]!) bad(`${what(p)}: type count ${count}, but the pin and ${tableRefs[p]} table references make ${1 + tableRefs[p]!}`);
    } else {
      const want = writable[p]! > 0 ? FRAME_TYPE.WRITABLE : FRAME_TYPE.NONE;
      if (type !== want) bad(`${what(p)} should be ${FRAME_TYPE_NAME[want]}`);
      if (count !== writable[p]) bad(`${what(p)}: type count ${count}, but there are ${writable[p]} writable references`);
      if (tableRefs[p]! > 0) bad(`${what(p)} is named as a page table ${tableRefs[p]} times`);
    }
    if (s.refs[p] !== refs[p]) bad(`${what(p)}: ${s.refs[p]} references counted, ${refs[p]} found`);
    if (s.grants[p] !== grants[p]) bad(`${what(p)}: ${s.grants[p]} grants counted, ${grants[p]} found`);
  }
  if (frames.refusedStores > 0) bad(`the VMM tried ${frames.refusedStores} stores its frame table refused`);
  return out;
}
