// The one way the VMM moves the bytes of a guest memory access: any width, any alignment, across a page
// boundary, onto RAM or a device register, with the faults the bare machine would raise, and precisely.
//
// Addresses on the VM side are VM-physical: the VM's RAM is [0, ram.size), anything else is a bus
// address (device registers at MEMMAP.MMIO_BASE and above). How a guest-virtual address gets there is
// the caller's (`resolve`: the guest's own tables, or the real CPU's under direct paging), and so is what
// a store into RAM must also do (`storeRam`: keep a shadow in sync, drop translated code). The rules
// match the CPU's MMU (vmm/machine/mmu.ts): every page an access touches is translated, lowest first,
// before a byte moves, so a fault on the second page leaves the first untouched; a device register is
// reached only by an access within one page that the bus claims whole; anything else outside RAM is a
// bus error, which VX32 reports as #PF with P = 1.

import { PAGE_SIZE, PF_ERR, VEC } from '../../../isa/abi.js';
import type { Width } from '../../../isa/table.js';
import { GuestFault } from '../privileged.js';
import type { GuestPhys } from './guest-phys.js';
import type { Access } from './guest-walk.js';

/** How an access is made: at the guest's user privilege or its kernel's, and whether it may reach a device. */
export interface AccessMode {
  readonly user: boolean;
  /** An instruction's own access may reach a device register; the VMM's (vector table, trap frames) never does. */
  readonly devices: boolean;
}

/** The device side: what the CPU itself sees of MMIO (vmm/machine/io.ts). */
export interface MmioBus {
  claimsMmio(pa: number, size: number): boolean;
  mmioRead(pa: number, size: Width): number;
  mmioWrite(pa: number, size: Width, value: number): void;
}

export interface PathTarget {
  /** VM-physical address of `va` for this access; throws GuestFault (#PF) when the guest's tables refuse it. */
  resolve(va: number, access: Access): number;
  /** Store the low `len` bytes of `value` (little-endian) at RAM `gpa`; all of them lie in one page. */
  storeRam(gpa: number, len: number, value: number): void;
}

/** The #PF a bus error raises: present, with the access's write/user/fetch bits. */
export function busError(va: number, a: Access): GuestFault {
  const err = PF_ERR.P | (a.write ? PF_ERR.W : 0) | (a.user ? PF_ERR.U : 0) | (a.fetch ? PF_ERR.F : 0);
  return new GuestFault(VEC.PF, err, va >>> 0);
}

const MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;
const ACCESS = {
  read: [{ write: false, user: false, fetch: false }, { write: false, user: true, fetch: false }],
  write: [{ write: true, user: false, fetch: false }, { write: true, user: true, fetch: false }],
  fetch: [{ write: false, user: false, fetch: true }, { write: false, user: true, fetch: true }],
} as const satisfies Record<string, readonly [Access, Access]>;

export class AccessPath {
  constructor(
    private readonly ram: GuestPhys,
    private readonly bus: MmioBus | null,
    private readonly target: PathTarget,
  ) {}

  /** Read `size` bytes at `va`, zero-extended. */
  read(va: number, size: Width, mode: AccessMode): number {
    return this.load(va, size, ACCESS.read[mode.user ? 1 : 0], mode.devices);
  }

  /** An instruction word at `va` (RAM only, as the CPU fetches). */
  fetch32(va: number, user: boolean): number {
    return this.load(va, 4, ACCESS.fetch[user ? 1 : 0], false);
  }

  /** Write the low `size` bytes of `value` at `va`: all of them, or (on a fault) none. */
  write(va: number, size: Width, value: number, mode: AccessMode): void {
    const a = ACCESS.write[mode.user ? 1 : 0];
    va >>>= 0;
    const n0 = this.span(va, size);
    const g0 = this.target.resolve(va, a);
    if (n0 === size && !this.ram.contains(g0, size)) {
      if (!this.device(g0, size, mode.devices)) throw busError(va, a);
      this.bus!.mmioWrite(g0, size, (value & MASK[size]) >>> 0);
      return;
    }
    const g1 = this.second(va, size, n0, g0, a);
    this.target.storeRam(g0, n0, value);
    if (n0 < size) this.target.storeRam(g1, size - n0, value >>> (8 * n0));
  }

  private load(va: number, size: Width, a: Access, devices: boolean): number {
    va >>>= 0;
    const n0 = this.span(va, size);
    const g0 = this.target.resolve(va, a);
    if (n0 === size && !this.ram.contains(g0, size)) {
      if (!this.device(g0, size, devices)) throw busError(va, a);
      return (this.bus!.mmioRead(g0, size) & MASK[size]) >>> 0;
    }
    const g1 = this.second(va, size, n0, g0, a);
    const raw = this.ram.raw;
    let v = 0;
    for (let k = 0; k < size; k++) v |= raw[k < n0 ? g0 + k : g1 + k - n0]! << (8 * k);
    return v >>> 0;
  }

  /** Bytes of the access in its first page. */
  private span(va: number, size: number): number {
    return Math.min(size, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
  }

  private device(gpa: number, size: number, allowed: boolean): boolean {
    return allowed && this.bus !== null && this.bus.claimsMmio(gpa, size);
  }

  /**
   * The RAM address of the second page's bytes (-1 when the access stays in one page), once both pages
   * are known to be RAM: an access that crosses a page boundary never reaches a device, as on the CPU.
   */
  private second(va: number, size: number, n0: number, g0: number, a: Access): number {
    if (!this.ram.contains(g0, n0)) throw busError(va, a);
    if (n0 === size) return -1;
    const va1 = (va + n0) >>> 0;
    const g1 = this.target.resolve(va1, a);
    if (!this.ram.contains(g1, size - n0)) throw busError(va1, a);
    return g1;
  }
}

/** Store the low `len` (1..4) bytes of `value` at RAM `gpa`, little-endian: the plain RAM half of a PathTarget. */
export function storeBytes(ram: GuestPhys, gpa: number, len: number, value: number): void {
  const raw = ram.raw;
  if (!ram.contains(gpa, len)) throw new RangeError(`guest-physical 0x${(gpa >>> 0).toString(16)} is outside RAM`);
  for (let k = 0; k < len; k++) raw[gpa + k] = (value >>> (8 * k)) & 0xff;
}
