// The dependency rules between vmm's layers, checked on every import: machine ← hypervisor ← session ← report ← cli.
//
// DESIGN.md §9: the machine never imports the hypervisor, the reports, the cost model or the assembler;
// devices see only the machine's I/O interfaces; the cost model never imports the hypervisor; the
// report layer renders results and never runs guests; the assembler never imports vmm/.
import { dirname, join, normalize } from 'node:path';

interface Rule {
  /** Files the rule is about (a path prefix from the repository root). */
  readonly from: string;
  /** Import targets it forbids (path prefixes), unless allowed below. */
  readonly forbid: readonly string[];
  /** Targets allowed even so (path prefixes). */
  readonly allow?: readonly string[];
  /** Type-only imports (`import type`) are allowed: they run nothing. */
  readonly typesOk?: boolean;
  readonly why: string;
}

const VMM_LAYERS_ABOVE_MACHINE = ['vmm/hv/', 'vmm/report/', 'vmm/cost/', 'vmm/session.ts', 'vmm/comparison.ts', 'vmm/bare-metal.ts', 'vmm/stats.ts', 'cli/'];

export const RULES: readonly Rule[] = [
  { from: 'isa/', forbid: ['assembler/', 'vmm/', 'cli/', 'testing/'], why: 'isa/ is the bottom: the ISA and ABI tables import nothing of vmlab' },
  { from: 'assembler/', forbid: ['vmm/', 'cli/', 'testing/'], why: 'the assembler never imports vmm/' },
  {
    from: 'vmm/machine/',
    forbid: [...VMM_LAYERS_ABOVE_MACHINE, 'assembler/'],
    why: 'the machine never imports the hypervisor, the reports, the cost model or the assembler',
  },
  {
    from: 'vmm/devices/',
    forbid: ['vmm/', 'assembler/', 'cli/'],
    allow: ['vmm/devices/', 'vmm/machine/io.ts', 'vmm/limits.ts'],
    why: "devices see only the machine's I/O interfaces (vmm/machine/io.ts) and the per-VM limits (vmm/limits.ts)",
  },
  { from: 'vmm/cost/', forbid: ['vmm/hv/', 'vmm/report/', 'vmm/session.ts', 'cli/'], why: 'the cost model reads counts, never the hypervisor' },
  { from: 'vmm/hv/', forbid: ['vmm/session.ts', 'vmm/comparison.ts', 'vmm/bare-metal.ts', 'vmm/report/', 'cli/'], typesOk: true, why: 'the hypervisor sits below the session, the reports and the CLI' },
  {
    from: 'vmm/report/',
    forbid: ['vmm/session.ts', 'vmm/comparison.ts', 'vmm/bare-metal.ts', 'vmm/hv/hypervisor.ts', 'vmm/hv/techniques/', 'cli/'],
    allow: ['vmm/hv/techniques/registry.ts'],
    typesOk: true,
    why: 'the report layer renders results and never runs guests',
  },
  { from: 'vmm/', forbid: ['cli/'], why: 'the CLI is the top layer: nothing below imports it' },
];

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** `path:line: message` for each import of `text` (the file at `path`, from the root) that breaks a rule. */
export function layerProblems(path: string, text: string): string[] {
  const rules = RULES.filter((r) => path.startsWith(r.from));
  if (rules.length === 0) return [];
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3]!;
    if (!spec.startsWith('.')) continue;
    const target = normalize(join(dirname(path), spec)).replace(/\\/g, '/').replace(/\.js$/, '.ts');
    const typeOnly = m[2] !== undefined;
    for (const r of rules) {
      if (typeOnly && r.typesOk) continue;
      if (!r.forbid.some((f) => target.startsWith(f))) continue;
      if (r.allow?.some((a) => target.startsWith(a))) continue;
      const line = text.slice(0, m.index).split('\n').length;
      out.push(`${path}:${line}: imports ${target}: ${r.why}`);
      break;
    }
  }
  return out;
}
