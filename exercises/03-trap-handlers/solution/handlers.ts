// Exercise 03, reference solution: trap-and-emulate handlers for cli, sti, hlt and the control-register moves.
//
// The VMM calls a handler after the guest kernel, deprivileged to ring 1, faulted on the instruction.
// The handler works on the virtual CPU (ctx.v: what the guest believes) and must leave ctx.pc on the
// next instruction, or make the guest take a fault by throwing a GuestFault.
import { CR, GuestFault, VEC, type EmulationContext, type HandlerOverrides } from 'vmlab/testing';

/** The value of control register `cr` as the guest sees it; #UD for a register VX32 does not have. */
function readControl(ctx: EmulationContext, cr: number): number {
  switch (cr) {
    case CR.CR0:
      return ctx.v.cr0;
    case CR.CR2:
      return ctx.v.cr2;
    case CR.CR3:
      return ctx.v.cr3;
    case CR.CR4:
      return ctx.v.cr4;
    case CR.CR8:
      return ctx.v.cr8;
    default:
      throw new GuestFault(VEC.UD);
  }
}

export const handlers = {
  // The guest's IF is virtual: the real one stays 1 so the VMM keeps its own interrupts.
  cli: (ctx, d) => {
    ctx.v.vif = false;
    ctx.pc += d.size;
  },
  sti: (ctx, d) => {
    ctx.v.vif = true;
    ctx.pc += d.size;
  },
  // The VMM idles the VM until an interrupt it can deliver (or stops it if none can come).
  hlt: (ctx, d) => {
    ctx.v.halted = true;
    ctx.pc += d.size;
  },
  'mov.rc': (ctx, d) => {
    ctx.regs[d.a] = readControl(ctx, d.b);
    ctx.pc += d.size;
  },
  // setControl lets the technique react: a new shadow for cr3 and cr0, a priority for cr8.
  'mov.cr': (ctx, d) => {
    readControl(ctx, d.b); // #UD before any effect
    ctx.setControl(d.b, ctx.regs[d.a]! >>> 0);
    ctx.pc += d.size;
  },
} satisfies HandlerOverrides;
