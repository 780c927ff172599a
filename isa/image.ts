// The loadable image's shape: what the assembler produces and the machine loads (the interface between them).

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
