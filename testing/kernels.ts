// The kernels bundled with vmlab (guest-kernels/), by path: a suite finds them wherever its exercise folder was copied.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `guest-kernels/<path>` in this vmlab, e.g. bundledKernel('mini/main.s'). */
export function bundledKernel(path: string): string {
  const file = fileURLToPath(new URL(`../guest-kernels/${path}`, import.meta.url));
  if (!existsSync(file)) throw new Error(`vmlab has no bundled kernel guest-kernels/${path}`);
  return file;
}
