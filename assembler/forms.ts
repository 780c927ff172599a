// Matching an instruction's operands to the ISA table's forms, and the aliases of the pinned syntax.
import { BY_MNEMONIC, type Form, type GuestForm, type OpcodeInfo } from '../isa/table.js';
import type { Operand } from './ast.js';

/** Operand kinds as one letter each: r register, c control register, m memory, i expression, s string. */
export type Shape = string;

/** Guest forms only: window instructions are refused by name before their operands are looked at. */
const FORM_SHAPE: Readonly<Partial<Record<Form, Shape>>> = {
  none: '',
  r: 'r',
  rr: 'rr',
  ri: 'ri',
  rI: 'ri',
  rm: 'rm',
  rM: 'rm',
  mr: 'mr',
  Mr: 'mr',
  j: 'i',
  v: 'i',
  rp: 'ri',
  pr: 'ir',
  rc: 'rc',
  cr: 'cr',
} satisfies Record<GuestForm, Shape>;

const ALIASES: Readonly<Record<string, string>> = { je: 'jz', jne: 'jnz' };

const MOV_ENTRIES: readonly OpcodeInfo[] = [...(BY_MNEMONIC.get('mov') ?? []), ...(BY_MNEMONIC.get('li') ?? [])];

type Kind = Operand['k'];
const KIND_LETTER: Readonly<Record<Kind, string>> = { reg: 'r', cr: 'c', mem: 'm', str: 's', expr: 'i' };
const KINDS = Object.keys(KIND_LETTER) as Kind[];
/** Two-operand shapes by kinds, precomputed: shapeOf runs for every instruction. */
const PAIR = Object.fromEntries(
  KINDS.map((x) => [x, Object.fromEntries(KINDS.map((y) => [y, KIND_LETTER[x] + KIND_LETTER[y]]))]),
) as Record<Kind, Record<Kind, Shape>>;

export function shapeOf(ops: readonly Operand[]): Shape {
  if (ops.length === 0) return '';
  if (ops.length === 1) return KIND_LETTER[ops[0]!.k];
  if (ops.length === 2) return PAIR[ops[0]!.k][ops[1]!.k];
  let s = '';
  for (const o of ops) s += KIND_LETTER[o.k];
  return s;
}

/** Table entries for a mnemonic (aliases resolved; `mov ra, imm` adds li's forms). Undefined if unknown. */
export function entriesFor(mnemonic: string): readonly OpcodeInfo[] | undefined {
  const m = ALIASES[mnemonic] ?? mnemonic;
  return m === 'mov' ? MOV_ENTRIES : BY_MNEMONIC.get(m);
}

const byShape = new WeakMap<readonly OpcodeInfo[], Map<Shape, OpcodeInfo[]>>();

/** Entries whose form accepts the operand shape: one, or a short/long pair (short first). Cached per mnemonic. */
export function matchShape(entries: readonly OpcodeInfo[], shape: Shape): readonly OpcodeInfo[] {
  let m = byShape.get(entries);
  if (!m) byShape.set(entries, (m = new Map()));
  let list = m.get(shape);
  if (!list) m.set(shape, (list = entries.filter((e) => FORM_SHAPE[e.form] === shape)));
  return list;
}

function syntaxOf(mnemonic: string, form: Form): string {
  const parts: Partial<Record<Form, string>> = {
    none: '',
    r: 'rA',
    rr: 'rA, rB',
    ri: 'rA, imm',
    rI: 'rA, imm',
    rm: 'rA, [mem]',
    rM: 'rA, [mem]',
    mr: '[mem], rA',
    Mr: '[mem], rA',
    j: 'target',
    v: 'vector',
    rp: 'rA, port',
    pr: 'port, rA',
    rc: 'rA, crN',
    cr: 'crN, rA',
  } satisfies Record<GuestForm, string>;
  return !parts[form] ? `\`${mnemonic}\`` : `\`${mnemonic} ${parts[form]}\``;
}

/** "`ld` expects `ld rA, [mem]`" or "`add` expects `add rA, rB` or `add rA, imm`". */
export function expectsMessage(mnemonic: string, entries: readonly OpcodeInfo[]): string {
  const seen: string[] = [];
  for (const e of entries) {
    const s = syntaxOf(mnemonic, e.form);
    if (!seen.includes(s)) seen.push(s);
  }
  const list = seen.length <= 2 ? seen.join(' or ') : `${seen.slice(0, -1).join(', ')} or ${seen[seen.length - 1]}`;
  return `\`${mnemonic}\` expects ${list}`;
}
