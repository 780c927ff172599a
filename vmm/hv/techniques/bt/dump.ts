// `--dump-cache`: each translated guest block beside its translation, with the guest's source lines.

import type { Image } from '../../../../assembler/types.js';
import { disassembleInsn, disassembleTranslated, labelLookup, type WindowNames } from '../../../../assembler/disasm.js';
import { lengthOf } from '../../../../isa/encoding.js';
import { lineFor } from '../../crash.js';
import type { Block, CodeCache } from './code-cache.js';
import { CALLOUT_NAMES, SLOT } from './layout.js';

const SLOT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(SLOT).map(([k, v]) => [v, k.toLowerCase()]));
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const slotName = (s: number) => SLOT_NAMES[s] ?? (s >= SLOT.TABLE ? `table+${s - SLOT.TABLE}` : `slot${s}`);

/** Slots and callouts by their layout.ts names. */
const NAMES: WindowNames = { slot: slotName, callout: (n) => CALLOUT_NAMES[n] ?? String(n) };

/** One translated word as text: window instructions with the layout's names, guest ones as the disassembler prints them. */
export function formatTranslated(w: number, ext: number, tpc: number): string {
  return disassembleTranslated(w, ext, tpc, NAMES);
}

/** Read the guest's instruction words for the dump (through the VMM's view of guest memory). */
export type GuestReader = (va: number) => number | null;

function translatedLines(cache: CodeCache, from: number, to: number): string[] {
  const out: string[] = [];
  for (let tpc = from; tpc < to; ) {
    const i = cache.indexOf(tpc);
    const w = cache.read(i);
    const long = lengthOf(w, true) === 8;
    const ext = long ? cache.read(i + 1) : 0;
    out.push(`${hex(tpc)}  ${formatTranslated(w, ext, tpc)}`);
    tpc += long ? 8 : 4;
  }
  return out;
}

/** The dump of one block: guest source, guest instruction and its translation, side by side. */
export function formatBlock(cache: CodeCache, b: Block, image: Image | null, read: GuestReader): string {
  const syms = image ? labelLookup(image.symbols) : undefined;
  const rows: [string, string, string][] = [];
  for (const insn of b.insns) {
    const l = image ? lineFor(image.lines, insn.pc) : undefined;
    const where = l ? `${l.file}:${l.line}` : '';
    const w = read(insn.pc);
    const ext = insn.size === 8 ? (read(insn.pc + 4) ?? 0) : 0;
    const guest = w === null ? '(unreadable)' : disassembleInsn(w, ext, insn.pc, syms);
    const t = translatedLines(cache, insn.from, insn.to);
    rows.push([where, `${hex(insn.pc)}  ${guest}`, t[0] ?? '']);
    for (const more of t.slice(1)) rows.push(['', '', more]);
  }
  const stubsFrom = b.insns.length ? b.insns[b.insns.length - 1]!.to : b.tpc;
  const stubs = translatedLines(cache, stubsFrom, (b.tpc + b.words * 4) >>> 0);
  const w0 = Math.max(...rows.map((r) => r[0].length), 0);
  const w1 = Math.max(...rows.map((r) => r[1].length), 0);
  const head = `block ${b.id}${b.live ? '' : ' (invalidated)'}: guest ${hex(b.guestPc)}..${hex(b.guestEnd)}, ${b.insns.length} instructions -> ${hex(b.tpc)}, ${b.words} words`;
  const lines = [head, ...rows.map(([a, g, t]) => `  ${a.padEnd(w0)}  ${g.padEnd(w1)}  | ${t}`.trimEnd())];
  for (const s of stubs) lines.push(`  ${''.padEnd(w0)}  ${'exit stub'.padEnd(w1)}  | ${s}`);
  return lines.join('\n');
}

/** Every block in the cache, in translation order. */
export function formatCache(cache: CodeCache, image: Image | null, read: GuestReader): string {
  const head = `code cache: ${cache.blocks.length} blocks, ${cache.usedWords} of ${cache.limitWords} words used, ${cache.flushes} flushes`;
  return [head, '', ...cache.blocks.map((b) => `${formatBlock(cache, b, image, read)}\n`)].join('\n');
}
