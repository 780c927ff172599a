// The lint's ABI rules: no module restates a constant of isa/abi.ts, open-codes page-table indexing or a trap frame's layout.
//
// isa/abi.ts is the one source of the architecture's numbers, isa/paging.ts of page-table geometry and
// isa/trap-frame.ts of the frame's layout. A copy elsewhere (`const SP = 15`, `const PAGE = 4096`, a
// `va >>> 22`) drifts silently when the ABI changes, so the lint refuses it:
// - a module-level `const NAME = <number>` whose value equals an ABI constant that shares a word of its
//   name (SP, PAGE, RAM, ...), outside isa/abi.ts; values below 8 are left alone, since small bits,
//   offsets and ordinals coincide by chance;
// - the page-table shifts and masks (`>>> 22`, `& 0x3ff`, `& 1023`, `0xfffff000`) outside isa/ and the assembler;
// - a trap frame's fields (`FRAME.PC`, ...) outside isa/ and the SDK's generator.
import * as abi from '../isa/abi.js';

/** Every numeric ABI constant as (the words of its name, its value): `PAGE_SIZE`, `FRAME.SP` -> FRAME, SP. */
function abiConstants(): Array<{ name: string; words: Set<string>; value: number }> {
  const out: Array<{ name: string; words: Set<string>; value: number }> = [];
  const add = (name: string, value: unknown): void => {
    if (typeof value === 'number') out.push({ name, words: new Set(name.split(/[._]/).filter(Boolean)), value });
  };
  for (const [name, value] of Object.entries(abi)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      for (const [key, v] of Object.entries(value)) add(`${name}.${key}`, v);
    else add(name, value);
  }
  return out;
}

const ABI = abiConstants();

/** Words too common to say two names mean the same thing. */
const GENERIC = new Set(['MAX', 'MIN', 'SIZE', 'COUNT', 'DEFAULT', 'BASE', 'MASK', 'SHIFT', 'BITS', 'NUM', 'LEN']);

/** The value of a simple numeric initializer (`0x1000`, `4_096`, `1 << 9`, `16 * 1024`), or null. */
export function literalValue(expr: string): number | null {
  const num = (s: string): number | null => {
    const t = s.trim().replace(/_/g, '');
    if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
    if (/^\d+$/.test(t)) return Number(t);
    return null;
  };
  const m = /^(.+?)\s*(<<|\*)\s*(.+)$/.exec(expr.trim());
  if (m) {
    const a = num(m[1]!);
    const b = num(m[3]!);
    if (a === null || b === null) return null;
    return m[2] === '<<' ? (a << b) >>> 0 : a * b;
  }
  return num(expr);
}

/** The ABI constant `const NAME = value` restates, if any. */
export function restatedConstant(name: string, value: number): string | null {
  if (value < 8) return null;
  const words = name.split('_').filter((w) => w && !GENERIC.has(w));
  for (const c of ABI) if (c.value === value && words.some((w) => c.words.has(w))) return c.name;
  return null;
}

const OPEN_CODED: ReadonlyArray<[RegExp, string]> = [
  [/>>>\s*22\b|<<\s*22\s*\)\s*\|/, 'a page-directory shift: use isa/paging.ts (pdIndex, pageVa)'],
  [/&\s*(0x3ff|1023)\b/, 'a page-table index mask: use isa/paging.ts (ptIndex)'],
  [/0xffff_?f000\b/i, 'the PTE frame mask: use PTE.FRAME_MASK or isa/paging.ts (entryFrame)'],
];

/** ABI problems in one source file, as `path:line: message`. */
export function abiProblems(path: string, text: string): string[] {
  if (!/\.ts$/.test(path) || path.startsWith('isa/')) return [];
  const out: string[] = [];
  const inTests = path.startsWith('test/');
  text.split('\n').forEach((line, i) => {
    const at = `${path}:${i + 1}`;
    const decl = /^(?:export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*=\s*([^;]+);/.exec(line);
    if (decl) {
      const value = literalValue(decl[2]!);
      const abiName = value === null ? null : restatedConstant(decl[1]!, value);
      if (abiName) out.push(`${at}: ${decl[1]} restates ${abiName} from isa/abi.ts: import it`);
    }
    if (inTests || path.startsWith('assembler/') || /^\s*(\*|\/\*)/.test(line)) return;
    const code = line.replace(/\/\/.*$/, '');
    for (const [re, what] of OPEN_CODED) if (re.test(code)) out.push(`${at}: ${what}`);
    if (!path.startsWith('sdk/') && /\bFRAME\.(VECTOR|ERROR|PC|FLAGS|SP)\b/.test(code))
      out.push(`${at}: a trap frame's field: push and pop frames with isa/trap-frame.ts`);
  });
  return out;
}
