// `vmlab debug`: the debugger over one kernel under any technique, interactive at a terminal, else scripted.
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { EXIT_CODE, MEMMAP } from '../../isa/abi.js';
import { DebugSession } from '../../vmm/debug/session.js';
import { MEMORY_MODES, type MemoryMode } from '../../vmm/hv/types.js';
import { techniqueNames } from '../../vmm/hv/techniques/registry.js';
import { ConfigError, createRun } from '../../vmm/session.js';
import { cliError, loadProgram, readInput } from '../load-image.js';
import { collect, countArg, defineArg, sizeArg } from '../options.js';
import { DEFAULT_MAX_INSTRUCTIONS } from './run.js';

interface DebugOptions {
  technique: string;
  memory?: MemoryMode;
  strict?: boolean;
  ram?: number;
  maxInstructions: number;
  block?: string;
  stdin?: string;
  include?: string[];
  define?: Record<string, number>;
  batch?: string;
}

const PROMPT = '(vmdb) ';

async function debugCommand(file: string, opts: DebugOptions): Promise<number> {
  const loaded = await loadProgram(file, { includePaths: opts.include ?? [], defines: opts.define ?? {} });
  if (!loaded.ok) return loaded.exitCode;
  let block: Uint8Array | undefined;
  if (opts.block !== undefined) {
    const b = readInput(opts.block);
    if (!b) return EXIT_CODE.USAGE;
    block = b;
  }
  let script: string[] | null = null;
  if (opts.batch !== undefined) {
    try {
      script = readFileSync(opts.batch, 'utf8').split(/\r?\n/);
    } catch (e) {
      cliError(`--batch ${opts.batch}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return EXIT_CODE.USAGE;
    }
  }
  // The console as the guest prints it, once: a run built again to go back in time prints nothing it already showed.
  let shown = 0;
  let session: DebugSession;
  try {
    session = new DebugSession((hooks) => {
      let produced = 0;
      return createRun(
        [
          {
            name: file,
            image: loaded.image,
            ramSize: opts.ram ?? MEMMAP.DEFAULT_RAM,
            ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
            ...(block ? { blockImage: Uint8Array.from(block) } : {}),
            consoleSink: (s) => {
              const from = Math.max(0, shown - produced);
              produced += s.length;
              if (from < s.length) {
                process.stdout.write(s.slice(from));
                shown += s.length - from;
              }
            },
          },
        ],
        { technique: opts.technique, strict: opts.strict ?? false, ...(opts.memory ? { memory: opts.memory } : {}), ...hooks },
      );
    }, opts.maxInstructions);
  } catch (e) {
    if (e instanceof ConfigError) {
      cliError(e.message);
      return EXIT_CODE.CONFIG;
    }
    throw e;
  }
  const answer = (line: string): boolean => {
    const out = session.execute(line);
    if (out === null) return false;
    if (out) process.stdout.write(`${out}\n`);
    return true;
  };
  if (script) {
    for (const line of script) {
      if (!line.trim() || line.trim().startsWith('#')) continue;
      process.stdout.write(`${PROMPT}${line.trim()}\n`);
      if (!answer(line)) break;
    }
    return EXIT_CODE.OK;
  }
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, historySize: 1000, prompt: PROMPT });
  if (tty) rl.prompt();
  for await (const line of rl) {
    if (!tty && line.trim()) process.stdout.write(`${PROMPT}${line.trim()}\n`);
    if (!answer(line)) break;
    if (tty) rl.prompt();
  }
  rl.close();
  return EXIT_CODE.OK;
}

export function register(program: Command): void {
  program
    .command('debug')
    .description('debug a kernel under any technique: breakpoints, stepping (and back), registers, memory, page walks, exits')
    .argument('<kernel>', 'a .vxe image or a .s source file')
    .addOption(new Option('-t, --technique <name>', 'how to run the guest').choices(techniqueNames()).default('native'))
    .addOption(new Option('--memory <mode>', 'memory virtualization (as for vmlab run)').choices(MEMORY_MODES))
    .option('--strict', 'strict VX32 (as for vmlab run)')
    .option('--ram <size>', 'guest RAM, e.g. 8M', sizeArg)
    .option('-n, --max-instructions <n>', 'stop the guest after this much simulated time', countArg('1e9'), DEFAULT_MAX_INSTRUCTIONS)
    .option('--block <file>', 'disk image for the block device (never modified)')
    .option('--stdin <text>', 'bytes the guest UART receives')
    .option('-I, --include <dir>', 'extra include directory when assembling (repeatable)', collect)
    .option('-D, --define <NAME[=V]>', 'define a symbol when assembling (repeatable)', defineArg)
    .option('--batch <file>', 'run the commands in this file (one a line, # comments) and exit; without it, commands come from stdin')
    .addHelpText(
      'after',
      `
Commands (gdb's names): break|tbreak <file:line|symbol|address>, delete [n], info breakpoints,
continue, step [n], next, finish, info registers (the guest's CPU; under a VMM the real CPU's ring, IF
and cr3 beside it), x/<n><b|h|w> <address|symbol|sp|phys addr>, pt <va> (the page walk, each entry's
bits), info exits [n], info symbol <addr>, list [loc], disassemble [loc], backtrace,
reverse-step [n], reverse-continue (deterministic re-execution), quit.

Example:
  printf 'break sched.s:96\\ncontinue\\ninfo registers\\nx/4w sp\\n' | vmlab debug guest-kernels/mini/main.s -t hw`,
    )
    .action(async (file: string, opts: DebugOptions) => {
      process.exitCode = await debugCommand(file, opts);
    });
}
