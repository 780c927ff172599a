// Option parsing shared by the commands that run guests (`run`, `compare`): cost profiles and -D defines.
import { loadProfile, ProfileError, type CostProfile } from '../vmm/cost/profile.js';
import { techniques } from '../vmm/hv/techniques/registry.js';
import { parseDefine } from './load-image.js';

/** The cost profile named by --cost-profile, or the message to give as a usage error. */
export function profileOption(nameOrPath: string | undefined): CostProfile | string {
  try {
    return loadProfile(nameOrPath);
  } catch (e) {
    if (e instanceof ProfileError) return e.message;
    throw e;
  }
}

/** The -D NAME[=VALUE] options as a symbol table, or the message to give as a usage error. */
export function definesOption(specs: readonly string[] | undefined): Record<string, number> | string {
  const defines: Record<string, number> = {};
  for (const spec of specs ?? []) {
    const d = parseDefine(spec);
    if (typeof d === 'string') return d;
    defines[d[0]] = d[1];
  }
  return defines;
}

/** The techniques, one per line with what each means, for `--help`. */
export function techniqueHelp(): string {
  return techniques()
    .map((t) => `  ${t.name.padEnd(8)} ${t.summary}`)
    .join('\n');
}
