// A PV domain's guest-virtual memory as the VMM reaches it: through the real CPU's view of the guest's own
// tables (direct paging), checked to land in the domain's RAM, and stores checked by the frame table (never
// into a page table, whatever the CPU's view says). Hypercall pointers, results and trap frames use it.

import { MEMMAP, PAGE_SIZE, PF_ERR, VEC } from '../../../isa/abi.js';
import { decode, type Decoded } from '../../../isa/encoding.js';
import type { Width } from '../../../isa/table.js';
import type { Cpu } from '../../machine/cpu.js';
import { AccessPath, busError, type AccessMode, type MmioBus } from '../memory/access-path.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import { GuestFault } from '../privileged.js';
import type { FrameTable } from './frames.js';

/** The VMM's own accesses (hypercall arguments, trap frames): kernel rights, the domain's RAM only. */
const VMM: AccessMode = { user: false, devices: false };

export class PvMemory {
  private readonly path: AccessPath;

  constructor(
    private readonly cpu: Cpu,
    private readonly guest: GuestPhys,
    private readonly frames: FrameTable,
    /** The domain's device models, which an emulated instruction of its kernel may reach. */
    bus: MmioBus | null = null,
  ) {
    this.path = new AccessPath(guest, bus, {
      resolve: (va, a) => {
        const ma = this.cpu.probe(va >>> 0, a.write, a.user);
        if (ma < 0) throw new GuestFault(VEC.PF, PF_ERR.P | (a.write ? PF_ERR.W : 0) | (a.user ? PF_ERR.U : 0), va >>> 0);
        const pa = ma - this.guest.base;
        if (pa >= 0 && pa < this.guest.size) {
          // A store the frame's type forbids faults as a write to a read-only page would.
          if (a.write && !this.frames.vmmMayWrite(pa, 1)) throw new GuestFault(VEC.PF, PF_ERR.P | PF_ERR.W | (a.user ? PF_ERR.U : 0), va >>> 0);
          return pa;
        }
        // Never a frame of another domain's: only device registers lie outside this one's RAM.
        if (ma >= MEMMAP.MMIO_BASE) return ma;
        throw busError(va, a);
      },
      // Every store into RAM goes through the frame table's one checked path.
      storeRam: (gpa, len, value) => {
        for (let i = 0; i < len; i++) this.frames.write(gpa + i, 1, (value >>> (8 * i)) & 0xff);
      },
    });
  }

  /**
   * Pseudo-physical address of `va` for a kernel access, or -1 if unmapped, not allowed, not its RAM, or
   * (a write) a frame the VMM may not store into.
   */
  phys(va: number, write: boolean): number {
    const ma = this.cpu.probe(va >>> 0, write, false);
    if (ma < 0) return -1;
    const pa = ma - this.guest.base;
    if (pa < 0 || pa >= this.guest.size) return -1;
    return write && !this.frames.vmmMayWrite(pa, 1) ? -1 : pa;
  }

  /** [va, va + len) is mapped (writable if asked) and all of it is the domain's RAM. */
  check(va: number, len: number, write: boolean): boolean {
    if (!Number.isInteger(len) || len < 0) return false;
    va >>>= 0;
    if (len === 0) return true;
    if (va + len > 2 ** 32) return false;
    for (let p = va - (va % PAGE_SIZE); p < va + len; p += PAGE_SIZE) if (this.phys(Math.max(p, va), write) < 0) return false;
    return true;
  }

  /** Copy of [va, va + len), or null (EFAULT) if any byte is not the caller's. */
  readBytes(va: number, len: number): Uint8Array | null {
    if (!this.check(va, len, false)) return null;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; ) {
      const a = (va + i) >>> 0;
      const n = Math.min(len - i, PAGE_SIZE - (a % PAGE_SIZE));
      out.set(this.guest.slice(this.phys(a, false), n), i);
      i += n;
    }
    return out;
  }

  /** A word, or a GuestFault (#PF) as the guest's kernel would take it. */
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

  /** An instruction's own access (memory-insn.ts): any alignment, across pages, onto a device it mapped. */
  read(va: number, size: Width, mode: AccessMode): number {
    return this.path.read(va, size, mode);
  }

  write(va: number, size: Width, value: number, mode: AccessMode): void {
    this.path.write(va, size, value, mode);
  }

  /** Fetch and decode the kernel's instruction at `pc`. */
  fetch(pc: number): Decoded | null {
    const w = this.path.fetch32(pc, false);
    const d = decode(w);
    if (d === null || d.size === 4) return d;
    return decode(w, this.path.fetch32((pc + 4) >>> 0, false));
  }
}
