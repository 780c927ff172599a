// Text measurement for the SVG charts: widths from DejaVu Sans' advance widths, and word wrapping to a width in pixels.

import { BOLD, MEASURED_FAMILY, REGULAR, type FaceMetrics } from './font-metrics.js';

/**
 * The charts' font-family: the measured font first, then faces of about its width or narrower, so a
 * viewer without DejaVu Sans draws text no wider than it was measured.
 */
export const CHART_FONT_FAMILY = `'${MEASURED_FAMILY}', Verdana, Arial, Helvetica, sans-serif`;

export interface TextStyle {
  readonly size: number;
  readonly bold?: boolean;
}

function widest(face: FaceMetrics): number {
  return Math.max(...Object.values(face.widths));
}
const WIDEST = new Map<FaceMetrics, number>([REGULAR, BOLD].map((f) => [f, widest(f)]));

/** The advance width of `text` in pixels; a character the table lacks counts as the widest it has. */
export function textWidth(text: string, style: TextStyle): number {
  const face = style.bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) units += face.widths[ch.codePointAt(0)!] ?? WIDEST.get(face)!;
  return (units * style.size) / face.unitsPerEm;
}

/** Ascent and descent below the baseline, in pixels, for vertical layout. */
export function textExtent(style: TextStyle): { ascent: number; descent: number } {
  const face = style.bold ? BOLD : REGULAR;
  return { ascent: (face.ascender * style.size) / face.unitsPerEm, descent: (-face.descender * style.size) / face.unitsPerEm };
}

/**
 * `text` broken at spaces into lines no wider than `maxWidth`; a single word wider than that is
 * broken after a separator (`/`, `-`, `,`) if it has one, else keeps its own line.
 */
export function wrapText(text: string, maxWidth: number, style: TextStyle): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate, style) <= maxWidth || !line) line = candidate;
    else {
      lines.push(line);
      line = word;
    }
    while (textWidth(line, style) > maxWidth) {
      const cut = breakPoint(line, maxWidth, style);
      if (cut <= 0) break;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The last index after a separator at which `word`'s head fits `maxWidth`, or 0. */
function breakPoint(word: string, maxWidth: number, style: TextStyle): number {
  let best = 0;
  for (let i = 1; i < word.length; i++)
    if ('/-,'.includes(word[i - 1]!) && textWidth(word.slice(0, i), style) <= maxWidth) best = i;
  return best;
}
