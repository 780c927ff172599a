// Shadow paging and the software guest walk, against hand-built guest page tables.
import { describe, expect, it } from 'vitest';
import { MEMMAP, PF_ERR, PTE } from '../../isa/abi.js';
import { GuestAccess } from '../../vmm/hv/guest-access.js';
import { GuestPhys } from '../../vmm/hv/memory/guest-phys.js';
import { walkGuest } from '../../vmm/hv/memory/guest-walk.js';
import { PagePool } from '../../vmm/hv/memory/page-pool.js';
import { buildSecondStage } from '../../vmm/hv/memory/second-stage.js';
import { ShadowPager } from '../../vmm/hv/memory/shadow.js';
import { GuestFault } from '../../vmm/hv/privileged.js';

const HOST = 4 << 20;
const POOL_BASE = 0;
const POOL_SIZE = 64 << 12;
const VM_BASE = 1 << 20;
const VM_SIZE = 1 << 20;

function setup() {
  const buf = new ArrayBuffer(HOST);
  const words = new Uint32Array(buf);
  const pool = new PagePool(words, POOL_BASE, POOL_SIZE);
  const guest = new GuestPhys(buf, VM_BASE, VM_SIZE);
  // Guest tables: PD at 0x1000, one PT at 0x2000 mapping VA 0x400000.. to frames.
  const PD = 0x1000;
  const PT = 0x2000;
  guest.write32(PD + (0x400000 >>> 22) * 4, PT | PTE.P | PTE.W | PTE.U);
  guest.write32(PT + 0 * 4, 0x5000 | PTE.P | PTE.W | PTE.U); // 0x400000 -> 0x5000 user rw
  guest.write32(PT + 1 * 4, 0x6000 | PTE.P); // 0x401000 -> 0x6000 supervisor ro
  guest.write32(PT + 2 * 4, PT | PTE.P | PTE.W); // 0x402000 -> the PT itself (supervisor rw)
  const p2m = (gpa: number) => guest.toHost(gpa);
  const shadow = new ShadowPager(words, pool, guest, p2m);
  shadow.setGuestRoot(PD, true);
  const shadowEntry = (va: number) => {
    const pde = words[(shadow.root >>> 2) + (va >>> 22)]!;
    if (!(pde & PTE.P)) return 0;
    return words[((pde & PTE.FRAME_MASK) >>> 2) + ((va >>> 12) & 0x3ff)]!;
  };
  return { buf, words, pool, guest, shadow, shadowEntry, PD, PT };
}

const R = { write: false, user: false, fetch: false };
const W = { write: true, user: false, fetch: false };
const UR = { write: false, user: true, fetch: false };

describe('guest walk', () => {
  it('translates and sets A, and D on a write', () => {
    const { guest, PD, PT } = setup();
    const r = walkGuest(guest, PD, true, 0x400123, W, true);
    expect(r).toMatchObject({ ok: true, gpa: 0x5123, writable: true, user: true, dirty: false });
    expect(guest.read32(PT) & (PTE.A | PTE.D)).toBe(PTE.A | PTE.D);
  });

  it('reports the error code the guest would see', () => {
    const { guest, PD } = setup();
    expect(walkGuest(guest, PD, true, 0x800000, R, false)).toEqual({ ok: false, error: 0 });
    expect(walkGuest(guest, PD, true, 0x401000, W, false)).toEqual({ ok: false, error: PF_ERR.P | PF_ERR.W });
    expect(walkGuest(guest, PD, true, 0x401000, UR, false)).toEqual({ ok: false, error: PF_ERR.P | PF_ERR.U });
  });
});

