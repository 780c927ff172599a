// Shared by CLI commands that take a program: load a .vxe image, or assemble a .s source in memory, reporting failures as exit codes.
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { IMAGE_MAGIC, ImageError, parseImage } from '../assembler/image-format.js';
import { formatDiagnostic } from '../assembler/diag.js';
import type { Diagnostic, Image } from '../assembler/types.js';
import { EXIT_CODE } from '../isa/abi.js';
import { colorFor } from './color.js';

export interface LoadOptions {
  readonly includePaths?: readonly string[];
  readonly defines?: Readonly<Record<string, number>>;
}

export type LoadResult =
  | { readonly ok: true; readonly image: Image; readonly sourceName: string }
  /** The reason has already been printed to stderr. */
  | { readonly ok: false; readonly exitCode: number };

type Assembler = typeof import('../assembler/index.js');
let assembler: Assembler | undefined;

/**
 * The assembler, loaded on first use: it brings chevrotain, a third of the CLI's code, which a command
 * that only runs an image never needs (`vmlab run x.vxe` starts without parsing it).
 */
export async function loadAssembler(): Promise<Assembler> {
  return (assembler ??= await import('../assembler/index.js'));
}

/** Extensions taken as assembly source; anything else is read as an image. */
const SOURCE_EXTENSIONS = new Set(['.s', '.asm', '.vx']);

/** One-line error on stderr, in the `vmlab: <what>: <message>` shape every command uses. */
export function cliError(message: string): void {
  process.stderr.write(`vmlab: ${message}\n`);
}


/** Prints diagnostics and a count; returns the number of errors. */
export function printDiagnostics(diags: readonly Diagnostic[]): number {
  const color = colorFor(process.stderr);
  for (const d of diags) process.stderr.write(`${formatDiagnostic(d, { color })}\n`);
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (diags.length > 0) {
    const parts = [];
    if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
    if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
    process.stderr.write(`${parts.join(', ')}\n`);
  }
  return errors;
}

/** The file name that means standard input (or, where a file is written, standard output). */
export const STDIO = '-';
/** What a diagnostic calls a source read from standard input. */
export const STDIN_NAME = '<stdin>';

/** Standard input, read once: every `-` in one command line reads the same bytes. */
let stdinBytes: Uint8Array | undefined;

/** Reads a file for the CLI (`-`: standard input): a missing or unreadable file is a usage error, reported here. */
export function readInput(path: string): Uint8Array | null {
  try {
    if (path === STDIO) return (stdinBytes ??= readFileSync(0));
    if (statSync(path).isDirectory()) {
      cliError(`${path}: is a directory, not a file`);
      return null;
    }
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    cliError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(e)})`);
    return null;
  }
}

function hasMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === IMAGE_MAGIC;
}

/** Whether a path will be assembled rather than parsed as an image (by extension; content decides otherwise). */
export function isSourcePath(path: string): boolean {
  return SOURCE_EXTENSIONS.has(extname(path).toLowerCase());
}

/**
 * Loads a program: a file starting with the image magic is parsed as an image; a `.s` file (or any
 * file that is neither `.vxe` nor an image) is assembled in memory. Diagnostics and errors are
 * printed; the caller only chooses the exit code it gets back.
 */
export async function loadProgram(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const bytes = readInput(path);
  if (!bytes) return { ok: false, exitCode: EXIT_CODE.USAGE };
  if (hasMagic(bytes) || (!isSourcePath(path) && extname(path).toLowerCase() === '.vxe')) {
    try {
      return { ok: true, image: parseImage(bytes), sourceName: path };
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      cliError(`${path}: bad image: ${e.message}`);
      return { ok: false, exitCode: EXIT_CODE.BAD_IMAGE };
    }
  }
  const { assembleFile, assembleSource } = await loadAssembler();
  const asm = { includePaths: opts.includePaths ?? [], defines: opts.defines ?? {} };
  const result = path === STDIO ? assembleSource(Buffer.from(bytes).toString('utf8'), STDIN_NAME, asm) : assembleFile(path, asm);
  if (printDiagnostics(result.diagnostics) > 0 || !result.image) return { ok: false, exitCode: EXIT_CODE.ASSEMBLY };
  return { ok: true, image: result.image, sourceName: path === STDIO ? STDIN_NAME : path };
}

/** `-D NAME[=VALUE]` values: decimal, 0x, 0b, optionally negative; NAME must be a symbol name. */
export function parseDefine(spec: string): [string, number] | string {
  const m = /^([A-Za-z_$][A-Za-z0-9_$.]*)(?:=(.*))?$/.exec(spec);
  if (!m) return `bad -D ${JSON.stringify(spec)}: expected NAME or NAME=VALUE (e.g. -D DEBUG or -D NCPU=2)`;
  const text = (m[2] ?? '1').trim();
  const n = /^-?(0x[0-9a-f]+|0b[01]+|[0-9]+)$/i.test(text) ? Number(text.replace(/^-/, '')) * (text.startsWith('-') ? -1 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n > 0xffff_ffff)
    return `bad -D ${JSON.stringify(spec)}: value must be a 32-bit integer (decimal, 0x… or 0b…)`;
  return [m[1]!, n];
}
