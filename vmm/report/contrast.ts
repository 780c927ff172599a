// WCAG 2 contrast: relative luminance of sRGB colours, their contrast ratio, and the more legible of black or white text on a fill.

/** `#rrggbb` as three 0..255 channels. */
function channels(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** WCAG 2's relative luminance: linearised sRGB weighted by the eye's sensitivity. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2's contrast ratio, 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** WCAG 2 AA for normal text: what every label on a bar must reach. */
export const MIN_TEXT_CONTRAST = 4.5;

/** Black or white, whichever contrasts more with `fill` (one of them always reaches 4.5:1). */
export function labelColourOn(fill: string): string {
  const dark = '#000000';
  const light = '#ffffff';
  return contrastRatio(dark, fill) >= contrastRatio(light, fill) ? dark : light;
}
