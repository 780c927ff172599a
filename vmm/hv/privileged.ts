// Trap-and-emulate handlers: what the VMM does, against the virtual CPU, for each privileged or sensitive instruction.
//
// The map is typed over every non-innocuous instruction of the ISA table, so adding one to the table
// without a handler here fails to compile. The same handlers serve `trap` (after a #GP at ring 1),
// strict VX32 (where the sensitive ones trap too), and `hw` control-register exits.

import { CR, FLAGS, SP, VEC } from '../../isa/abi.js';
import type { Decoded } from '../../isa/encoding.js';
import { ISA } from '../../isa/table.js';
import { frameCpl, newTrapReturn, readTrapReturn, type FrameMemory } from '../../isa/trap-frame.js';
import type { InsnMemory } from './memory-insn.js';
import type { VirtualCpu } from './vcpu.js';

/** A fault the guest must see, raised while emulating (e.g. a bad iret, a stack page not mapped). */
export class GuestFault extends Error {
  constructor(
    readonly vector: number,
    readonly error = 0,
    /** Fault address for #PF. */
    readonly address = 0,
  ) {
    super(`guest fault ${vector}`);
  }
}

/** What a handler may touch. The technique provides it; handlers never see the real CPU. */
export interface EmulationContext {
  /** The guest's general registers (live). */
  readonly regs: Int32Array;
  /** The address of the instruction being emulated; a handler sets it to the next instruction. */
  pc: number;
  /** The guest's condition flags (Z S C O); IF is `v.vif`. */
  arith: number;
  /** The guest's own idea of its privilege level (0 for its kernel). */
  readonly cpl: number;
  readonly v: VirtualCpu;
  portRead(port: number): number;
  portWrite(port: number, value: number): void;
  /**
   * The instruction's own 32-bit guest-virtual access, with the guest's privileges, any alignment, onto
   * RAM or a device register as the CPU's would be; throws GuestFault.
   */
  readVirt(va: number): number;
  writeVirt(va: number, value: number): void;
  /** readVirt and writeVirt as the trap-frame codec takes them (isa/trap-frame.ts). */
  readonly frame: FrameMemory;
  /** Write a control register; the technique reacts (new address space, paging, priority). */
  setControl(cr: number, value: number): void;
  invlpg(va: number): void;
  /** Resume the guest at `pc` with `sp`, at guest privilege `cpl`. */
  returnTo(pc: number, sp: number, cpl: number): void;
}

/**
 * The parts of a context every technique provides alike: device models and guest-virtual memory.
 * (Device accesses are counted by the VM's bus.)
 */
export function guestServices(
  bus: { portRead(port: number): number; portWrite(port: number, value: number): void },
  memory: Pick<InsnMemory, 'read' | 'write'>,
  cpl: () => number,
): Pick<EmulationContext, 'portRead' | 'portWrite' | 'readVirt' | 'writeVirt' | 'frame'> {
  const mode = () => (cpl() === 3 ? USER_INSN : KERNEL_INSN);
  const readVirt = (va: number): number => memory.read(va, 4, mode());
  const writeVirt = (va: number, value: number): void => memory.write(va, 4, value, mode());
  return {
    portRead: (port) => bus.portRead(port),
    portWrite: (port, value) => bus.portWrite(port, value),
    readVirt,
    writeVirt,
    // A failed access throws GuestFault, so every one that returns succeeded.
    frame: { read32: readVirt, write32: writeVirt, ok: () => true },
  };
}

const KERNEL_INSN = { user: false, devices: true } as const;
const USER_INSN = { user: true, devices: true } as const;

type SystemInsn = Extract<(typeof ISA)[number], { cls: 'privileged' | 'sensitive' }>;
export type SystemId = SystemInsn['id'];
export type Handler = (ctx: EmulationContext, d: Decoded) => void;

