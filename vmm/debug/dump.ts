// The state of a VM as text, in the forms both `vmlab run --dump` and the debugger print.

import { FLAGS, PTE } from '../../isa/abi.js';
import { pageOffset, pdIndex, ptIndex } from '../../isa/paging.js';
import { registerName } from '../../isa/table.js';
import type { GuestRegisters } from '../hv/guest-state.js';
import type { GuestView, HostCpuState, Mapping, PageWalk } from './guest-view.js';

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** An entry's bits by name, upper case when set: `P W U A D`. */
export function pteBits(v: number): string {
  const bit = (m: number, c: string) => ((v & m) !== 0 ? c.toUpperCase() : '-');
  return [bit(PTE.P, 'p'), bit(PTE.W, 'w'), bit(PTE.U, 'u'), bit(PTE.A, 'a'), bit(PTE.D, 'd')].join('');
}

/** r0..r15 four to a line, then pc, flags, ring and control registers; under a VMM, the real CPU's beside them. */
export function formatRegisters(g: GuestRegisters, host: HostCpuState | null = null): string {
  const out: string[] = [];
  for (let row = 0; row < 4; row++) {
    const cells: string[] = [];
    for (let col = 0; col < 4; col++) {
      const n = row * 4 + col;
      cells.push(`${registerName(n).padStart(3)} ${hex8(g.r[n] ?? 0)}`);
    }
    out.push(cells.join('  '));
  }
  const ifOn = (f: number) => ((f & FLAGS.IF) !== 0 ? 'IF' : 'if');
  out.push(` pc ${hex8(g.pc)}  flags ${hex8(g.flags)} (${ifOn(g.flags)})  cpl ${g.cpl}  ivtb ${hex8(g.ivtb)}`);
  out.push(`cr0 ${hex8(g.cr0)}  cr2 ${hex8(g.cr2)}  cr3 ${hex8(g.cr3)}  cr4 ${hex8(g.cr4)}  cr8 ${g.cr8}`);
  if (host && (host.cpl !== g.cpl || (host.flags & FLAGS.IF) !== (g.flags & FLAGS.IF) || host.cr3 !== g.cr3 >>> 0))
    out.push(`host CPU (real): ring ${host.cpl}  ${ifOn(host.flags)}  cr3 ${hex8(host.cr3)}`);
  else if (host) out.push('host CPU (real): the same ring, IF and cr3 (the guest owns the CPU)');
  return out.join('\n');
}

export type Unit = 'b' | 'h' | 'w';
const UNIT_BYTES: Readonly<Record<Unit, number>> = { b: 1, h: 2, w: 4 };

/** `count` units at `addr` as gdb's x/ prints them: the address, then up to 16 bytes' worth a line. */
export function formatMemory(view: GuestView, addr: number, count: number, unit: Unit, phys = false): string {
  const size = UNIT_BYTES[unit];
  const bytes = view.read(addr, count * size, phys);
  const perLine = 16 / size;
  const out: string[] = [];
  for (let i = 0; i < count; i += perLine) {
    const cells: string[] = [];
    for (let k = i; k < Math.min(count, i + perLine); k++) {
      const part = bytes.slice(k * size, k * size + size);
      if (part.some((b) => b === null)) cells.push('?'.repeat(size * 2 + 2));
      else cells.push(`0x${part.reduce((acc: number, b, j) => acc + (b! * 2 ** (8 * j)), 0).toString(16).padStart(size * 2, '0')}`);
    }
    out.push(`${hex8(addr + i * size)}:  ${cells.join(' ')}`);
  }
  return out.join('\n');
}

/** A page walk, a line per level with the entry's address, value and bits, then where it ended. */
export function formatWalk(w: PageWalk): string {
  if (!w.paging) return `${hex8(w.va)}: paging is off (cr0.PG = 0): physical ${w.pa === null ? '(outside RAM)' : hex8(w.pa)}`;
  const out = [`${hex8(w.va)}: cr3 ${hex8(w.cr3)}  directory index ${pdIndex(w.va)}, table index ${ptIndex(w.va)}, offset 0x${pageOffset(w.va).toString(16)}`];
  for (const l of w.levels) out.push(`  ${l.level} at ${hex8(l.addr)} = ${hex8(l.value)}  ${pteBits(l.value)}  frame ${hex8(l.value & PTE.FRAME_MASK)}${l.present ? '' : '  (not present)'}`);
  if (w.levels.length < 2 && w.levels.every((l) => l.present)) out.push('  the table lies outside RAM');
  out.push(w.pa === null ? '  -> not mapped' : `  -> physical ${hex8(w.pa)}  ${w.writable ? 'writable' : 'read-only'}, ${w.user ? 'user' : 'kernel-only'}`);
  return out.join('\n');
}

/** The address space as runs of pages: virtual range, physical start, bits. */
export function formatMappings(ms: readonly Mapping[]): string {
  if (ms.length === 0) return 'paging is off: no page tables';
  return ms
    .map((m) => `${hex8(m.va)}-${hex8(m.va + m.pages * 4096 - 1)} -> ${hex8(m.pa)}  ${pteBits(m.bits)}  ${m.pages} page${m.pages === 1 ? '' : 's'}`)
    .join('\n');
}
