// Types shared by the assembler, the image format, the disassembler and the CLI.

/** Segment flags in an image. */
export const SEG = { R: 1, W: 2, X: 4 } as const;

export interface Segment {
  /** Section name (.text, .data, .bss, or a name from .section). */
  readonly name: string;
  /** Load address (guest-physical when paging is off at boot, which is how vmlab boots). */
  readonly addr: number;
  readonly flags: number;
  /** Initialised bytes. */
  readonly data: Uint8Array;
  /** Size in memory; bytes past data.length are zero (.bss). */
  readonly memSize: number;
}

export interface SymbolEntry {
  readonly name: string;
  readonly value: number;
  /** `label` = an address; `const` = from .equ/.set. */
  readonly kind: 'label' | 'const';
  readonly global: boolean;
}

/** address -> source position, for error reports, traces, BT dumps and the debugger. */
export interface LineEntry {
  readonly addr: number;
  readonly file: string;
  readonly line: number;
}

/** Image flags. */
export const IMAGE_FLAG = {
  /** Built against the paravirtual ABI (`.pv` directive): runs only under the `pv` technique. */
  PV: 1 << 0,
} as const;

export interface Image {
  readonly entry: number;
  readonly flags: number;
  readonly segments: readonly Segment[];
  readonly symbols: readonly SymbolEntry[];
  readonly lines: readonly LineEntry[];
}

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
