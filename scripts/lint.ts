// The project's own lint: the house rules tsc cannot check (a header line per file, no focused or skipped tests,
// the layering of scripts/layers.ts, the ABI rules of scripts/abi-rules.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { abiProblems } from './abi-rules.js';
import { layerProblems } from './layers.js';

const ROOTS = ['assembler', 'isa', 'vmm', 'cli', 'sdk', 'testing', 'scripts', 'bench', 'test', 'guest-kernels', 'exercises'];
const SKIP = new Set(['node_modules', 'out', '.git']);

function* files(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Problems with one file, as `path:line: message`. */
export function lintFile(path: string, text: string): string[] {
  const out: string[] = [];
  const first = text.split('\n', 1)[0] ?? '';
  if (/\.(ts|mts|mjs)$/.test(path) && !/^\/\/ \S/.test(first))
    out.push(`${path}:1: a source file opens with a one-line comment saying what it is`);
  if (/\.(s|inc)$/.test(path) && !/^; \S/.test(first) && !path.includes('fixtures'))
    out.push(`${path}:1: an assembly file opens with a one-line comment saying what it is`);
  if (/\.ts$/.test(path)) {
    const slashed = path.replace(/\\/g, '/');
    out.push(...layerProblems(slashed, text), ...abiProblems(slashed, text));
  }
  if (/\.test\.ts$/.test(path))
    text.split('\n').forEach((line, i) => {
      if (/\b(it|describe|test)\.(only|skip|todo)\(|\bxit\(/.test(line))
        out.push(`${path}:${i + 1}: no focused, skipped or to-do tests on main`);
    });
  return out;
}

function main(): number {
  const problems: string[] = [];
  for (const root of ROOTS)
    for (const path of files(root)) problems.push(...lintFile(relative('.', path), readFileSync(path, 'utf8')));
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(problems.length ? `lint: ${problems.length} problem(s)\n` : 'lint: clean\n');
  return problems.length ? 1 : 0;
}

if (process.argv[1] && /lint\.ts$/.test(process.argv[1])) process.exitCode = main();
