// boot(): assemble (or load) a kernel, run it natively or under a VMM technique, and return the run to inspect.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseImage } from '../assembler/image-format.js';
import { assembleFile, assembleSource, formatDiagnostic } from '../assembler/index.js';
import type { Image } from '../assembler/types.js';
import { BLK_SECTOR_SIZE } from '../isa/abi.js';
import type { CostProfile } from '../vmm/cost/profile.js';
import type { VmRunResult } from '../vmm/hv/hypervisor.js';
import type { Divergence } from '../vmm/hv/vm.js';
import type { GuestFinalState, GuestRegisters } from '../vmm/hv/guest-state.js';
import type { ShadowSync } from '../vmm/hv/memory/shadow-sync.js';
import type { HandlerOverrides } from '../vmm/hv/privileged.js';
import type { DeviceMode, MemoryMode } from '../vmm/hv/types.js';
import type { RunStats, RunStatus } from '../vmm/run-result.js';
import type { CrashReport } from '../vmm/report/crash.js';
import { runGuests } from '../vmm/session.js';
import { DEFAULT_DISK_BYTES } from '../vmm/platform.js';
import { CheckFailure } from './failure.js';

/** A kernel: an assembled Image, a path to a .s source or .vxe image, or source text given inline. */
export type Program = Image | string | { readonly source: string; readonly name?: string };

export interface BootOptions {
  /** Default `native`. */
  readonly technique?: string;
  readonly memory?: MemoryMode;
  readonly devices?: DeviceMode;
  /** Strict VX32: pushf/popf/rdcpl/sidt trap at CPL > 0. */
  readonly strict?: boolean;
  /** Default 20 million: a runaway guest ends with status `limit` in a few seconds. */
  readonly maxInstructions?: number;
  /** Bytes the UART receives. */
  readonly stdin?: string | Uint8Array;
  /** Packets arriving on the wire, each once the guest's NIC has a free receive descriptor. */
  readonly packets?: readonly Uint8Array[];
  /** The disk the guest starts with (copied; default a zeroed 1 MiB disk). */
  readonly disk?: Uint8Array;
  /** For .s programs: extra .include directories and -D symbols. */
  readonly includePaths?: readonly string[];
  readonly defines?: Readonly<Record<string, number>>;
  /** trap only: replacement trap-and-emulate handlers. */
  readonly handlers?: HandlerOverrides;
  /** Shadow paging only: a replacement sync policy. */
  readonly shadowSync?: ShadowSync;
  readonly profile?: CostProfile;
}

export interface BlockWrite {
  readonly sector: number;
  readonly data: Uint8Array;
}

export interface Run {
  readonly technique: string;
  readonly memory: MemoryMode | null;
  readonly status: RunStatus;
  /** What `vmlab run` would exit with: the power-off status up to 63 (guestExitCode), 0 halted, EXIT_CODE.LIMIT or EXIT_CODE.CRASH. */
  readonly exitCode: number;
  /** For a power-off: the status the guest wrote, whole (exitCode caps it at 63). */
  readonly guestStatus?: number;
  readonly console: string;
  readonly stats: RunStats;
  /** trap: sensitive instructions that silently misbehaved, with their source lines. */
  readonly divergences: readonly Divergence[];
  readonly crash: CrashReport | undefined;
  /** Final registers as the guest sees them (its IF, CPL and control registers, not the VMM's). */
  readonly registers: GuestRegisters;
  /** The guest's physical RAM after the run. */
  readonly ram: Uint8Array;
  readonly disk: Uint8Array;
  /** Packets the guest sent, in order. */
  readonly packetsSent: readonly Uint8Array[];
  /** Sectors whose contents the run changed, in sector order. */
  readonly blocksWritten: readonly BlockWrite[];
  readonly image: Image;
  /** The address of a symbol of the image; throws if there is none. */
  symbol(name: string): number;
  /** A 32-bit little-endian word of guest-physical memory, at an address or a symbol. */
  read32(at: number | string): number;
  readBytes(at: number | string, length: number): Uint8Array;
  /** A NUL-terminated string of guest-physical memory. */
  readString(at: number | string, max?: number): string;
  /** The same program and inputs again (alone), with some options changed (e.g. `{ technique: 'native' }`). */
  rerun(changes: BootOptions): Run;
}

export const DEFAULT_MAX_INSTRUCTIONS = 20_000_000;

/** The program does not assemble or load; the message holds every diagnostic. A check that boots it fails. */
export class ProgramError extends CheckFailure {}

