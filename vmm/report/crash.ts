// Crash reports rendered for a person: the instruction, its source line, the fault and the registers.
import { FLAGS, VEC } from '../../isa/abi.js';
import { registerName } from '../../isa/table.js';
import type { CrashReport } from '../hv/crash.js';

export {
  buildCrashReport,
  cpuRegisters,
  faultingPc,
  lineFor,
  tripleFaultReason,
  vectorName,
  VECTOR_NAMES,
  type CrashReport,
  type CrashRegisters,
} from '../hv/crash.js';

const hex8 = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** Human-readable report for stderr. */
export function formatCrash(r: CrashReport): string {
  const out: string[] = [];
  out.push(`guest crashed: ${r.reason}`);
  out.push(`  at ${hex8(r.pc)}: ${r.instruction ?? '(instruction not readable)'}`);
  if (r.source) out.push(`  ${r.source.file}:${r.source.line}: ${r.source.text?.trim() ?? '(source not available)'}`);
  if (r.fault) {
    const f = r.fault;
    let line = `  fault: ${f.name} (vector ${f.vector}), error code ${hex8(f.error)}`;
    if (f.vector === VEC.PF) line += `, cr2 = ${hex8(f.cr2)}`;
    out.push(line);
  }
  const g = r.registers;
  for (let row = 0; row < 4; row++) {
    const cells: string[] = [];
    for (let col = 0; col < 4; col++) {
      const n = row * 4 + col;
      cells.push(`${registerName(n).padStart(3)} ${hex8(g.r[n] ?? 0)}`);
    }
    out.push('  ' + cells.join('  '));
  }
  const ifOn = (g.flags & FLAGS.IF) !== 0 ? 'IF' : 'if';
  out.push(`   pc ${hex8(g.pc)}  flags ${hex8(g.flags)} (${ifOn})  cpl ${g.cpl}  ivtb ${hex8(g.ivtb)}`);
  out.push(`  cr0 ${hex8(g.cr0)}  cr2 ${hex8(g.cr2)}  cr3 ${hex8(g.cr3)}  cr4 ${hex8(g.cr4)}  cr8 ${g.cr8}`);
  return out.join('\n');
}
