// The listing (address, bytes, source per line; macro lines marked `+`, included lines `I`) and the symbol map.
import type { Assembly, ListRow } from './state.js';
import type { SymbolEntry } from './types.js';

const BYTES_PER_ROW = 8;
const MAX_DATA_ROWS = 4;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function bytesText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ' ' : '') + b[i]!.toString(16).padStart(2, '0');
  return s.padEnd(BYTES_PER_ROW * 3 - 1);
}

function mark(r: ListRow): string {
  return r.unit.isMacro ? '+' : r.unit.includeDepth > 0 ? 'I' : ' ';
}

export function makeListing(a: Assembly): string {
  const out: string[] = [`${'ADDRESS'.padEnd(8)}  ${'BYTES'.padEnd(BYTES_PER_ROW * 3 - 1)}    SOURCE`];
  const blankBytes = ''.padEnd(BYTES_PER_ROW * 3 - 1);
  for (const r of a.rows) {
    if (r.idx < 0) {
      out.push(`${''.padEnd(8)}  ${blankBytes}  ${mark(r)} ${r.header ?? ''}`);
      continue;
    }
    const src = r.unit.lines[r.idx] ?? '';
    const sec = a.sections[r.item?.sec ?? r.sec]!;
    const it = r.item;
    const addr = sec.base + (it ? it.off : r.off);
    const size = it && it.sec !== 2 && it.kind !== 'equ' ? it.size : 0;
    const shown = Math.min(size, BYTES_PER_ROW * MAX_DATA_ROWS);
    const first = sec.data.subarray(it?.off ?? 0, (it?.off ?? 0) + Math.min(shown, BYTES_PER_ROW));
    const addrText = r.stmt ? hex8(addr) : ''.padEnd(8);
    // A constant's line shows its value where other lines show bytes.
    const v = it?.kind === 'equ' ? it.value : undefined;
    const bytesCol = size ? bytesText(first) : v !== undefined ? `= ${hex8(v)}`.padEnd(blankBytes.length) : blankBytes;
    out.push(`${addrText}  ${bytesCol}  ${mark(r)} ${src}`);
    for (let o = BYTES_PER_ROW; o < shown; o += BYTES_PER_ROW) {
      const chunk = sec.data.subarray(it!.off + o, it!.off + Math.min(shown, o + BYTES_PER_ROW));
      out.push(`${hex8(addr + o)}  ${bytesText(chunk)}  ${mark(r)}`);
    }
    if (size > shown) out.push(`${''.padEnd(8)}  ${'...'.padEnd(BYTES_PER_ROW * 3 - 1)}  ${mark(r)}`);
  }
  return out.join('\n') + '\n';
}

export function makeMap(symbols: readonly SymbolEntry[]): string {
  const out = [`${'VALUE'.padEnd(8)}  KIND   BIND    NAME`];
  for (const s of symbols) {
    out.push(`${hex8(s.value)}  ${s.kind.padEnd(5)}  ${(s.global ? 'global' : 'local').padEnd(6)}  ${s.name}`);
  }
  return out.join('\n') + '\n';
}
