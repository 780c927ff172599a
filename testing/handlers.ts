// Guard rails for student-written trap handlers: a handler that throws or never moves pc gets a clear message.

import { CheckFailure } from './failure.js';
import { GuestFault, type Handler, type HandlerOverrides, type SystemId } from '../vmm/hv/privileged.js';

/**
 * Wrap each handler so that a JavaScript error becomes a CheckFailure naming the handler, and a handler
 * that returns with pc still on its instruction (the guest would trap on it forever) is caught at once
 * instead of spinning until the VMM's stuck-VM guard. GuestFault passes through: that is how a handler
 * makes the guest take a fault.
 */
export function checkedHandlers(handlers: HandlerOverrides): HandlerOverrides {
  const out: Partial<Record<SystemId, Handler>> = {};
  for (const [id, h] of Object.entries(handlers) as [SystemId, Handler | undefined][]) {
    if (typeof h !== 'function') throw new CheckFailure(`handlers.${id} is not a function`);
    out[id] = (ctx, d) => {
      const pc = ctx.pc;
      try {
        h(ctx, d);
      } catch (e) {
        if (e instanceof GuestFault || e instanceof CheckFailure) throw e;
        throw new CheckFailure(`your \`${id}\` handler threw at guest pc 0x${pc.toString(16)}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (ctx.pc === pc && id !== 'iret')
        throw new CheckFailure(
          `your \`${id}\` handler returned with pc still at 0x${pc.toString(16)}: the guest would trap on the same instruction forever (advance ctx.pc by d.size)`,
        );
    };
  }
  return out;
}
