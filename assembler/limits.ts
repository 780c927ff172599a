// Resource limits of the assembler: exceeding one is a diagnostic, never a crash, hang or out-of-memory.

/** Largest image: the sum of all sections, .bss included. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Longest source line accepted. */
export const MAX_LINE_LENGTH = 4096;
/** Deepest chain of nested .include. */
export const MAX_INCLUDE_DEPTH = 32;
/** Deepest chain of nested macro expansions. */
export const MAX_MACRO_DEPTH = 64;
/** Most source lines read or produced by macro expansion in one run. */
export const MAX_TOTAL_LINES = 500_000;
/** Errors reported before the assembler gives up. */
export const MAX_ERRORS = 100;
/** Largest alignment accepted by .align. */
export const MAX_ALIGN = 1 << 20;
/** Deepest parenthesis nesting in an expression (the parser recurses per level). */
export const MAX_NESTING = 100;
