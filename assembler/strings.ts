// Decoding of string and character literals with C escapes (\n \t \r \0 \\ \' \" \xHH).

export interface Decoded {
  readonly bytes: number[];
  /** Offset (inside the literal's body) and message of the first bad escape. */
  readonly error?: { readonly offset: number; readonly message: string };
}

export const ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, e: 27 };

const encoder = new TextEncoder();

/** Decode the body of a literal (without its quotes) into bytes; non-ASCII characters become UTF-8. */
export function decodeEscapes(body: string): Decoded {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 92) {
      if (c < 0x80) bytes.push(c);
      else {
        const cp = body.codePointAt(i)!;
        const s = String.fromCodePoint(cp);
        for (const b of encoder.encode(s)) bytes.push(b);
        i += s.length - 1;
      }
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
      i++;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      return { bytes, error: { offset: i, message: `unknown escape \`\\${e}\` (use \\n \\t \\r \\0 \\\\ \\' \\" or \\xHH)` } };
    }
  }
  return { bytes };
}

/** Value of a character literal body: one character (its code point) or one escape. */
export function charValue(body: string): { value: number; error?: string } {
  if (body.startsWith('\\')) {
    const d = decodeEscapes(body);
    if (d.error) return { value: 0, error: d.error.message };
    if (d.bytes.length !== 1) return { value: 0, error: 'a character literal holds exactly one character' };
    return { value: d.bytes[0]! };
  }
  const cp = body.codePointAt(0) ?? 0;
  if (String.fromCodePoint(cp).length !== body.length) {
    return { value: 0, error: 'a character literal holds exactly one character' };
  }
  return { value: cp };
}
