// Diagnostics: collecting them in source order with a cap, and formatting them for a terminal.
import pc from 'picocolors';
import type { Diagnostic } from './types.js';
import { MAX_ERRORS } from './limits.js';

/** Where a diagnostic points: a file line with its text and the include/macro chain that led there. */
export interface Where {
  readonly file: string;
  readonly line: number;
  readonly sourceLine: string;
  readonly chain: readonly string[];
}

/** Thrown inside the assembler to stop early (too many errors, too much output); never escapes index.ts. */
export class StopAssembly extends Error {}

const SHOWN_SOURCE = 300;

export class DiagSink {
  private readonly items: { d: Diagnostic; seq: number; n: number }[] = [];
  errors = 0;
  /** The position in the walk; diagnostics are sorted by it so they come out in source order. */
  seq = 0;

  error(where: Where, col: number, len: number, message: string, seq = this.seq): void {
    // Long or binary lines are shown shortened and with control characters made visible.
    const raw = where.sourceLine;
    const shown = (raw.length > SHOWN_SOURCE ? raw.slice(0, SHOWN_SOURCE) + '…' : raw).replace(
      // eslint-disable-next-line no-control-regex
      /[\x00-\x08\x0b-\x1f\x7f]/g,
      '?',
    );
    const c = Math.max(1, col);
    this.items.push({
      d: {
        severity: 'error',
        file: where.file,
        line: where.line,
        col: c,
        length: Math.max(1, len),
        message,
        sourceLine: shown,
        chain: compressChain(where.chain),
      },
      seq,
      n: this.items.length,
    });
    this.errors++;
    if (this.errors > MAX_ERRORS) throw new StopAssembly();
  }

  /** Diagnostics in source order, capped, with a final note when the cap was hit. */
  result(): Diagnostic[] {
    const sorted = [...this.items].sort((a, b) => a.seq - b.seq || a.n - b.n).map((x) => x.d);
    if (this.errors > MAX_ERRORS) {
      const last = sorted[MAX_ERRORS - 1]!;
      sorted.length = MAX_ERRORS;
      sorted.push({ ...last, message: `too many errors (${MAX_ERRORS}); stopping`, chain: [] });
    }
    return sorted;
  }
}

const MAX_CHAIN = 12;

/** Runs of one repeated link (deep recursion) become one link with a count; very long chains keep both ends. */
function compressChain(chain: readonly string[]): readonly string[] {
  if (chain.length < 2) return chain;
  const out: string[] = [];
  for (let i = 0; i < chain.length; ) {
    let j = i + 1;
    while (j < chain.length && chain[j] === chain[i]) j++;
    out.push(j - i > 1 ? `${chain[i]} (${j - i} times)` : chain[i]!);
    i = j;
  }
  if (out.length <= MAX_CHAIN) return out;
  const keep = MAX_CHAIN / 2;
  return [...out.slice(0, keep), `  ... ${out.length - 2 * keep} more ...`, ...out.slice(-keep)];
}

/** `path:line:col: error: message`, the source line, a caret under the column, then the chain. */
export function formatDiagnostic(d: Diagnostic, opts: { color?: boolean } = {}): string {
  const c = pc.createColors(opts.color === true);
  const head = `${c.bold(`${d.file}:${d.line}:${d.col}:`)} ${d.severity === 'error' ? c.red('error:') : c.yellow('warning:')} ${c.bold(d.message)}`;
  const out = [head];
  if (d.sourceLine !== '') {
    out.push(d.sourceLine);
  }
  // Lines are shown shortened when very long; a caret past the shown text is left out.
  if (d.sourceLine !== '' && d.col <= d.sourceLine.length + 1) {
    // Tabs stay tabs under the caret line so the caret lines up with the text above it.
    const pad = d.sourceLine.slice(0, d.col - 1).replace(/[^\t]/g, ' ');
    out.push(pad + c.green('^' + '~'.repeat(Math.max(0, d.length - 1))));
  }
  for (const link of d.chain) out.push(`  ${link}`);
  return out.join('\n');
}
