// How the fuzzer tells a person about a divergence: the seed, the techniques that disagree with native and
// how, and the shrunk kernel (its generated body inline, the whole source in a file).
import { features } from './generate.js';
import { render } from './render.js';
import { counts, type Difference } from './run.js';
import type { SeedResult } from './search.js';

const BODY_START = '; --- segment 0:';
const BODY_END = '\n; --- shutdown';

/** The generated ops of a source (the runtime around them is the same in every kernel). */
export function bodyOf(source: string): string {
  const a = source.indexOf(BODY_START);
  const b = source.indexOf(BODY_END);
  return a >= 0 && b > a ? source.slice(a, b).trimEnd() : source;
}

export function differenceLine(d: Difference): string {
  const doc = d.reported.length ? ` [documented: ${d.reported[0]}${d.reported.length > 1 ? ` (+${d.reported.length - 1})` : ''}]` : '';
  return `${d.label}: ${d.detail}${doc}`;
}

/** The source a reproducer is saved as. */
export function reproducerSource(r: SeedResult): string {
  const k = r.shrunk?.kernel ?? r.kernel;
  const what = r.shrunk ? 'shrunk' : 'as drawn';
  const diffs = (r.shrunk?.verdict ?? r.verdict).differences.filter(counts).map(differenceLine);
  const header = diffs.map((l) => `; diverges: ${l}`).join('\n');
  return `${render(k, `seed ${r.seed} (${what}); rerun: npm run fuzz -- --from ${r.seed} --seeds 1`)}`.replace(
    /\n/,
    `\n${header}\n`,
  );
}

/** The report of one diverging seed. `saved` is where the whole reproducer was written. */
export function seedReport(r: SeedResult, saved: string): string {
  const lines: string[] = [];
  const counted = r.verdict.differences.filter(counts);
  const documented = r.verdict.differences.filter((d) => !counts(d));
  lines.push(`seed ${r.seed}: DIVERGENCE`);
  for (const d of counted) lines.push(`  ${differenceLine(d)}`);
  for (const d of documented) lines.push(`  (flagged, not counted) ${differenceLine(d)}`);
  if (r.shrunk) {
    const ops = (k: SeedResult['kernel']) => k.segments.reduce((n, s) => n + s.ops.length, 0);
    lines.push(
      `  shrunk in ${r.shrunk.steps} steps from ${r.kernel.segments.length} segments / ${ops(r.kernel)} ops to ${r.shrunk.kernel.segments.length} / ${ops(r.shrunk.kernel)}; the shrunk kernel:`,
    );
    for (const d of r.shrunk.verdict.differences) lines.push(`    ${differenceLine(d)}`);
    lines.push(`    | ; features: ${features(r.shrunk.kernel).join(' ')}`);
    const body = bodyOf(render(r.shrunk.kernel));
    lines.push(...body.split('\n').map((l) => `    | ${l}`));
  }
  lines.push(`  reproducer: ${saved} (vmlab run ${saved} --technique ...${r.shrunk?.kernel.strict ?? r.kernel.strict ? ' --strict' : ''})`);
  lines.push(`  rerun: npm run fuzz -- --from ${r.seed} --seeds 1`);
  return lines.join('\n');
}
