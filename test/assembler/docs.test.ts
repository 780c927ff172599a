// docs/assembler.md: every directive documented, and every example in it assembles as printed.
import { describe, expect, it } from 'vitest';
import { generateAssemblerDoc, LIMIT_DOCS } from '../../assembler/docs.js';
import { DIRECTIVE_DOCS } from '../../assembler/directive-docs.js';
import { assembleSource, formatDiagnostic } from '../../assembler/index.js';
import { DIRECTIVE_NAMES } from '../../assembler/lexer.js';
import * as LIMITS from '../../assembler/limits.js';

function errors(source: string): string[] {
  const r = assembleSource(source, 'example.s');
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
}

describe('docs/assembler.md', () => {
  const doc = generateAssemblerDoc();

  it('documents every directive the lexer knows and every limit', () => {
    expect(Object.keys(DIRECTIVE_DOCS).sort()).toEqual([...DIRECTIVE_NAMES].sort());
    for (const n of DIRECTIVE_NAMES) expect(doc).toContain(`**\`${DIRECTIVE_DOCS[n].syntax}\`**`);
    expect(Object.keys(LIMIT_DOCS).sort()).toEqual(Object.keys(LIMITS).sort());
  });

  it('every code example assembles without an error', () => {
    const blocks = [...doc.matchAll(/```\n([^]*?)\n```/g)].map((m) => m[1]!).filter((b) => !b.startsWith('vmlab '));
    expect(blocks.length).toBeGreaterThan(20);
    for (const b of blocks) expect(errors(b), b).toEqual([]);
  });

  it('the check would catch a broken example', () => {
    expect(errors('.byte "text"')).not.toEqual([]);
  });
});
