// The VX32 assembler's public API: assemble a source text or file into an Image, with diagnostics.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StopAssembly, formatDiagnostic } from './diag.js';
import { MAX_IMAGE_BYTES } from './limits.js';
import { makeListing, makeMap } from './listing.js';
import { Walker } from './pass1.js';
import { emit, finishLayout } from './pass2.js';
import { Assembly, BSS, DATA, TEXT } from './state.js';
import { evaluate } from './expr.js';
import type { Expr, Operand } from './ast.js';
import {
  IMAGE_FLAG,
  type AssembleOptions,
  type AssembleResult,
  type Diagnostic,
  type Image,
  type LineEntry,
  type Segment,
  type SymbolEntry,
} from './types.js';

export { formatDiagnostic };

/** `<repo>/sdk/include`: searched last by `.include`. */
export const SDK_INCLUDE_DIR = fileURLToPath(new URL('../sdk/include', import.meta.url));

function readFromDisk(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function fileDiagnostic(path: string, message: string): Diagnostic {
  return { severity: 'error', file: path, line: 1, col: 1, length: 1, message, sourceLine: '', chain: [] };
}

export function assembleFile(path: string, opts: AssembleOptions = {}): AssembleResult {
  try {
    const text = (opts.readFile ?? readFromDisk)(path);
    if (text === undefined) return { image: null, diagnostics: [fileDiagnostic(path, `cannot read \`${path}\` (no such file)`)] };
    return assembleSource(text, path, opts);
  } catch (e) {
    return internalError(path, e);
  }
}

export function assembleSource(text: string, path: string, opts: AssembleOptions = {}): AssembleResult {
  try {
    return run(String(text), path, opts);
  } catch (e) {
    return internalError(path, e);
  }
}

function internalError(path: string, e: unknown): AssembleResult {
  const msg = e instanceof Error ? e.message : String(e);
  return { image: null, diagnostics: [fileDiagnostic(path, `internal assembler error: ${msg}`)] };
}

function run(text: string, path: string, opts: AssembleOptions): AssembleResult {
  const a = new Assembly(opts);
  for (const [name, v] of Object.entries(opts.defines ?? {})) {
    a.syms.set(name, {
      name,
      kind: 'const',
      sec: 0,
      off: 0,
      value: Number(v) | 0,
      pending: null,
      resolving: false,
      isSet: false,
      global: false,
      definedAt: `-D ${name}`,
    });
  }
  const readFile = opts.readFile ?? readFromDisk;
  const lines: LineEntry[] = [];
  let entry = 0;
  try {
    new Walker(a, { sdkDir: SDK_INCLUDE_DIR, readFile }).runTop(text, path);
    checkGlobals(a);
    checkSize(a, path);
    finishLayout(a);
    emit(a, lines);
    entry = entryPoint(a);
  } catch (e) {
    if (!(e instanceof StopAssembly)) throw e;
  }
  const diagnostics = a.sink.result();
  if (diagnostics.some((d) => d.severity === 'error')) return { image: null, diagnostics };
  const symbols = symbolTable(a);
  const image: Image = { entry, flags: a.pv ? IMAGE_FLAG.PV : 0, segments: segments(a), symbols, lines };
  const result: AssembleResult = { image, diagnostics };
  return opts.listing ? { ...result, listing: makeListing(a), map: makeMap(symbols) } : result;
}

function checkGlobals(a: Assembly): void {
  for (const g of a.globals) {
    const s = a.syms.get(g.name);
    if (s) s.global = true;
    else a.sink.error(g.where, g.span.col, g.span.len, `\`.global\` names \`${g.name}\`, which is never defined`, g.seq);
  }
}

function checkSize(a: Assembly, path: string): void {
  const total = a.sections.reduce((n, s) => n + s.size, 0);
  if (total > MAX_IMAGE_BYTES) {
    a.sink.error(
      { file: path, line: 1, sourceLine: '', chain: [] },
      1,
      1,
      `the image would be ${total} bytes, over the ${MAX_IMAGE_BYTES / (1024 * 1024)} MiB limit`,
      a.seq + 1,
    );
  }
}

function entryPoint(a: Assembly): number {
  const it = a.entry;
  if (it) {
    const e: Expr = (it.stmt.operands[0] as Extract<Operand, { k: 'expr' }>).e;
    return (evaluate(e, a.env(it, a.whereOf(it.unit, it.stmt.line), it.seq)) ?? 0) >>> 0;
  }
  for (const name of ['_start', 'start']) {
    const s = a.syms.get(name);
    if (s) return (a.symValue(s) ?? 0) >>> 0;
  }
  return a.sections[TEXT]!.base >>> 0;
}

function segments(a: Assembly): Segment[] {
  const out: Segment[] = [];
  for (const i of [TEXT, DATA, BSS]) {
    const s = a.sections[i]!;
    if (i !== TEXT && s.size === 0) continue;
    out.push({
      name: s.name,
      addr: s.base >>> 0,
      flags: s.flags,
      data: i === BSS ? new Uint8Array(0) : s.data,
      memSize: s.size,
    });
  }
  return out;
}

function symbolTable(a: Assembly): SymbolEntry[] {
  const out: SymbolEntry[] = [];
  for (const s of a.syms.values()) {
    out.push({ name: s.name, value: (a.symValue(s) ?? 0) >>> 0, kind: s.kind, global: s.global });
  }
  return out.sort((x, y) => x.value - y.value || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
