// Shared by the hypervisor tests: assemble kernels (cached), run them under each technique, and read VM memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleFile, assembleSource, formatDiagnostic } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';
import type { VmExit } from '../../vmm/hv/exits.js';
import { VM_POOL_BYTES } from '../../vmm/hv/host.js';
import { Hypervisor, type VmRunResult, type VmSpec } from '../../vmm/hv/hypervisor.js';
import type { MemoryMode } from '../../vmm/hv/types.js';
import { Machine } from '../../vmm/bare-metal.js';
import { runGuests } from '../../vmm/session.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A way to run a guest under the hypervisor (every technique this build has, and its memory modes). */
export interface VmmConfig {
  readonly label: string;
  readonly technique: 'emulate' | 'trap' | 'hw' | 'bt';
  readonly memory?: MemoryMode;
  readonly strict?: boolean;
}

export const EMULATE: VmmConfig = { label: 'emulate', technique: 'emulate' };
export const TRAP: VmmConfig = { label: 'trap', technique: 'trap' };
export const TRAP_STRICT: VmmConfig = { label: 'trap strict', technique: 'trap', strict: true };
export const HW_NESTED: VmmConfig = { label: 'hw nested', technique: 'hw', memory: 'nested' };
export const HW_SHADOW: VmmConfig = { label: 'hw shadow', technique: 'hw', memory: 'shadow' };
export const BT: VmmConfig = { label: 'bt', technique: 'bt' };

/** The configurations under which an unmodified kernel must behave exactly as natively. */
export const EQUIVALENT: readonly VmmConfig[] = [EMULATE, TRAP_STRICT, HW_NESTED, HW_SHADOW, BT];
/** Every configuration a hostile guest is tried under. */
export const ALL: readonly VmmConfig[] = [EMULATE, TRAP, TRAP_STRICT, HW_NESTED, HW_SHADOW, BT];

function check(res: { image: Image | null; diagnostics: readonly Parameters<typeof formatDiagnostic>[0][] }, what: string): Image {
  if (!res.image) throw new Error(`${what} does not assemble:\n${res.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  return res.image;
}

const cache = new Map<string, Image>();

/** A bundled kernel (path under guest-kernels/), assembled once per set of defines. */
export function kernel(rel: string, defines: Record<string, number> = {}): Image {
  const key = `${rel} ${JSON.stringify(defines)}`;
  let img = cache.get(key);
  if (!img) {
    img = check(assembleFile(`guest-kernels/${rel}`, { defines, readFile: readRepo }), rel);
    cache.set(key, img);
  }
  return img;
}

/** A kernel under test/fixtures/ (e.g. "hv/ptedit.s"), assembled once per set of defines. */
export function fixture(rel: string, defines: Record<string, number> = {}): Image {
  const key = `fixture ${rel} ${JSON.stringify(defines)}`;
  let img = cache.get(key);
  if (!img) {
    img = check(assembleFile(`test/fixtures/${rel}`, { defines, readFile: readRepo }), rel);
    cache.set(key, img);
  }
  return img;
}

/** A hostile kernel from test/fixtures/hostile/ (its prelude is found beside it). */
export function hostile(file: string, defines: Record<string, number> = {}): Image {
  return fixture(`hostile/${file}`, defines);
}

/** A kernel written inline in a test; `name` is the file its line table names. */
export function source(text: string, name: string, defines: Record<string, number> = {}): Image {
  return check(assembleSource(text, name, { defines, readFile: readRepo }), name);
}

// Paths stay repo-relative in line tables ("guest-kernels/mini/sched.s:42"), whatever the cwd.
function readRepo(path: string): string | undefined {
  const abs = path.startsWith('/') ? path : REPO + path;
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/** A zeroed 1 MiB disk (mini's I/O phase needs one). */
export function disk(): Uint8Array {
  return new Uint8Array(2048 * 512);
}

export function spec(name: string, image: Image, extra: Partial<VmSpec> = {}): VmSpec {
  return { name, image, blockImage: disk(), ...extra };
}

/** Run one guest natively (the oracle). */
export function native(image: Image, opts: { strict?: boolean; max?: number } = {}): VmRunResult {
  return runGuests([spec('native', image)], {
    technique: 'native',
    strict: opts.strict ?? false,
    maxInstructions: opts.max ?? 50_000_000,
  })[0]!;
}

/** Run one guest on a bare Machine: its result, and the machine for its final RAM and disk. */
export function nativeMachine(image: Image, opts: { strict?: boolean; max?: number } = {}) {
  const machine = new Machine({ strict: opts.strict ?? false, blockImage: disk() });
  machine.load(image);
  const result = machine.run({ maxInstructions: opts.max ?? 50_000_000 });
  return { machine, result };
}

/** Run guests in one hypervisor; the hypervisor is returned too, for its host memory. */
export function runVmm(
  specs: readonly VmSpec[],
  cfg: VmmConfig,
  max = 50_000_000,
  quantum?: number,
  onExit?: (vm: string, exit: VmExit) => void,
) {
  const hv = new Hypervisor(specs, {
    technique: cfg.technique,
    strict: cfg.strict ?? false,
    ...(cfg.memory ? { memory: cfg.memory } : {}),
    ...(quantum ? { quantum } : {}),
    ...(onExit ? { onExit } : {}),
  });
  const results = hv.run(max);
  return { hv, results };
}

/** A copy of VM i's RAM as it is in host memory. */
export function ramOf(hv: Hypervisor, i: number): Uint8Array {
  const g = hv.vms[i]!.guest;
  return new Uint8Array(hv.host.memory, g.base, g.size).slice();
}

/** A copy of VM i's whole host region: the VMM's table pool for it, then its RAM. */
export function regionOf(hv: Hypervisor, i: number): Uint8Array {
  const g = hv.vms[i]!.guest;
  return new Uint8Array(hv.host.memory, g.base - VM_POOL_BYTES, VM_POOL_BYTES + g.size).slice();
}

/** Index of the first differing byte, or -1 (a readable failure instead of a megabyte diff). */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A kernel that halts at once with interrupts off: the innocent bystander of the isolation tests. */
export const IDLE_SOURCE = `
.text
_start:
    cli
    hlt
`;
