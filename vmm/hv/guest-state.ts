// A VM's final state as its guest sees it: registers (virtual where the VMM keeps them), RAM, disk and the wire.
//
// The testing API reads it after a run to inspect registers and memory, packets sent and blocks written.

import { FLAGS } from '../../isa/abi.js';
import type { CrashRegisters } from './crash.js';
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

/** The CPU state saved at the VM's last world switch, as registers (what the real CPU held). */
export function savedRegisters(vm: Vm): GuestRegisters {
  const s = vm.state;
  if (!s) throw new Error(`${vm.name} never ran`);
  return {
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
}

/** For a kernel run deprivileged: the real registers, with what it believes about the rest from its virtual CPU. */
export function deprivilegedRegisters(vm: Vm): GuestRegisters {
  const real = savedRegisters(vm);
  const v = vm.v;
  return {
    ...real,
    flags: (real.flags & ~FLAGS.IF) | (v.vif ? FLAGS.IF : 0),
    cpl: guestCpl(real.cpl),
    cr0: v.cr0,
    cr2: v.cr2 >>> 0,
    cr3: v.cr3 >>> 0,
    cr4: v.cr4 >>> 0,
    cr8: v.cr8,
    ivtb: v.ivtb >>> 0,
  };
}

/** `registers`: the guest's view of its CPU, as its technique's runner reports it. */
export function finalState(vm: Vm, registers: GuestRegisters): GuestFinalState {
  const p = vm.platform;
  return {
    registers,
    ram: vm.guest.raw,
    disk: p.block.disk,
    packetsSent: p.wire.sent,
  };
}