function loadProgram(program: Program, opts: BootOptions): Image {
  if (typeof program !== 'string' && !('source' in program)) return program;
  const asm = { includePaths: opts.includePaths ?? [], defines: opts.defines ?? {} };
  let res;
  if (typeof program === 'string') {
    if (extname(program).toLowerCase() === '.vxe') {
      try {
        return parseImage(readFileSync(program));
      } catch (e) {
        throw new ProgramError(`${program}: ${(e as Error).message}`);
      }
    }
    res = assembleFile(program, asm);
  } else res = assembleSource(program.source, program.name ?? 'inline.s', asm);
  const errors = res.diagnostics.filter((d) => d.severity === 'error');
  if (!res.image || errors.length > 0) {
    const name = typeof program === 'string' ? program : (program.name ?? 'inline.s');
    throw new ProgramError(`${name} does not assemble:\n${errors.map((d) => formatDiagnostic(d)).join('\n')}`);
  }
  return res.image;
}

/** Run a kernel to completion (power-off, halt, crash or the instruction limit) and return the run. */
export function boot(program: Program, opts: BootOptions = {}): Run {
  return bootTogether([program], opts)[0]!;
}

/**
 * Run several kernels side by side in one hypervisor (each its own VM, the same options and inputs for
 * each), as an isolation check does: a hostile VM beside an innocent one. One run per program, in order.
 */
export function bootTogether(programs: readonly Program[], opts: BootOptions = {}): Run[] {
  const images = programs.map((p) => loadProgram(p, opts));
  const technique = opts.technique ?? 'native';
  const initialDisk = opts.disk ? Uint8Array.from(opts.disk) : new Uint8Array(DEFAULT_DISK_BYTES);
  const finals = new Map<string, GuestFinalState>();
  const results = runGuests(
    images.map((image, i) => ({
      name: `vm${i}`,
      image,
      blockImage: Uint8Array.from(initialDisk),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(opts.packets ? { packets: opts.packets.map((p) => Uint8Array.from(p)) } : {}),
    })),
    {
      technique,
      maxInstructions: opts.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS,
      ...(opts.memory ? { memory: opts.memory } : {}),
      ...(opts.devices ? { devices: opts.devices } : {}),
      ...(opts.strict !== undefined ? { strict: opts.strict } : {}),
      ...(opts.handlers ? { handlers: opts.handlers } : {}),
      ...(opts.shadowSync ? { shadowSync: opts.shadowSync } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
      inspect: (name, state) => finals.set(name, state),
    },
  );
  return results.map((r, i) => {
    const state = finals.get(r.name);
    if (!state) throw new Error(`the run of ${r.name} left no final state`);
    return makeRun(r, state, images[i]!, initialDisk, (changes) => boot(images[i]!, { ...opts, ...changes }));
  });
}

function makeRun(r: VmRunResult, state: GuestFinalState, image: Image, initialDisk: Uint8Array, rerun: (c: BootOptions) => Run): Run {
  const view = new DataView(state.ram.buffer, state.ram.byteOffset, state.ram.byteLength);
  const symbol = (name: string): number => {
    const s = image.symbols.find((x) => x.name === name);
    if (!s) throw new Error(`the image has no symbol \`${name}\``);
    return s.value;
  };
  const addr = (at: number | string) => (typeof at === 'string' ? symbol(at) : at >>> 0);
  const inRam = (a: number, n: number) => {
    if (a + n > state.ram.length) throw new RangeError(`0x${a.toString(16)}..+${n} is outside the guest's RAM`);
  };
  return {
    technique: r.technique,
    memory: r.memory,
    status: r.status,
    exitCode: r.exitCode,
    ...(r.guestStatus !== undefined ? { guestStatus: r.guestStatus } : {}),
    console: r.console,
    stats: r.stats,
    divergences: r.divergences,
    crash: r.crash,
    registers: state.registers,
    ram: state.ram,
    disk: state.disk,
    packetsSent: state.packetsSent,
    blocksWritten: changedSectors(initialDisk, state.disk),
    image,
    symbol,
    read32(at) {
      const a = addr(at);
      inRam(a, 4);
      return view.getUint32(a, true);
    },
    readBytes(at, length) {
      const a = addr(at);
      inRam(a, length);
      return state.ram.slice(a, a + length);
    },
    readString(at, max = 4096) {
      const a = addr(at);
      const end = Math.min(state.ram.length, a + max);
      let e = a;
      while (e < end && state.ram[e] !== 0) e++;
      return new TextDecoder().decode(state.ram.subarray(a, e));
    },
    rerun,
  };
}

function changedSectors(before: Uint8Array, after: Uint8Array): BlockWrite[] {
  const out: BlockWrite[] = [];
  const n = Math.floor(after.length / BLK_SECTOR_SIZE);
  for (let s = 0; s < n; s++) {
    const a = after.subarray(s * BLK_SECTOR_SIZE, (s + 1) * BLK_SECTOR_SIZE);
    const b = before.subarray(s * BLK_SECTOR_SIZE, (s + 1) * BLK_SECTOR_SIZE);
    if (!Buffer.from(a).equals(Buffer.from(b))) out.push({ sector: s, data: a.slice() });
  }
  return out;
}
