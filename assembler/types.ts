// Types shared by the assembler, the image format, the disassembler and the CLI.

import type { Image } from '../isa/image.js';
export { SEG, IMAGE_FLAG, type Segment, type SymbolEntry, type LineEntry, type Image } from '../isa/image.js';

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Number of characters the caret underlines (at least 1). */
  readonly length: number;
  readonly message: string;
  /** The source line the diagnostic points into, without its newline. */
  readonly sourceLine: string;
  /** Outermost last: e.g. "in macro `m` expanded at k.s:12", "included from main.s:3". */
  readonly chain: readonly string[];
}

export interface AssembleOptions {
  /** Extra include directories (-I), searched after the including file's folder. */
  readonly includePaths?: readonly string[];
  /** -D NAME[=VALUE]. */
  readonly defines?: Readonly<Record<string, number>>;
  /** File reader; defaults to the real file system. Returns undefined if the file does not exist. */
  readonly readFile?: (path: string) => string | undefined;
  /** Produce a listing. */
  readonly listing?: boolean;
}

export interface AssembleResult {
  /** Null when there are errors. */
  readonly image: Image | null;
  readonly diagnostics: readonly Diagnostic[];
  /** Address, bytes and source per line; included files and macro expansions marked. */
  readonly listing?: string;
  /** Symbol map: every symbol with its value, sorted by address. */
  readonly map?: string;
}
