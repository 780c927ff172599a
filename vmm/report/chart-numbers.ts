// Short numbers for charts and notes: 7.64M modeled cycles, a 2.3× overhead.

/** 7.64M, 312k, 950: short enough to sit on a bar. */
export function compactNumber(n: number): string {
  const a = Math.abs(n);
  const fmt = (x: number, unit: string) => `${x >= 100 ? Math.round(x) : x >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, '')}${unit}`;
  if (a >= 1e9) return fmt(n / 1e9, 'G');
  if (a >= 1e6) return fmt(n / 1e6, 'M');
  if (a >= 1e3) return fmt(n / 1e3, 'k');
  return String(Math.round(n));
}

/** An overhead as a short factor: 1.02×, 15.3×, 0.068×, 1.2k×. */
export function formatFactor(x: number): string {
  const strip = (t: string) => (t.includes('.') ? t.replace(/\.?0+$/, '') : t);
  if (x >= 1000) return `${compactNumber(x)}×`;
  if (x >= 100) return `${Math.round(x)}×`;
  if (x >= 10) return `${strip(x.toFixed(1))}×`;
  if (x >= 1) return `${strip(x.toFixed(2))}×`;
  return `${strip(x.toPrecision(2))}×`;
}
