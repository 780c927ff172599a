// One VM of a run as a debugger sees it: the guest's registers, the host CPU's real state, and guest-virtual memory.
//
// Everything is read between two steps (the VM is switched out), through the guest's own page tables as its
// registers name them, so it reads the same under every technique. A paravirtual kernel's tables hold
// machine addresses (the image's PV flag says so); they are turned back into the VM's pseudo-physical ones.

import { CR0_PG, PAGE_SIZE, PT_ENTRIES, PTE, PTE_SIZE } from '../../isa/abi.js';
import { entryFrame, pageOffset, pageVa, pdIndex, ptIndex } from '../../isa/paging.js';
import { IMAGE_FLAG } from '../../isa/image.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { GuestRegisters } from '../hv/guest-state.js';
import type { Vm } from '../hv/vm.js';

/** The CPU's real state while it ran this VM (saved at its last world switch): ring, IF, page-table root. */
export interface HostCpuState {
  readonly cpl: number;
  readonly flags: number;
  readonly cr3: number;
}

/** One level of a page walk: where the entry is, its value, and whether the walk went on past it. */
export interface WalkLevel {
  readonly level: 'pde' | 'pte';
  /** Guest-physical address of the entry. */
  readonly addr: number;
  readonly value: number;
  readonly present: boolean;
}

export interface PageWalk {
  readonly va: number;
  /** Paging is off: the address is physical. */
  readonly paging: boolean;
  readonly cr3: number;
  readonly levels: readonly WalkLevel[];
  /** The guest-physical address, or null when the walk stops at a not-present entry or leaves RAM. */
  readonly pa: number | null;
  readonly writable: boolean;
  readonly user: boolean;
}

/** A run of virtual pages mapped to consecutive frames with the same bits. */
export interface Mapping {
  readonly va: number;
  readonly pa: number;
  readonly pages: number;
  /** The PTE's low bits (P W U A D), with W and U combined with the PDE's. */
  readonly bits: number;
}

export class GuestView {
  readonly vm: Vm;
  private readonly machine: boolean;

  constructor(
    readonly hv: Hypervisor,
    readonly index = 0,
  ) {
    const vm = hv.vms[index];
    if (!vm) throw new RangeError(`no VM ${index}`);
    this.vm = vm;
    this.machine = (vm.image.flags & IMAGE_FLAG.PV) !== 0;
  }

  get name(): string {
    return this.vm.name;
  }

  /** The registers the guest believes it has. */
  registers(): GuestRegisters {
    return this.hv.runners[this.index]!.guestRegisters();
  }

  /** The real CPU's ring, flags and cr3 as the VM last left it (differs from the guest's under a VMM). */
  host(): HostCpuState | null {
    const s = this.vm.state;
    return s ? { cpl: s.cpl, flags: s.flags, cr3: s.cr3 >>> 0 } : null;
  }

  /** The VM's RAM address an address found in the guest's tables or cr3 stands for. */
  private frame(addr: number): number {
    const a = addr >>> 0;
    const g = this.vm.guest;
    return this.machine && a >= g.base && a < g.base + g.size ? a - g.base : a;
  }

  /**
   * Whether paging is on, and the root. A paravirtual kernel always runs paged on the tables the VMM
   * validated (its cr0 is not its own to set): the root is the real CPU's.
   */
  private root(regs: GuestRegisters): { paging: boolean; cr3: number } {
    const host = this.machine ? this.host() : null;
    if (host) return { paging: true, cr3: host.cr3 };
    return { paging: (regs.cr0 & CR0_PG) !== 0, cr3: regs.cr3 >>> 0 };
  }

