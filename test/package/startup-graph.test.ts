// What `vmlab` loads before a command runs: the compiled CLI's static imports, followed through its chunks.
//
// Start-up is the time node takes to read and compile what the entry point imports statically. Two
// things keep it short, and this test holds them: nothing on that path is resolved in node_modules
// (every dependency but tsx is bundled), and the assembler with chevrotain is not on it (commands
// that assemble import it when they do). The bundle is built in memory with dist/'s own options.
import { build, type Metafile } from 'esbuild';
import { builtinModules } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions } from '../../scripts/build.js';

let meta: Metafile;

beforeAll(async () => {
  meta = (await build({ ...bundleOptions(), write: false, metafile: true, sourcemap: false })).metafile!;
}, 60_000);

/** The output files loading `entry` reads, the source files in them, and the packages they import. */
function startup(entry: string) {
  const outputs = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (outputs.has(file)) return;
    outputs.add(file);
    for (const imp of meta.outputs[file]!.imports) {
      if (imp.kind !== 'import-statement') continue;
      if (imp.external) {
        if (!imp.path.startsWith('node:') && !builtinModules.includes(imp.path)) packages.add(imp.path);
      } else visit(imp.path);
    }
  };
  visit(entry);
  const sources = new Set([...outputs].flatMap((o) => Object.keys(meta.outputs[o]!.inputs)));
  return { outputs, sources, packages };
}

describe('the compiled CLI at start-up', () => {
  it('loads the machine and every command', () => {
    const { sources } = startup('dist/cli.js');
    expect(sources).toContain('vmm/hv/hypervisor.ts');
    expect(sources).toContain('cli/commands/run.ts');
    expect(sources).toContain('cli/commands/asm.ts');
  });

  it('imports no package from node_modules', () => {
    expect([...startup('dist/cli.js').packages]).toEqual([]);
  });

  it('does not load the assembler or chevrotain', () => {
    const onPath = [...startup('dist/cli.js').sources].filter((s) => /chevrotain|assembler\/(parser|lexer|index)\.ts/.test(s));
    expect(onPath).toEqual([]);
  });

  it('has them in a chunk the CLI imports when it assembles', () => {
    const lazy = meta.outputs['dist/cli.js']!.imports.filter((i) => i.kind === 'dynamic-import' && !i.external);
    const reached = lazy.flatMap((i) => [...startup(i.path).sources]);
    expect(reached).toContain('assembler/parser.ts');
    expect(reached.some((s) => s.includes('chevrotain'))).toBe(true);
  });
});
