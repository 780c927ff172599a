// Macros: finding .macro/.endm blocks in raw lines, splitting invocation arguments, and expanding bodies.

export interface MacroDef {
  readonly name: string;
  readonly params: readonly string[];
  /** Raw body lines (between .macro and .endm). */
  readonly body: readonly string[];
  /** 1-based line of the `.macro` line in its text. */
  readonly line: number;
  /** Column and length of the macro name on that line. */
  readonly col: number;
  readonly len: number;
}

export interface LineError {
  readonly line: number;
  readonly col: number;
  readonly len: number;
  readonly message: string;
}

const MACRO_RE = /^(\s*)(\.macro)(?![\w$.])/i;
const ENDM_RE = /^(\s*)(\.endm)(?![\w$.])/i;
const IDENT_RE = /^[A-Za-z_$][\w$]*$/;

/** Index of the `;` starting a comment, ignoring ones inside string and character literals (or -1). */
export function commentStart(s: string): number {
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = '';
    } else if (c === '"' || c === "'") q = c;
    else if (c === ';') return i;
  }
  return -1;
}

/**
 * Cut macro definitions out of `lines` (their lines become blank, so the parser never sees bodies,
 * whose `\param` text is not assembly until expanded). Returns the definitions and any errors.
 */
export function extractMacros(lines: string[]): { macros: MacroDef[]; errors: LineError[] } {
  const macros: MacroDef[] = [];
  const errors: LineError[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    // Cheap pre-check: almost no line mentions a macro directive.
    if (!text.includes('.') || !/\.(macro|endm)/i.test(text)) continue;
    const em = ENDM_RE.exec(text);
    if (em) {
      errors.push({ line: i + 1, col: em[1]!.length + 1, len: 5, message: '`.endm` without `.macro`' });
      lines[i] = '';
      continue;
    }
    const m = MACRO_RE.exec(text);
    if (!m) continue;
    const headCol = m[1]!.length + 1;
    const start = i;
    let depth = 1;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (MACRO_RE.test(l)) depth++;
      else if (ENDM_RE.test(l) && --depth === 0) break;
    }
    if (j >= lines.length) {
      errors.push({ line: start + 1, col: headCol, len: 6, message: 'unterminated `.macro` (missing `.endm`)' });
      for (let k = start; k < lines.length; k++) lines[k] = '';
      break;
    }
    const header = parseHeader(text, headCol + 6);
    if ('error' in header) errors.push({ line: start + 1, ...header.error });
    else macros.push({ ...header, body: lines.slice(start + 1, j), line: start + 1 });
    for (let k = start; k <= j; k++) lines[k] = '';
    i = j;
  }
  return { macros, errors };
}

type Header =
  | { name: string; params: string[]; col: number; len: number }
  | { error: { col: number; len: number; message: string } };

function parseHeader(text: string, from: number): Header {
  const cut = commentStart(text);
  const rest = text.slice(from - 1, cut < 0 ? text.length : cut);
  // `.macro name a, b` and `.macro name, a, b` are both accepted.
  const words: { w: string; col: number }[] = [];
  const re = /[^\s,]+/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) words.push({ w: m[0], col: from + m.index });
  const first = words[0];
  if (!first) return { error: { col: from - 6, len: 6, message: '`.macro` needs a name' } };
  if (!IDENT_RE.test(first.w)) {
    return { error: { col: first.col, len: first.w.length, message: `bad macro name \`${first.w}\`` } };
  }
  const params: string[] = [];
  for (const p of words.slice(1)) {
    if (!IDENT_RE.test(p.w)) return { error: { col: p.col, len: p.w.length, message: `bad macro parameter \`${p.w}\`` } };
    if (params.includes(p.w)) {
      return { error: { col: p.col, len: p.w.length, message: `duplicate macro parameter \`${p.w}\`` } };
    }
    params.push(p.w);
  }
  return { name: first.w, params, col: first.col, len: first.w.length };
}

/** Split the argument text of an invocation at top-level commas (not inside brackets, parens or quotes). */
export function splitArgs(text: string): string[] {
  const cut = commentStart(text);
  const s = (cut < 0 ? text : text.slice(0, cut)).trim();
  if (s === '') return [];
  const out: string[] = [];
  let depth = 0;
  let q = '';
  let startIdx = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = '';
    } else if (c === '"' || c === "'") q = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth <= 0) {
      out.push(s.slice(startIdx, i).trim());
      startIdx = i + 1;
    }
  }
  out.push(s.slice(startIdx).trim());
  return out;
}

/**
 * Substitute `\param` and `\@` in body lines. Unknown `\name` outside literals is an error
 * (inside a literal it is left alone: it is an escape such as `\n`).
 */
export function substitute(
  body: readonly string[],
  params: readonly string[],
  args: readonly string[],
  unique: number,
): { lines: string[]; errors: LineError[] } {
  const errors: LineError[] = [];
  const lines = body.map((line, idx) => {
    if (!line.includes('\\')) return line;
    let out = '';
    let q = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\') {
        if (line[i + 1] === '@') {
          out += String(unique);
          i++;
          continue;
        }
        const m = /^[A-Za-z_$][\w$]*/.exec(line.slice(i + 1));
        const p = m ? params.indexOf(m[0]) : -1;
        if (m && p >= 0) {
          out += args[p] ?? '';
          i += m[0].length;
          continue;
        }
        if (!q) {
          const len = m ? m[0].length + 1 : 1;
          errors.push({ line: idx + 1, col: i + 1, len, message: `unknown macro parameter \`${line.slice(i, i + len)}\`` });
        }
        // Keep escapes inside literals intact.
        out += c + (line[i + 1] ?? '');
        i++;
        continue;
      }
      if (q) {
        if (c === q) q = '';
      } else if (c === '"' || c === "'") q = c;
      else if (c === ';') {
        out += line.slice(i);
        break;
      }
      out += c;
    }
    return out;
  });
  return { lines, errors };
}
