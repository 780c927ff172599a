// The part of opentype.js (which ships no types) that gen-font-metrics.ts uses.
declare module 'opentype.js' {
  interface Glyph {
    readonly advanceWidth: number | undefined;
  }
  interface Font {
    readonly unitsPerEm: number;
    readonly ascender: number;
    readonly descender: number;
    charToGlyph(c: string): Glyph;
  }
  const opentype: { parse(buffer: ArrayBuffer): Font };
  export default opentype;
}
