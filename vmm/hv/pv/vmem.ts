// A PV domain's guest-virtual memory as the VMM reaches it: through the real CPU's view of the guest's own
// tables (direct paging), checked to land in the domain's RAM, and stores checked by the frame table (never
// into a page table, whatever the CPU's view says). Hypercall pointers, results and trap frames use it.

import { PAGE_SIZE, PF_ERR, VEC } from '../../../isa/abi.js';
import type { Cpu } from '../../machine/cpu.js';
import type { GuestPhys } from '../memory/guest-phys.js';
import { GuestFault } from '../privileged.js';
import type { FrameTable } from './frames.js';

export class PvMemory {
  constructor(
    private readonly cpu: Cpu,
    private readonly guest: GuestPhys,
    private readonly frames: FrameTable,
  ) {}

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
    return this.word(va, false, 0);
  }

  write32(va: number, value: number): void {
    this.word(va, true, value);
  }

  private word(va: number, write: boolean, value: number): number {
    va >>>= 0;
    const gpas = [0, 1, 2, 3].map((i) => this.phys((va + i) >>> 0, write));
    const bad = gpas.findIndex((g) => g < 0);
    if (bad >= 0) throw new GuestFault(VEC.PF, PF_ERR.P | (write ? PF_ERR.W : 0), (va + bad) >>> 0);
    if (!write) return gpas.reduceRight((v, g) => ((v << 8) | this.guest.read(g, 1)) >>> 0, 0);
    gpas.forEach((g, i) => this.frames.write(g, 1, (value >>> (8 * i)) & 0xff));
    return 0;
  }
}