function readCr(v: VirtualCpu, cr: number): number {
  switch (cr) {
    case CR.CR0:
      return v.cr0;
    case CR.CR2:
      return v.cr2;
    case CR.CR3:
      return v.cr3;
    case CR.CR4:
      return v.cr4;
    case CR.CR8:
      return v.cr8;
    default:
      throw new GuestFault(VEC.UD);
  }
}

/** The FLAGS word the guest should see: its condition bits, its virtual IF and its virtual CPL. */
export function guestFlags(ctx: Pick<EmulationContext, 'arith' | 'v' | 'cpl'>): number {
  return (ctx.arith & FLAGS.ARITH) | (ctx.v.vif ? FLAGS.IF : 0) | (ctx.cpl << FLAGS.CPL_SHIFT);
}

export const HANDLERS = {
  cli: (ctx, d) => {
    ctx.v.vif = false;
    ctx.pc += d.size;
  },
  sti: (ctx, d) => {
    ctx.v.vif = true;
    ctx.pc += d.size;
  },
  hlt: (ctx, d) => {
    ctx.v.halted = true;
    ctx.pc += d.size;
  },
  in: (ctx, d) => {
    ctx.regs[d.a] = ctx.portRead(d.imm);
    ctx.pc += d.size;
  },
  out: (ctx, d) => {
    ctx.portWrite(d.imm, ctx.regs[d.a]! >>> 0);
    ctx.pc += d.size;
  },
  'mov.rc': (ctx, d) => {
    ctx.regs[d.a] = readCr(ctx.v, d.b);
    ctx.pc += d.size;
  },
  'mov.cr': (ctx, d) => {
    readCr(ctx.v, d.b); // #UD for a register that does not exist, before any effect
    ctx.setControl(d.b, ctx.regs[d.a]! >>> 0);
    ctx.pc += d.size;
  },
  lidt: (ctx, d) => {
    ctx.v.ivtb = ctx.regs[d.a]! >>> 0;
    ctx.pc += d.size;
  },
  invlpg: (ctx, d) => {
    ctx.invlpg(ctx.regs[d.a]! >>> 0);
    ctx.pc += d.size;
  },
  iret: (ctx) => {
    const f = newTrapReturn();
    readTrapReturn(ctx.frame, ctx.regs[SP]! >>> 0, f);
    const cpl = frameCpl(f.flags);
    if (cpl < ctx.cpl) throw new GuestFault(VEC.GP);
    ctx.arith = f.flags & FLAGS.ARITH;
    ctx.v.vif = (f.flags & FLAGS.IF) !== 0;
    ctx.returnTo(f.pc, f.sp, cpl);
  },
  // The sensitive ones reach a handler only where they trap: strict VX32, or an exit that asks for them.
  pushf: (ctx, d) => {
    const sp = ((ctx.regs[SP]! >>> 0) - 4) >>> 0;
    ctx.writeVirt(sp, guestFlags(ctx));
    ctx.regs[SP] = sp;
    ctx.pc += d.size;
  },
  popf: (ctx, d) => {
    const sp = ctx.regs[SP]! >>> 0;
    const value = ctx.readVirt(sp);
    ctx.arith = value & FLAGS.ARITH;
    // As the CPU: outside ring 0 IF is left as it is (a user popf reaches here only through a device page).
    if (ctx.cpl === 0) ctx.v.vif = (value & FLAGS.IF) !== 0;
    ctx.regs[SP] = (sp + 4) | 0;
    ctx.pc += d.size;
  },
  rdcpl: (ctx, d) => {
    ctx.regs[d.a] = ctx.cpl;
    ctx.pc += d.size;
  },
  sidt: (ctx, d) => {
    ctx.regs[d.a] = ctx.v.ivtb;
    ctx.pc += d.size;
  },
} satisfies Record<SystemId, Handler>;

/** A complete handler table, like HANDLERS; a VM may run with some entries replaced (exercise 03). */
export type HandlerTable = Readonly<Record<SystemId, Handler>>;
export type HandlerOverrides = Partial<HandlerTable>;

export function isSystemId(id: string): id is SystemId {
  return Object.hasOwn(HANDLERS, id);
}
