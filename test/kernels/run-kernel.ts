// Assembles a bundled guest kernel and runs it natively on a fresh Machine: the helper the kernel tests share.
import { fileURLToPath } from 'node:url';
import { assembleFile, formatDiagnostic } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';
import { Machine } from '../../vmm/bare-metal.js';
import type { RunResult } from '../../vmm/run-result.js';

/** Absolute path of a file under guest-kernels/. */
export function kernelPath(rel: string): string {
  return fileURLToPath(new URL(`../../guest-kernels/${rel}`, import.meta.url));
}

/** Assemble or throw with every diagnostic, formatted as the CLI would print it. */
export function assembleKernel(rel: string, defines: Record<string, number> = {}): Image {
  const res = assembleFile(kernelPath(rel), { defines });
  if (!res.image) throw new Error(`${rel} does not assemble:\n${res.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  return res.image;
}

export interface KernelRun {
  readonly image: Image;
  readonly machine: Machine;
  readonly result: RunResult;
}

export interface KernelRunOptions {
  defines?: Record<string, number>;
  strict?: boolean;
  /** Sectors of zeroed disk to attach (mini's I/O phase needs one). Default 2048 (1 MiB). */
  diskSectors?: number;
  maxInstructions?: number;
}

/** Run a bundled kernel natively to power-off (or the instruction cap). */
export function runKernel(rel: string, opts: KernelRunOptions = {}): KernelRun {
  const image = assembleKernel(rel, opts.defines);
  const machine = new Machine({
    strict: opts.strict ?? false,
    blockImage: new Uint8Array((opts.diskSectors ?? 2048) * 512),
  });
  machine.load(image);
  const result = machine.run({ maxInstructions: opts.maxInstructions ?? 50_000_000 });
  return { image, machine, result };
}
