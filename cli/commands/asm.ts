// `vmlab asm`: assemble a VX32 source file into a .vxe image, with optional listing and symbol map.
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { ImageError, serializeImage } from '../../assembler/image-format.js';
import { EXIT_CODE } from '../../isa/abi.js';
import { cliError, loadAssembler, printDiagnostics, readInput, STDIN_NAME, STDIO } from '../load-image.js';
import { collect, defineArg } from '../options.js';

interface AsmOptions {
  output?: string;
  include?: string[];
  define?: Record<string, number>;
  listing?: string;
  map?: string;
}

/** `kernel.s` -> `kernel.vxe`, next to the source. */
export function defaultOutput(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.vxe`);
}

/** Writes a file (`-`: standard output) or reports why not; false when it failed. */
export function writeOutput(path: string, data: string | Uint8Array, what: string): boolean {
  try {
    if (path === STDIO) {
      process.stdout.write(data);
      return true;
    }
    writeFileSync(path, data);
    return true;
  } catch (e) {
    cliError(`cannot write ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return false;
  }
}

export function register(program: Command): void {
  program
    .command('asm')
    .description('assemble a VX32 source file into a .vxe image')
    .argument('<file>', 'assembly source (.s); - reads it from standard input')
    .option('-o, --output <file>', 'image to write; - writes it to standard output (default: <file> with the extension .vxe, or standard output when the source is -)')
    .option('-I, --include <dir>', 'add a directory to the .include search path (repeatable)', collect)
    .option('-D, --define <NAME[=VALUE]>', 'define a symbol for .if/.ifdef (repeatable; VALUE defaults to 1)', defineArg)
    .option('--listing <file>', 'write a listing: address, bytes and source of every line (- : standard output)')
    .option('--map <file>', 'write a symbol map: every symbol with its value, sorted by address (- : standard output)')
    .addHelpText(
      'after',
      `
Diagnostics go to stderr as file:line:col: message, with the source line and a caret; all errors
are reported, not just the first. .include searches the including file's folder, then each -I
directory, then the SDK's sdk/include (a source read from - includes from the current folder).

Exit codes: ${EXIT_CODE.OK} assembled, ${EXIT_CODE.USAGE} usage error (missing file, bad -D), ${EXIT_CODE.ASSEMBLY} assembly errors.

Examples:
  vmlab asm guest-kernels/mini/main.s -o mini.vxe
  vmlab asm kernel.s -I sdk/include -D NCPU=2 -D DEBUG --listing kernel.lst --map kernel.map
  generate-kernel | vmlab asm - -o - | vmlab run -`,
    )
    .action(async (file: string, opts: AsmOptions) => {
      process.exitCode = await asm(file, opts);
    });
}

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

async function asm(file: string, opts: AsmOptions): Promise<number> {
  const out = opts.output ?? (file === STDIO ? STDIO : defaultOutput(file));
  const toStdout = [out, opts.listing, opts.map].filter((f) => f === STDIO).length;
  if (toStdout > 1) return usage('only one of -o, --listing and --map can be - (standard output)');
  if (out === STDIO && process.stdout.isTTY) return usage('not writing a binary image to a terminal: redirect standard output, or give -o <file>');
  // Read once up front so a missing file is a usage error with a plain message, not a diagnostic.
  const source = readInput(file);
  if (!source) return EXIT_CODE.USAGE;
  const wantListing = opts.listing !== undefined || opts.map !== undefined;
  const { assembleFile, assembleSource } = await loadAssembler();
  const asmOpts = { includePaths: opts.include ?? [], defines: opts.define ?? {}, listing: wantListing };
  const result = file === STDIO ? assembleSource(Buffer.from(source).toString('utf8'), STDIN_NAME, asmOpts) : assembleFile(file, asmOpts);
  const errors = printDiagnostics(result.diagnostics);
  if (errors > 0 || !result.image) return EXIT_CODE.ASSEMBLY;

  if (result.image.segments.every((s) => s.memSize === 0)) {
    cliError(`${file}: nothing to write: the program has no code or data`);
    return EXIT_CODE.ASSEMBLY;
  }
  let bytes: Uint8Array;
  try {
    bytes = serializeImage(result.image);
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    cliError(`${file}: cannot build an image: ${e.message}`);
    return EXIT_CODE.ASSEMBLY;
  }
  if (!writeOutput(out, bytes, 'image')) return EXIT_CODE.USAGE;
  if (opts.listing !== undefined && !writeOutput(opts.listing, result.listing ?? '', 'listing')) return EXIT_CODE.USAGE;
  if (opts.map !== undefined && !writeOutput(opts.map, result.map ?? '', 'map')) return EXIT_CODE.USAGE;
  const img = result.image;
  const size = img.segments.reduce((n, s) => n + s.memSize, 0);
  // With an output on standard output, what was written is said on stderr, out of the data's way.
  (toStdout ? process.stderr : process.stdout).write(
    `wrote ${out === STDIO ? 'standard output' : out}: ${img.segments.length} segment(s), ${size} bytes in memory, entry 0x${img.entry.toString(16)}\n`,
  );
  return EXIT_CODE.OK;
}
