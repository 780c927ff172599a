// Reports about exits: a `perf kvm stat`-style table, the live `--trace exits` line, and the sensitive instructions that diverged silently.

import { findTechnique } from '../hv/techniques/registry.js';
import Table from 'cli-table3';
import type { Image } from '../../assembler/types.js';
import type { ExitReason } from '../../isa/abi.js';
import type { CostProfile } from '../cost/profile.js';
import type { VmExit } from '../hv/exits.js';
import type { VmRunResult } from '../hv/hypervisor.js';
import { lineFor, vectorName } from './crash.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** Exits by reason with count, share, and the modeled cycles they cost (exit round trip plus handling). */
export function formatExitStats(r: VmRunResult, profile: CostProfile): string {
  const table = exitTable(r, profile);
  const own = findTechnique(r.technique)?.formatStats?.(r.stats);
  return own ? `${table}\n${own}` : table;
}

function exitTable(r: VmRunResult, profile: CostProfile): string {
  const s = r.stats;
  const title = `Exits of ${r.name} under ${r.technique}${r.memory ? `/${r.memory}` : ''} (cycles modeled with the ${profile.name} profile)`;
  const t = findTechnique(r.technique);
  if (s.exitsTotal === 0) return `${title}\n  no exits: the guest never left ${t?.oracle ? 'bare metal' : 'the CPU'} for the VMM`;
  const hw = t?.accounting.exits === 'hardware';
  const rows: Array<[string, number, number]> = [];
  for (const [reason, count] of Object.entries(s.exits)) {
    if (reason === 'EXCEPTION') {
      for (const [v, n] of Object.entries(s.exceptionExits))
        rows.push([`EXCEPTION ${vectorName(Number(v))}`, n, n * perExit(profile, 'EXCEPTION', hw)]);
      continue;
    }
    rows.push([reason, count, count * perExit(profile, reason as ExitReason | 'UPCALL', hw)]);
  }
  rows.sort((a, b) => b[2] - a[2] || b[1] - a[1]);
  const cycles = rows.reduce((a, x) => a + x[2], 0);
  const table = new Table({
    head: ['exit reason', 'count', 'count %', 'modeled cycles', 'cycles %'],
    colAligns: ['left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const [reason, count, cyc] of rows) table.push([reason, fmt(count), pct(count, s.exitsTotal), fmt(cyc), pct(cyc, cycles)]);
  table.push(['total', fmt(s.exitsTotal), '100.0%', fmt(cycles), pct(cycles, s.modeledCycles) + ' of run']);
  const note = t?.exitNote ?? '';
  return `${title}\n${table.toString()}\n  ${note}`;
}

function perExit(p: CostProfile, reason: ExitReason | 'UPCALL', hw: boolean): number {
  // A PV event delivery is no trap into the VMM of the guest's making: it is charged as an upcall.
  if (reason === 'UPCALL') return p.costs.eventUpcall;
  return hw ? p.costs.vmExit + (p.exitHandling[reason] ?? 0) : p.costs.hostTrap;
}

/** One line per exit for `--trace exits`. */
export function formatExitTrace(vm: string, e: VmExit, image?: Image): string {
  const pc = 'pc' in e ? e.pc : undefined;
  const where = pc !== undefined && image ? lineFor(image.lines, pc) : undefined;
  let detail = '';
  switch (e.reason) {
    case 'EXCEPTION':
      detail = `${vectorName(e.vector)} error=0x${e.error.toString(16)}${e.vector === 14 ? ` cr2=0x${(e.cr2 >>> 0).toString(16)}` : ''}`;
      break;
    case 'SOFT_INT':
    case 'EXT_INTERRUPT':
    case 'TRIPLE_FAULT':
      detail = vectorName(e.vector);
      break;
    case 'EPT_VIOLATION':
      detail = `gpa=0x${(e.gpa >>> 0).toString(16)}${e.write ? ' write' : e.fetch ? ' fetch' : ' read'}`;
      break;
  }
  return [
    `exit ${vm}`,
    e.reason.padEnd(16),
    pc !== undefined ? `pc=0x${(pc >>> 0).toString(16).padStart(8, '0')}` : ''.padEnd(11),
    detail,
    where ? `${where.file}:${where.line}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

/** Every sensitive instruction that silently did the wrong thing, in the result's order (popf first). */
export function formatDivergences(r: VmRunResult): string {
  const lines = r.divergences.map((d) => `  ${d.message}${d.count > 1 ? ` (${fmt(d.count)} times)` : ''}`);
  const n = fmt(r.stats.silentFailures);
  return [
    `vmlab: ${r.name} diverged from bare metal under ${r.technique}: ${n} sensitive instructions ran unseen by the VMM and showed the guest the real CPU.`,
    ...lines,
    `  ${divergenceHint(r.technique)}`,
  ].join('\n');
}

/** Why these instructions escaped the VMM under this technique, and what would catch them. */
export function divergenceHint(technique: VmRunResult['technique']): string {
  if (technique === 'bt')
    return (
      'Binary translation translates only kernel code: user code (ring 3) runs as it is, and its pushf, popf, rdcpl ' +
      'and sidt read the real CPU, as under VMware (whose user-mode sidt the 2004 "Red Pill" test used to detect it). ' +
      'With --strict they raise #GP at ring 3, as on any strict machine; under hw they read the guest\'s own state.'
    );
  return 'VX32 is not classically virtualizable (Popek & Goldberg, Theorem 1): run with --strict to make them trap, or use hw.';
}