  /** The page walk for `va` under the guest's current cr0/cr3, every level with its entry. */
  walk(va: number, regs: GuestRegisters = this.registers()): PageWalk {
    const g = this.vm.guest;
    va >>>= 0;
    const { paging, cr3 } = this.root(regs);
    if (!paging) return { va, paging, cr3, levels: [], pa: g.contains(va, 1) ? va : null, writable: true, user: true };
    const levels: WalkLevel[] = [];
    const pdeAddr = this.frame(entryFrame(cr3)) + pdIndex(va) * PTE_SIZE;
    if (!g.contains(pdeAddr, 4)) return { va, paging, cr3, levels, pa: null, writable: false, user: false };
    const pde = g.read32(pdeAddr) >>> 0;
    levels.push({ level: 'pde', addr: pdeAddr, value: pde, present: (pde & PTE.P) !== 0 });
    if (!(pde & PTE.P)) return { va, paging, cr3, levels, pa: null, writable: false, user: false };
    const pteAddr = this.frame(entryFrame(pde)) + ptIndex(va) * PTE_SIZE;
    if (!g.contains(pteAddr, 4)) return { va, paging, cr3, levels, pa: null, writable: false, user: false };
    const pte = g.read32(pteAddr) >>> 0;
    levels.push({ level: 'pte', addr: pteAddr, value: pte, present: (pte & PTE.P) !== 0 });
    if (!(pte & PTE.P)) return { va, paging, cr3, levels, pa: null, writable: false, user: false };
    const pa = this.frame(entryFrame(pte)) + pageOffset(va);
    return { va, paging, cr3, levels, pa: g.contains(pa, 1) ? pa : null, writable: (pde & pte & PTE.W) !== 0, user: (pde & pte & PTE.U) !== 0 };
  }

  /** Guest-physical address of `va`, or null where it is unmapped (no A/D bit is set: a debugger only looks). */
  translate(va: number, regs?: GuestRegisters): number | null {
    return this.walk(va, regs).pa;
  }

  /** `len` bytes at guest-virtual `va` (or guest-physical with `phys`); null for a byte that is not readable. */
  read(addr: number, len: number, phys = false): (number | null)[] {
    const g = this.vm.guest;
    const regs = this.registers();
    const out: (number | null)[] = [];
    for (let i = 0; i < len; i++) {
      const a = (addr + i) >>> 0;
      const pa = phys ? (g.contains(a, 1) ? a : null) : this.translate(a, regs);
      out.push(pa === null ? null : g.read(pa, 1));
    }
    return out;
  }

  /** A little-endian word at guest-virtual `va`, or null. */
  read32(va: number): number | null {
    const b = this.read(va, 4);
    if (b.some((x) => x === null)) return null;
    return ((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
  }

  /** Every mapped page of the guest's current address space, merged into runs. */
  mappings(regs: GuestRegisters = this.registers()): Mapping[] {
    const g = this.vm.guest;
    const { paging, cr3 } = this.root(regs);
    if (!paging) return [];
    const root = this.frame(entryFrame(cr3));
    const out: Mapping[] = [];
    const low = PTE.P | PTE.W | PTE.U | PTE.A | PTE.D;
    for (let i = 0; i < PT_ENTRIES; i++) {
      if (!g.contains(root + i * PTE_SIZE, PTE_SIZE)) break;
      const pde = g.read32(root + i * PTE_SIZE) >>> 0;
      if (!(pde & PTE.P)) continue;
      const table = this.frame(entryFrame(pde));
      for (let j = 0; j < PT_ENTRIES; j++) {
        if (!g.contains(table + j * PTE_SIZE, PTE_SIZE)) break;
        const pte = g.read32(table + j * PTE_SIZE) >>> 0;
        if (!(pte & PTE.P)) continue;
        const va = pageVa(i, j);
        const pa = this.frame(entryFrame(pte));
        const bits = (pte & low & ~(PTE.W | PTE.U)) | (pde & pte & (PTE.W | PTE.U));
        const last = out[out.length - 1];
        if (last && last.bits === bits && last.va + last.pages * PAGE_SIZE === va && last.pa + last.pages * PAGE_SIZE === pa)
          out[out.length - 1] = { ...last, pages: last.pages + 1 };
        else out.push({ va, pa, pages: 1, bits });
      }
    }
    return out;
  }
}
