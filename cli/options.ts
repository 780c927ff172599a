// Option parsers for commander, shared by the commands: counts, sizes, cost profiles, -D and -I; a bad value is commander's usage error.
//
// Each parser turns the option's text into its value or throws commander's InvalidArgumentError with
// what was expected; commander then prints `error: option '--x <v>' argument 'y' is invalid. <why>`
// and vmlab exits with the usage code. Choices are commander's own `.choices()`.
import { InvalidArgumentError } from 'commander';
import { loadProfile, ProfileError, type CostProfile } from '../vmm/cost/profile.js';
import { techniques } from '../vmm/hv/techniques/registry.js';
import { parseDefine } from './load-image.js';

/** A positive integer count: 200000, 2_000_000, 1e9, 0x100. Returns null if it is not one. */
export function parseCount(text: string): number | null {
  const t = text.replace(/_/g, '').trim();
  if (!/^(\d+(\.\d+)?(e\d+)?|0x[0-9a-f]+)$/i.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** A RAM size: bytes, or with a K/M suffix (binary units). */
export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([kKmM]?)(i?B)?$/.exec(text.trim());
  if (!m) return null;
  const unit = m[2]!.toLowerCase() === 'k' ? 1024 : m[2]!.toLowerCase() === 'm' ? 1024 * 1024 : 1;
  return Number(m[1]) * unit;
}

/** A commander parser for a count of at least `min`; `example` shows what one looks like. */
export function countArg(example: string, min = 1): (v: string) => number {
  return (v) => {
    const n = parseCount(v);
    if (n === null || n < min) throw new InvalidArgumentError(`expected a positive integer${min > 1 ? ` of at least ${min}` : ''}, e.g. ${example}`);
    return n;
  };
}

export function sizeArg(v: string): number {
  const n = parseSize(v);
  if (n === null) throw new InvalidArgumentError('expected a size such as 4M or 65536');
  return n;
}

/** A cost profile by bundled name or JSON file, loaded and checked against its schema. */
export function profileArg(nameOrPath: string): CostProfile {
  try {
    return loadProfile(nameOrPath);
  } catch (e) {
    if (e instanceof ProfileError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/** Repeated -I collects. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Repeated -D NAME[=VALUE] merges into one symbol table. */
export function defineArg(v: string, prev: Record<string, number> | undefined): Record<string, number> {
  const d = parseDefine(v);
  if (typeof d === 'string') throw new InvalidArgumentError(d);
  return { ...prev, [d[0]]: d[1] };
}

/** The techniques, one per line with what each means, for `--help`. */
export function techniqueHelp(): string {
  return techniques()
    .map((t) => `  ${t.name.padEnd(8)} ${t.summary}`)
    .join('\n');
}
