// `vmlab run`: load an image (or assemble a .s file) and run it on the simulated machine under a technique.
import type { Command } from 'commander';
import { EXIT_CODE, MEMMAP } from '../../isa/abi.js';
import { Machine, MachineConfigError } from '../../vmm/machine/machine.js';
import { LoadError } from '../../vmm/machine/loader.js';
import type { RunResult } from '../../vmm/machine/run-result.js';
import { formatCrash } from '../../vmm/report/crash.js';
import { formatStatusLine } from '../../vmm/report/summary.js';
import { cliError, loadProgram, parseDefine, readInput } from '../load-image.js';

/** Techniques `--technique` accepts now; the others are named so the error can say they are coming. */
export const TECHNIQUES = ['native'] as const;
const PLANNED_TECHNIQUES = ['emulate', 'trap', 'bt', 'hw', 'pv'];

/**
 * Default instruction budget: 1e9 finishes in well under 30 s at the interpreter's ~100 MIPS, yet
 * is far more than any bundled kernel needs, so only a runaway guest ever reaches it.
 */
export const DEFAULT_MAX_INSTRUCTIONS = 1_000_000_000;

interface RunCliOptions {
  technique: string;
  maxInstructions: string;
  json?: boolean;
  stdin?: string;
  block?: string;
  include?: string[];
  define?: string[];
  strict?: boolean;
  ram?: string;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** A positive integer count: 200000, 2_000_000, 1e9. Returns null if it is not one. */
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

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

function runCommand(files: string[], opts: RunCliOptions): number {
  if (!(TECHNIQUES as readonly string[]).includes(opts.technique)) {
    if (PLANNED_TECHNIQUES.includes(opts.technique))
      return usage(`technique ${opts.technique} is not available yet (available: ${TECHNIQUES.join(', ')})`);
    return usage(
      `unknown technique ${JSON.stringify(opts.technique)} (choose from: ${[...TECHNIQUES, ...PLANNED_TECHNIQUES].join(', ')})`,
    );
  }
  if (files.length !== 1)
    return usage(`run takes one image for now; got ${files.length} (running several VMs at once is not available yet)`);
  const maxInstructions = parseCount(opts.maxInstructions);
  if (maxInstructions === null)
    return usage(`--max-instructions ${JSON.stringify(opts.maxInstructions)}: expected a positive integer, e.g. 200000 or 1e9`);
  let ramSize: number = MEMMAP.DEFAULT_RAM;
  if (opts.ram !== undefined) {
    const n = parseSize(opts.ram);
    if (n === null) return usage(`--ram ${JSON.stringify(opts.ram)}: expected a size such as 4M or 65536`);
    ramSize = n;
  }
  const defines: Record<string, number> = {};
  for (const spec of opts.define ?? []) {
    const d = parseDefine(spec);
    if (typeof d === 'string') return usage(d);
    defines[d[0]] = d[1];
  }
  let stdin: string | Uint8Array | undefined = opts.stdin;
  if (stdin !== undefined && stdin.startsWith('@')) {
    const bytes = readInput(stdin.slice(1));
    if (!bytes) return EXIT_CODE.USAGE;
    stdin = bytes;
  }
  let blockImage: Uint8Array | undefined;
  if (opts.block !== undefined) {
    const bytes = readInput(opts.block);
    if (!bytes) return EXIT_CODE.USAGE;
    // A private copy: guest writes change the run's disk, never the file.
    blockImage = Uint8Array.from(bytes);
  }

  const loaded = loadProgram(files[0]!, { includePaths: opts.include ?? [], defines });
  if (!loaded.ok) return loaded.exitCode;

  const out = opts.json ? null : new LineWriter((s) => process.stdout.write(s));
  let machine: Machine;
  try {
    machine = new Machine({
      ramSize,
      strict: opts.strict ?? false,
      ...(stdin !== undefined ? { stdin } : {}),
      ...(blockImage ? { blockImage } : {}),
      ...(out ? { consoleSink: (s: string) => out.write(s) } : {}),
    });
    machine.load(loaded.image);
  } catch (e) {
    if (e instanceof MachineConfigError) return usage(e.message);
    if (e instanceof LoadError) {
      cliError(`${loaded.sourceName}: ${e.message}`);
      return EXIT_CODE.BAD_IMAGE;
    }
    throw e;
  }

  const result = machine.run({ maxInstructions });
  out?.flush();
  report(result, maxInstructions, opts.json ?? false);
  return result.exitCode;
}

function report(result: RunResult, maxInstructions: number, json: boolean): void {
  if (json) {
    const { status, exitCode, console, stats, wallMs, crash } = result;
    process.stdout.write(`${JSON.stringify({ status, exitCode, console, stats, wallMs, ...(crash ? { crash } : {}) }, null, 2)}\n`);
  } else if (result.console.length > 0 && !result.console.endsWith('\n')) {
    // Keep the status line off the guest's last, unterminated line when both go to a terminal.
    if (process.stdout.isTTY && process.stderr.isTTY) process.stdout.write('\n');
  }
  if (result.status === 'limit')
    process.stderr.write(
      `vmlab: stopped after ${maxInstructions} instructions (--max-instructions); the guest may be in a loop\n`,
    );
  if (result.crash) process.stderr.write(`${formatCrash(result.crash)}\n`);
  process.stderr.write(`${formatStatusLine(result)}\n`);
}

/** Passes console text on a line at a time, so a chatty guest does not cost a write per byte. */
class LineWriter {
  private pending = '';
  constructor(private readonly sink: (s: string) => void) {}
  write(s: string): void {
    this.pending += s;
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      this.sink(this.pending.slice(0, nl + 1));
      this.pending = this.pending.slice(nl + 1);
    }
  }
  flush(): void {
    if (this.pending) this.sink(this.pending);
    this.pending = '';
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a guest image (or assemble and run a .s file) on the simulated machine')
    .argument('<image...>', 'a .vxe image or a .s source file (one for now)')
    .option('-t, --technique <name>', `how to run the guest: ${TECHNIQUES.join(', ')} (more to come)`, 'native')
    .option(
      '-n, --max-instructions <n>',
      'stop with exit 101 after this many instructions of simulated time (guest instructions plus time idle in hlt), so a runaway guest never hangs; default 1e9, a few seconds',
      String(DEFAULT_MAX_INSTRUCTIONS),
    )
    .option('--json', 'print {status, exitCode, console, stats, wallMs, crash?} as JSON on stdout instead of the live console')
    .option('--stdin <text|@file>', 'bytes the guest UART receives: the text itself, or @file for a file')
    .option('--block <file>', 'disk image for the block device (the file is never modified)')
    .option('--ram <size>', `guest RAM, e.g. 8M (default ${MEMMAP.DEFAULT_RAM / (1024 * 1024)}M, at most ${MEMMAP.MAX_RAM / (1024 * 1024)}M)`)
    .option('--strict', 'strict VX32: pushf/popf/rdcpl/sidt trap at CPL > 0 (classically virtualizable)')
    .option('-I, --include <dir>', 'extra include directory when assembling a .s file (repeatable)', collect)
    .option('-D, --define <NAME[=V]>', 'define a symbol when assembling a .s file (repeatable)', collect)
    .addHelpText(
      'after',
      `
The guest's console goes to stdout as it is produced; the status line, warnings and crash
reports go to stderr. The exit code is the guest's power-off status (low 8 bits); a guest that
halts with nothing left to wake it exits 0; 101 = the instruction limit was reached; 102 = the
guest crashed (triple fault), with a report naming the faulting instruction and its source line.
Modeled cycles are modeled from counted events (vmm/cost/profiles/), not measured.

Examples:
  vmlab run hello.s
  vmlab run kernel.vxe --max-instructions 5e6 --json
  vmlab run echo.s --stdin @input.txt
  vmlab run fs.s --block disk.img -I sdk/include -D NBUF=8`,
    )
    .action((files: string[], opts: RunCliOptions) => {
      process.exitCode = runCommand(files, opts);
    });
}