describe('shadow pager', () => {
  it('fills a hidden fault with the host frame and the guest permissions', () => {
    const { shadow, shadowEntry } = setup();
    expect(shadow.fill(0x400000, R)).toEqual({ kind: 'filled' });
    // Read first: mapped read-only until the guest's dirty bit is set.
    expect(shadowEntry(0x400000)).toBe((VM_BASE + 0x5000) | PTE.P | PTE.U);
    expect(shadow.fill(0x400000, W)).toEqual({ kind: 'filled' });
    expect(shadowEntry(0x400000)).toBe((VM_BASE + 0x5000) | PTE.P | PTE.U | PTE.W);
  });

  it('reflects true guest faults', () => {
    const { shadow, shadowEntry } = setup();
    expect(shadow.fill(0x401000, W)).toEqual({ kind: 'reflect', error: PF_ERR.P | PF_ERR.W });
    expect(shadowEntry(0x401000)).toBe(0);
  });

  it('write-protects page-table pages and syncs on an emulated write', () => {
    const { shadow, shadowEntry, guest, PT } = setup();
    shadow.fill(0x400000, W);
    expect(shadowEntry(0x400000) & PTE.P).toBe(PTE.P);
    // A write through the alias of the PT is a page-table write, mapped read-only.
    expect(shadow.fill(0x402000, W)).toEqual({ kind: 'ptwrite', gpa: PT });
    expect(shadowEntry(0x402000) & PTE.W).toBe(0);
    // The guest unmaps 0x400000: the shadow entry must go.
    shadow.guestWrite(PT, 4, 0);
    expect(guest.read32(PT)).toBe(0);
    expect(shadowEntry(0x400000)).toBe(0);
    expect(shadow.fill(0x400000, R)).toEqual({ kind: 'reflect', error: 0 });
    expect(shadow.stats.shadowSyncs).toBe(1);
  });

  it('never maps outside the guest: MMIO is emulated, other addresses fault', () => {
    const { shadow, guest, PT } = setup();
    guest.write32(PT + 3 * 4, MEMMAP.NIC_MMIO | PTE.P | PTE.W);
    guest.write32(PT + 4 * 4, 0x00f00000 | PTE.P | PTE.W); // past the VM's 1 MiB
    shadow.flush();
    expect(shadow.fill(0x403004, R)).toEqual({ kind: 'mmio', gpa: MEMMAP.NIC_MMIO + 4 });
    expect(shadow.fill(0x404000, R)).toEqual({ kind: 'reflect', error: PF_ERR.P });
  });

  it('maps identity while guest paging is off', () => {
    const { shadow, shadowEntry } = setup();
    shadow.setGuestRoot(0, false);
    expect(shadow.fill(0x3000, W)).toEqual({ kind: 'filled' });
    expect(shadowEntry(0x3000)).toBe((VM_BASE + 0x3000) | PTE.P | PTE.W | PTE.U);
  });
});

describe('second stage', () => {
  it('maps exactly the guest RAM, plus extra pages', () => {
    const { words, pool, guest } = setup();
    const root = buildSecondStage(words, pool, guest, [{ gpa: MEMMAP.NIC_MMIO, hpa: MEMMAP.NIC_MMIO, writable: true }]);
    const look = (gpa: number) => {
      const pde = words[(root >>> 2) + (gpa >>> 22)]!;
      if (!(pde & PTE.P)) return -1;
      const pte = words[((pde & PTE.FRAME_MASK) >>> 2) + ((gpa >>> 12) & 0x3ff)]!;
      return pte & PTE.P ? (pte & PTE.FRAME_MASK) >>> 0 : -1;
    };
    expect(look(0)).toBe(VM_BASE);
    expect(look(VM_SIZE - 4096)).toBe(VM_BASE + VM_SIZE - 4096);
    expect(look(VM_SIZE)).toBe(-1);
    expect(look(MEMMAP.NIC_MMIO)).toBe(MEMMAP.NIC_MMIO);
    expect(look(MEMMAP.BLOCK_MMIO)).toBe(-1);
  });
});

describe('guest access (the VMM reading guest-virtual memory)', () => {
  it('reads a word with one walk and faults at its address, as the CPU would', () => {
    const { guest, shadow, PD } = setup();
    const access = new GuestAccess(guest, { cr0: () => 1, cr3: () => PD }, shadow);
    guest.write32(0x5010, 0xdeadbeef);
    expect(access.read32(0x400010)).toBe(0xdeadbeef);
    // A write through the alias of the page table goes through the shadow's sync.
    const syncs = shadow.stats.shadowSyncs;
    access.write32(0x402004, 0);
    expect(shadow.stats.shadowSyncs).toBe(syncs + 1);
    let fault: GuestFault | null = null;
    try {
      access.read32(0x800010);
    } catch (e) {
      fault = e as GuestFault;
    }
    expect(fault?.vector).toBe(14);
    expect(fault?.address).toBe(0x800010);
  });
});
