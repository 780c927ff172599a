// A VM's final state as its guest sees it: registers (virtual where the VMM keeps them), RAM, disk and the wire.
//
// The testing API reads it after a run to inspect registers and memory, packets sent and blocks written.

import { FLAGS } from '../../isa/abi.js';
import type { CrashRegisters } from '../report/crash.js';
import type { MemoryMode, Technique } from './types.js';
import { guestCpl } from './vcpu.js';
import type { Vm } from './vm.js';

/** r0..r15 (unsigned), pc, FLAGS (with the guest's IF), the guest's CPL and control registers, IVTB. */
export type GuestRegisters = CrashRegisters;

export interface GuestFinalState {
  readonly registers: GuestRegisters;
  /** The guest's physical RAM (a live view: copy it to keep it past the next run). */
  readonly ram: Uint8Array;
  /** The block device's backing store after the run. */
  readonly disk: Uint8Array;
  /** Every packet the guest's NIC put on the wire, in order. */
  readonly packetsSent: readonly Uint8Array[];
}

/** The registers the guest believes it has, from the CPU state saved at its last world switch. */
export function guestRegisters(vm: Vm, technique: Technique, memory: MemoryMode | null): GuestRegisters {
  const s = vm.state;
  if (!s) throw new Error(`${vm.name} never ran`);
  const real: GuestRegisters = {
    r: s.r.map((x) => x >>> 0),
    pc: s.pc >>> 0,
    flags: s.flags,
    cpl: s.cpl,
    cr0: s.cr0,
    cr2: s.cr2 >>> 0,
    cr3: s.cr3 >>> 0,
    cr4: s.cr4 >>> 0,
    cr8: s.cr8,
    ivtb: s.ivtb >>> 0,
  };
  const v = vm.v;
  if (technique === 'hw') return memory === 'shadow' ? { ...real, cr0: v.cr0, cr3: v.cr3 >>> 0 } : real;
  if (technique === 'emulate') return real;
  // The kernel runs deprivileged: what it believes lives in the virtual CPU.
  return {
    ...real,
    flags: (s.flags & ~FLAGS.IF) | (v.vif ? FLAGS.IF : 0),
    cpl: guestCpl(s.cpl),
    cr0: v.cr0,
    cr2: v.cr2 >>> 0,
    cr3: v.cr3 >>> 0,
    cr4: v.cr4 >>> 0,
    cr8: v.cr8,
    ivtb: v.ivtb >>> 0,
  };
}

export function finalState(vm: Vm, technique: Technique, memory: MemoryMode | null): GuestFinalState {
  const p = vm.platform;
  return {
    registers: guestRegisters(vm, technique, memory),
    ram: vm.guest.raw,
    disk: p.block.disk,
    packetsSent: p.wire.sent,
  };
}
