// Exercise 03: YOUR trap-and-emulate handlers for cli, sti, hlt and the control-register moves (see the README).
//
// Under `trap` the guest kernel runs in ring 1, so each of these instructions faults (#GP) and the VMM
// calls your handler with:
//   ctx  - the guest as the VMM sees it: ctx.regs (r0..r15, live), ctx.pc (the faulting instruction),
//          ctx.v (the virtual CPU: vif, cr0, cr2, cr3, cr4, cr8, ivtb, halted), ctx.setControl(cr, value)
//   d    - the decoded instruction: d.a (register operand), d.b (control-register number), d.size (bytes)
// A handler must leave ctx.pc on the next instruction, or throw new GuestFault(VEC.UD) (or another
// vector) to make the guest take that fault instead. Every handler below only skips its instruction.
import { type HandlerOverrides } from 'vmlab/testing';

export const handlers = {
  // TODO: the guest turns its interrupts off.
  cli: (ctx, d) => {
    ctx.pc += d.size;
  },
  // TODO: the guest turns its interrupts on.
  sti: (ctx, d) => {
    ctx.pc += d.size;
  },
  // TODO: the guest waits for an interrupt.
  hlt: (ctx, d) => {
    ctx.pc += d.size;
  },
  // TODO: mov rd, crN - read the guest's control register d.b into register d.a.
  'mov.rc': (ctx, d) => {
    ctx.pc += d.size;
  },
  // TODO: mov crN, rs - write register d.a into the guest's control register d.b.
  'mov.cr': (ctx, d) => {
    ctx.pc += d.size;
  },
} satisfies HandlerOverrides;
