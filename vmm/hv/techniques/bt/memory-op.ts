// The VMM performing one guest load or store without a fault: what an adaptively retranslated
// instruction calls out for, and how a store to a page of translated code is done.

import { CR0_PG, PF_ERR, VEC } from '../../../../isa/abi.js';
import { ABS_FLAG } from '../../../../isa/table.js';
import type { Cpu } from '../../../machine/cpu.js';
import type { GuestAccess } from '../../guest-access.js';
import { walkGuest } from '../../memory/guest-walk.js';
import type { ShadowPager } from '../../memory/shadow.js';
import { GuestFault } from '../../privileged.js';
import type { Vm } from '../../vm.js';

const SP = 15;

export interface MemoryOpHost {
  readonly cpu: Cpu;
  readonly vm: Vm;
  readonly access: GuestAccess;
  readonly shadow: ShadowPager;
  deliver(vector: number, error: number, cr2?: number): void;
  /** Drop the translations read from guest frame f: it is being written. */
  dropFrame(f: number): void;
}

/**
 * Perform the load or store at guest pc g in the VMM, with no fault: on a page table (then sync the
 * shadow), on a frame holding code (then invalidate it), on a device register, or on plain RAM.
 * False if the instruction is not one this does (the caller falls back to the fault path).
 */
export function emulateMemory(h: MemoryOpHost, g: number): boolean {
  const cpu = h.cpu;
  const vm = h.vm;
  let d;
  try {
    d = h.access.fetch(g);
  } catch (err) {
    if (!(err instanceof GuestFault)) throw err;
    h.deliver(err.vector, err.error, err.address);
    return true;
  }
  if (d === null) return false;
  const mn = d.info.mnemonic;
  const size = mn === 'ldh' || mn === 'sth' ? 2 : mn === 'ldb' || mn === 'stb' ? 1 : 4;
  const store = mn === 'st' || mn === 'sth' || mn === 'stb' || mn === 'push';
  if (!store && mn !== 'ld' && mn !== 'ldh' && mn !== 'ldb') return false;
  const r = cpu.r;
  const form = d.info.form;
  const va =
    mn === 'push'
      ? (r[SP]! - 4) >>> 0
      : form === 'rM' || form === 'Mr'
        ? ((d.imm16 & ABS_FLAG ? 0 : r[d.b]!) + d.imm) >>> 0
        : (r[d.b]! + d.imm) >>> 0;
  if ((va & 0xfff) + size > 0x1000) return false;
  const v = vm.v;
  const w = walkGuest(vm.guest, v.cr3, (v.cr0 & CR0_PG) !== 0, va, { write: store, user: false, fetch: false }, true);
  if (!w.ok) {
    h.deliver(VEC.PF, w.error, va);
    return true;
  }
  const gpa = w.gpa;
  const bus = vm.platform.bus;
  if (vm.guest.contains(gpa, size)) {
    if (store) {
      const value = r[d.a]! >>> 0;
      h.dropFrame(gpa >>> 12);
      if (h.shadow.isPageTable(gpa)) {
        h.shadow.guestWrite(gpa, size as 1 | 2 | 4, value);
        cpu.flushTlb();
      } else vm.guest.write(gpa, size as 1 | 2 | 4, value);
    } else r[d.a] = vm.guest.read(gpa, size as 1 | 2 | 4);
  } else if (bus.claimsMmio(gpa, size)) {
    if (store) bus.mmioWrite(gpa, size, r[d.a]! >>> 0);
    else r[d.a] = bus.mmioRead(gpa, size);
  } else {
    h.deliver(VEC.PF, PF_ERR.P | (store ? PF_ERR.W : 0), va);
    return true;
  }
  if (mn === 'push') r[SP] = va | 0;
  cpu.pc = (g + d.size) >>> 0;
  vm.counters.emulatedInstructions++;
  vm.retire(1);
  return true;
}
