// `--trace insn,exits:IO,HLT,irq,mmu` parsed: which kinds of event to show, and which exit reasons.

import { EXIT_REASONS } from '../../isa/abi.js';
import { TRACE_KINDS, type TraceEvent, type TraceKind } from './events.js';

export interface TraceSpec {
  readonly kinds: ReadonlySet<TraceKind>;
  /** Exit reasons to show (null: every reason). */
  readonly reasons: ReadonlySet<string> | null;
}

/** The spec, or a one-line error. A word after `exits:` that is not a kind continues its reason list. */
export function parseTraceSpec(text: string): TraceSpec | { error: string } {
  const kinds = new Set<TraceKind>();
  let reasons: Set<string> | null = null;
  let inReasons = false;
  for (const raw of text.split(',').map((s) => s.trim())) {
    if (!raw) continue;
    const [word, first] = raw.split(':', 2) as [string, string | undefined];
    if ((TRACE_KINDS as readonly string[]).includes(word)) {
      kinds.add(word as TraceKind);
      inReasons = false;
      if (first !== undefined) {
        if (word !== 'exits') return { error: `--trace ${word}: only exits takes a filter (exits:IO,HLT)` };
        reasons ??= new Set();
        inReasons = true;
      } else continue;
    } else if (!inReasons) return { error: `--trace: unknown kind ${JSON.stringify(raw)} (choose from ${TRACE_KINDS.join(', ')}; exits:REASON,... filters)` };
    const reason = (first ?? raw).toUpperCase();
    if (!(EXIT_REASONS as readonly string[]).includes(reason))
      return { error: `--trace exits: unknown exit reason ${JSON.stringify(first ?? raw)} (choose from ${EXIT_REASONS.join(', ')})` };
    reasons!.add(reason);
  }
  if (kinds.size === 0) return { error: `--trace: name at least one of ${TRACE_KINDS.join(', ')}` };
  return { kinds, reasons };
}

/** The event is one the spec asks for. */
export function wanted(spec: TraceSpec, e: TraceEvent): boolean {
  if (!spec.kinds.has(e.kind)) return false;
  return e.kind !== 'exits' || spec.reasons === null || spec.reasons.has(e.exit.reason);
}
