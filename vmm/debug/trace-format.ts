// The trace's line format (docs/trace-format.md): six `|`-separated fields, the kind first, stable for grep and cut.
//
//   <kind>[@vm] | <n> | <pc> | <file:line> | <what> | <detail>
//
// kind is insn, exit, irq or mmu; n the guest instructions completed before the event; pc 0x-prefixed
// eight hex digits (or -); what the disassembly, exit reason, vector or MMU change; detail the registers
// changed (name=new), the exit's qualification, the vector's name or old -> new.

import { vectorName } from '../hv/crash.js';
import type { TraceEvent } from './events.js';

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The line for one event; `vm` is shown when the run has several VMs. */
export function formatEvent(e: TraceEvent, showVm = false): string {
  const who = showVm ? `@${e.vm}` : '';
  const cells = (kind: string, pc: number | null, where: string | null, what: string, detail: string) =>
    [`${kind}${who}`, String(e.n), pc === null ? '-' : hex8(pc), where ?? '-', what, detail].join(' | ');
  switch (e.kind) {
    case 'insn':
      return cells('insn', e.pc, e.where, e.text ?? '(unreadable)', e.changed.map((c) => `${c.name}=${hex8(c.after)}`).join(' '));
    case 'exits': {
      const x = e.exit;
      let detail = '';
      if (x.reason === 'EXCEPTION') detail = `${vectorName(x.vector)} error=${hex8(x.error)}${x.vector === 14 ? ` cr2=${hex8(x.cr2)}` : ''}`;
      else if (x.reason === 'SOFT_INT' || x.reason === 'EXT_INTERRUPT' || x.reason === 'TRIPLE_FAULT') detail = vectorName(x.vector);
      else if (x.reason === 'EPT_VIOLATION') detail = `gpa=${hex8(x.gpa)} ${x.write ? 'write' : x.fetch ? 'fetch' : 'read'}`;
      return cells('exit', 'pc' in x ? x.pc : null, e.where, x.reason, detail);
    }
    case 'irq':
      return cells('irq', null, null, `vector 0x${e.vector.toString(16)}`, vectorName(e.vector));
    case 'mmu':
      return cells('mmu', e.pc, e.where, e.what, e.what === 'invlpg' ? '' : `${hex8(e.before)} -> ${hex8(e.after)}`);
  }
}
