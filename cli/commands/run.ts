// `vmlab run`: load an image (or assemble a .s file) and run it on the simulated machine under a technique.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { EXIT_CODE, MEMMAP, NIC_MAX_PACKET } from '../../isa/abi.js';
import type { CostProfile } from '../../vmm/cost/profile.js';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import { DEVICE_MODES, MEMORY_MODES, type DeviceMode, type MemoryMode } from '../../vmm/hv/types.js';
import { findTechnique, techniqueNames, techniques } from '../../vmm/hv/techniques/registry.js';
import { MachineConfigError } from '../../vmm/machine/ram.js';
import { LoadError } from '../../vmm/machine/loader.js';
import { formatCrash } from '../../vmm/report/crash.js';
import { formatDeviceStats } from '../../vmm/report/devices.js';
import { formatDivergences, formatExitStats } from '../../vmm/report/exits.js';
import { formatStatusLine } from '../../vmm/report/summary.js';
import { ConfigError, createRun, type GuestSpec } from '../../vmm/session.js';
import type { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { encodeSnapshot } from '../../vmm/snapshot/format.js';
import { VM_LIMITS } from '../../vmm/limits.js';
import { cliError, loadProgram, readInput } from '../load-image.js';
import { collect, countArg, defineArg, parseCount, profileArg, sizeArg, techniqueHelp } from '../options.js';
import { loadProfile } from '../../vmm/cost/profile.js';
import { deviceCostNote } from '../../vmm/report/cheaper.js';
import { runAndMigrate, sendRefusal } from '../migrate/send.js';
import { parseLoopbackAddress } from '../migrate/tcp-link.js';
import { DEFAULT_STOP_PAGES } from '../../vmm/migration/source.js';
import { wrap } from '../../vmm/report/compare-format.js';
import { Stepper } from '../../vmm/debug/stepper.js';
import { progressFor, runWithProgress, type RunProgress } from '../progress.js';
import { crashTails, debugHooks, formatDumps, prepareDebugRun, runDebug, type DebugCliOptions } from '../run-debug-options.js';


/**
 * Default instruction budget: 1e9 finishes in well under 30 s at the interpreter's ~100 MIPS, yet
 * is far more than any bundled kernel needs, so only a runaway guest ever reaches it.
 */
export const DEFAULT_MAX_INSTRUCTIONS = 1_000_000_000;

/** Pre-copy's defaults: Xen's 30 rounds at most, and a link that moves mini's 4 MiB in 100,000 instructions. */
const DEFAULT_MAX_ROUNDS = 30;
const DEFAULT_BANDWIDTH = 1024;

/** The options as commander hands them over: choices checked, counts, sizes, the profile and -D parsed. */
interface RunCliOptions extends DebugCliOptions {
  snapshotAt?: string;
  migrateTo?: string;
  migrateAt?: string;
  migrateMode?: 'pre-copy' | 'post-copy';
  maxRounds?: number;
  bandwidth?: number;
  snapshot?: string;
  technique: string;
  memory?: MemoryMode;
  devices?: DeviceMode;
  costProfile?: CostProfile;
  stats?: boolean;
  maxInstructions: number;
  json?: boolean;
  stdin?: string;
  packet?: string[];
  block?: string;
  include?: string[];
  define?: Record<string, number>;
  strict?: boolean;
  ram?: number;
  /** Options of the techniques' own (their descriptors' `options`), by commander's camel-cased name. */
  [technique: string]: unknown;
}

/** Commander's property name for a flag: `--code-cache <words>` → codeCache. */
function optionProperty(flags: string): string {
  return flags.split(' ')[0]!.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

async function runCommand(files: string[], opts: RunCliOptions): Promise<number> {
  const { technique, memory, devices, maxInstructions } = opts;
  const profile = opts.costProfile ?? loadProfile();
  const ramSize: number = opts.ram ?? MEMMAP.DEFAULT_RAM;
  const defines = opts.define ?? {};
  // A technique's own options apply to that technique only.
  const techniqueOptions: Record<string, unknown> = {};
  for (const t of techniques())
    for (const o of t.options ?? []) {
      const given = opts[optionProperty(o.flags)];
      if (given === undefined) continue;
      const flag = o.flags.split(' ')[0]!;
      if (t.name !== technique) return usage(`${flag} is for --technique ${t.name} (not ${technique})`);
      const value = o.parse ? o.parse(String(given)) : given === true;
      if (typeof value === 'object' && value !== null && 'error' in value) return usage(String((value as { error: unknown }).error));
      techniqueOptions[o.key] = value;
    }
  let stdin: string | Uint8Array | undefined = opts.stdin;
  if (stdin !== undefined && stdin.startsWith('@')) {
    const bytes = readInput(stdin.slice(1));
    if (!bytes) return EXIT_CODE.USAGE;
    stdin = bytes;
  }
  let block: Uint8Array | undefined;
  if (opts.block !== undefined) {
    const bytes = readInput(opts.block);
    if (!bytes) return EXIT_CODE.USAGE;
    block = bytes;
  }

  const packets: Uint8Array[] = [];
  for (const file of opts.packet ?? []) {
    const bytes = readInput(file);
    if (!bytes) return EXIT_CODE.USAGE;
    if (bytes.length === 0 || bytes.length > NIC_MAX_PACKET)
      return usage(`--packet ${file}: a packet is 1 to ${NIC_MAX_PACKET} bytes, this file has ${bytes.length}`);
    packets.push(bytes);
  }

  const several = files.length > 1;
  const names = uniqueNames(files);
  // Set once the run starts; console lines take the progress line away before they are written.
  let progress: RunProgress | null = null;
  const writers: LineWriter[] = [];
  const guests: GuestSpec[] = [];
  for (const [i, file] of files.entries()) {
    const loaded = await loadProgram(file, { includePaths: opts.include ?? [], defines });
    if (!loaded.ok) return loaded.exitCode;
    const name = names[i]!;
    // With several VMs each console line carries its VM's name; each VM's console stays its own.
    const out = opts.json
      ? null
      : new LineWriter((s) => {
          progress?.hide();
          process.stdout.write(s);
        }, several ? `[${name}] ` : '');
    if (out) writers.push(out);
    guests.push({
      name,
      image: loaded.image,
      ramSize,
      ...(stdin !== undefined ? { stdin } : {}),
      // A private copy per VM: guest writes change the run's disk, never the file.
      ...(block ? { blockImage: Uint8Array.from(block) } : {}),
      ...(packets.length ? { packets: packets.map((p) => Uint8Array.from(p)) } : {}),
      ...(out ? { consoleSink: (s: string) => out.write(s) } : {}),
    });
  }

  let snapshotAt: number | undefined;
  if (opts.snapshotAt !== undefined || opts.snapshot !== undefined) {
    if (opts.snapshotAt === undefined || opts.snapshot === undefined)
      return usage('--snapshot-at <n> and --snapshot <file> go together: when to take the snapshot, and where to write it');
    const n = parseCount(opts.snapshotAt);
    if (n === null) return usage(`--snapshot-at ${JSON.stringify(opts.snapshotAt)}: expected a positive instruction count, e.g. 250000`);
    if (n >= maxInstructions) return usage(`--snapshot-at ${n} is not before the instruction limit (${maxInstructions})`);
    const saves = findTechnique(technique)!.snapshots;
    if (saves !== true) {
      cliError(`--snapshot-at: ${saves.refused}`);
      return EXIT_CODE.CONFIG;
    }
    snapshotAt = n;
  }

  const migration = migrationArgs(opts);
  if (typeof migration === 'string') return usage(migration);

  const debug = prepareDebugRun(opts, several);
  if ('error' in debug) return usage(debug.error);
  // A migrating run ends on the destination: its trace and final state are not this process's to print.
  if (migration && (debug.sink || debug.dumps.length))
    return usage('--trace, --trace-file, --trace-last and --dump cannot be combined with --migrate-to: the run ends on the destination');
  const runOptions = {
    technique,
    profile,
    strict: opts.strict ?? false,
    ...(memory ? { memory } : {}),
    ...(devices ? { devices } : {}),
    ...(Object.keys(techniqueOptions).length ? { techniqueOptions } : {}),
  };
  let hv: Hypervisor;
  try {
    hv = createRun(guests, { ...runOptions, ...debugHooks(debug) });
  } catch (e) {
    if (e instanceof ConfigError) {
      cliError(e.message);
      return EXIT_CODE.CONFIG;
    }
    if (e instanceof MachineConfigError) return usage(e.message);
    if (e instanceof LoadError) {
      cliError(e.message);
      return EXIT_CODE.BAD_IMAGE;
    }
    throw e;
  }
  if (migration) {
    const refused = sendRefusal(hv, migration);
    if (refused) {
      cliError(`--migrate-to: ${refused}`);
      return EXIT_CODE.CONFIG;
    }
    return runAndMigrate(hv, writers, { ...migration, maxInstructions, json: opts.json ?? false, stats: opts.stats ?? false, profile });
  }
  if (snapshotAt !== undefined) {
    hv.runUntil(snapshotAt);
    if (hv.vms.some((vm) => vm.running)) return writeSnapshot(hv, snapshotAt, maxInstructions, opts.snapshot!, writers, opts.json ?? false);
    process.stderr.write(`vmlab: every VM stopped before instruction ${snapshotAt}: no snapshot written\n`);
  }
  let results: VmRunResult[];
  if (debug.sink) results = runDebug(debug, hv, maxInstructions);
  else {
    progress = progressFor(process.stderr, maxInstructions, guests.length);
    results = runWithProgress(hv, maxInstructions, progress);
  }
  // The same run again, silent, from the same inputs: it is deterministic, so it crashes at the same instruction.
  const replay = guests.map(({ consoleSink: _, ...g }) => ({
    ...g,
    ...(block ? { blockImage: Uint8Array.from(block) } : {}),
    ...(packets.length ? { packets: packets.map((p) => Uint8Array.from(p)) } : {}),
  }));
  const crashTail = crashTails(debug, hv, results, (get) => createRun(replay, { ...runOptions, ...Stepper.hooks(get) }));
  if (debug.dumps.length) {
    for (const w of writers) w.flush();
    (opts.json ? process.stderr : process.stdout).write(`${formatDumps(hv, debug.dumps)}\n`);
  }
  return finishRun(results, writers, { json: opts.json ?? false, several, stats: opts.stats ?? false, profile, maxInstructions, crashTail });
}

/** --max-rounds: a count that may be 0 (no pre-copy at all). */
function roundsArg(v: string): number {
  if (!/^\d{1,4}$/.test(v.trim())) throw new InvalidArgumentError('expected a number of rounds, 0 to 9999 (0: stop-and-copy)');
  return Number(v);
}

/** The --migrate-* options checked, null without --migrate-to, or a usage error. */
function migrationArgs(opts: RunCliOptions) {
  if (opts.migrateTo === undefined && opts.migrateAt === undefined) return null;
  if (opts.migrateTo === undefined || opts.migrateAt === undefined)
    return '--migrate-to <host:port> and --migrate-at <n> go together: where the VM goes, and when it starts moving';
  if (opts.snapshotAt !== undefined) return '--migrate-to and --snapshot-at are two ways to end a run here; choose one';
  const to = parseLoopbackAddress(opts.migrateTo, false);
  if (typeof to === 'string') return `--migrate-to ${to}`;
  const at = parseCount(opts.migrateAt);
  if (at === null) return `--migrate-at ${JSON.stringify(opts.migrateAt)}: expected a positive instruction count, e.g. 250000`;
  if (at >= opts.maxInstructions) return `--migrate-at ${at} is not before the instruction limit (${opts.maxInstructions})`;
  const mode = opts.migrateMode ?? 'pre-copy';
  if (mode === 'post-copy') return '--migrate-mode post-copy is not implemented yet; pre-copy (--max-rounds 0: stop-and-copy) is';
  return { ...to, at, mode, maxRounds: opts.maxRounds ?? DEFAULT_MAX_ROUNDS, bandwidth: opts.bandwidth ?? DEFAULT_BANDWIDTH, stopPages: DEFAULT_STOP_PAGES };
}

/** Save the run to `file` (every VM stands between two slices at `at`), after printing its console so far. */
function writeSnapshot(hv: Hypervisor, at: number, maxInstructions: number, file: string, writers: readonly LineWriter[], json: boolean): number {
  let bytes: Uint8Array;
  try {
    bytes = encodeSnapshot({ run: hv.save(), images: hv.vms.map((vm) => vm.image), maxInstructions });
  } catch (e) {
    if (e instanceof ConfigError) {
      cliError(e.message);
      return EXIT_CODE.CONFIG;
    }
    throw e;
  }
  for (const w of writers) w.flush();
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    return usage(`cannot write the snapshot to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const results = hv.results();
  if (json) {
    const out = results.map((r) => ({ name: r.name, technique: r.technique, status: 'snapshot', at, snapshot: file, console: r.console, stats: r.stats }));
    process.stdout.write(`${JSON.stringify(out.length > 1 ? out : out[0], null, 2)}\n`);
  }
  process.stderr.write(
    `vmlab: snapshot at instruction ${at} of ${results.length === 1 ? 'the VM' : `${results.length} VMs`} written to ${file} (${bytes.length.toLocaleString('en-US')} bytes); vmlab resume ${file} goes on from there\n`,
  );
  return EXIT_CODE.OK;
}

export interface FinishOptions {
  readonly json: boolean;
  readonly several: boolean;
  readonly stats: boolean;
  readonly profile: CostProfile;
  readonly maxInstructions: number;
  /** Per result: what its crash report ends with (its last instructions), if it crashed. */
  readonly crashTail?: readonly (string | null)[];
}

/** Print what a finished run owes the user (dumps, JSON, reports, status lines); returns the exit code. */
export function finishRun(results: readonly VmRunResult[], writers: readonly LineWriter[], o: FinishOptions): number {
  const { json: asJson, several, stats, profile, maxInstructions } = o;
  for (const w of writers) w.flush();
  if (!asJson)
    for (const r of results) if (r.dump) process.stdout.write(`\n${several ? `[${r.name}] ` : ''}${r.dump}`);

  if (asJson) {
    const json = results.map(jsonResult);
    process.stdout.write(`${JSON.stringify(several ? json : json[0], null, 2)}\n`);
  }
  let code: number = EXIT_CODE.OK;
  for (const [i, r] of results.entries()) {
    const c = report(r, maxInstructions, asJson, several, stats, profile, o.crashTail?.[i] ?? null);
    if (code === EXIT_CODE.OK) code = c;
  }
  return code;
}

/** One run as `vmlab run --json` prints it (schema: docs/schemas/run.schema.json). */
export function jsonResult(r: VmRunResult) {
  const { status, exitCode, guestStatus, console, stats, wallMs, crash, divergences } = r;
  return {
    ...(!findTechnique(r.technique)?.oracle ? { name: r.name, technique: r.technique, memory: r.memory } : {}),
    status,
    exitCode,
    ...(guestStatus !== undefined ? { guestStatus } : {}),
    console,
    stats,
    wallMs,
    ...(crash ? { crash } : {}),
    ...(divergences.length ? { divergences } : {}),
    ...(r.dump ? { dump: r.dump } : {}),
  };
}

/** File names, made unique ("mini.s", "mini.s#2") so two copies of one kernel can be told apart. */
function uniqueNames(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const b = basename(f);
    const n = (seen.get(b) ?? 0) + 1;
    seen.set(b, n);
    return n === 1 ? b : `${b}#${n}`;
  });
}

/** Print what stderr gets for one run; returns the exit code that run asks for. */
function report(
  result: VmRunResult,
  maxInstructions: number,
  json: boolean,
  several: boolean,
  stats: boolean,
  profile: CostProfile,
  crashTail: string | null = null,
): number {
  const who = several ? `${result.name}: ` : '';
  if (!json && result.console.length > 0 && !result.console.endsWith('\n')) {
    // Keep the status line off the guest's last, unterminated line when both go to a terminal.
    if (process.stdout.isTTY && process.stderr.isTTY) process.stdout.write('\n');
  }
  if (result.status === 'limit')
    process.stderr.write(
      `vmlab: ${who}stopped after ${maxInstructions} instructions (--max-instructions); the guest may be in a loop\n`,
    );
  if (result.crash) process.stderr.write(`${formatCrash(result.crash)}\n${crashTail ? `${crashTail}\n` : ''}`);
  if (stats) process.stderr.write(`${formatExitStats(result, profile)}\n`);
  const devices = stats ? formatDeviceStats(result) : '';
  if (devices) process.stderr.write(`${devices}\n`);
  const cheaper = stats ? deviceCostNote(result.technique, result.stats, profile.costs.ioAccess) : null;
  if (cheaper) process.stderr.write(`${wrap(cheaper, 100, '  ')}\n`);
  if (result.divergences.length > 0) process.stderr.write(`${formatDivergences(result)}\n`);
  // A technique that let a sensitive instruction silently show the real CPU must not pass as a success.
  const diverged = result.divergences.length > 0 && (result.status === 'poweroff' || result.status === 'halted');
  const code = diverged ? EXIT_CODE.DIVERGED : result.exitCode;
  process.stderr.write(`${formatStatusLine(result, code).replace(/^vmlab: /, `vmlab: ${who}`)}\n`);
  return code;
}

/**
 * Passes console text on a line at a time, so a chatty guest does not cost a write per byte. A line longer
 * than VM_LIMITS.CONSOLE_LINE_BYTES is written out in pieces: a guest that never prints a newline must not
 * make vmlab hold its output.
 */
export class LineWriter {
  private pending = '';
  /** The last text written out did not end its line (a long line went out in pieces). */
  private midLine = false;
  constructor(
    private readonly sink: (s: string) => void,
    private readonly prefix = '',
  ) {}
  write(s: string): void {
    // Only the new text can hold a newline: looking through all of `pending` each time would be quadratic.
    const nl = s.lastIndexOf('\n');
    if (nl >= 0) {
      this.emit(this.pending + s.slice(0, nl + 1));
      this.pending = s.slice(nl + 1);
    } else this.pending += s;
    if (this.pending.length >= VM_LIMITS.CONSOLE_LINE_BYTES) this.flush();
  }
  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
  private emit(text: string): void {
    let out = text;
    if (this.prefix) {
      out = text.replace(/\n(?=.)/g, `\n${this.prefix}`);
      if (!this.midLine && !text.startsWith('\n')) out = this.prefix + out;
    }
    this.midLine = !text.endsWith('\n');
    this.sink(out);
  }
}

export function register(program: Command): void {
  const help = techniqueHelp();
  const command = program
    .command('run')
    .description('run guest kernels on the simulated machine, natively or under a virtualization technique')
    .argument('<image...>', 'a .vxe image or a .s source file; several run as VMs side by side')
    .addOption(new Option('-t, --technique <name>', 'how to run the guest').choices(techniqueNames()).default('native'))
    .addOption(
      new Option('--memory <mode>', 'memory virtualization: shadow (VMM-kept shadow tables) or nested (second-stage tables, hw only); default: nested for hw, shadow for trap and bt, direct for pv').choices(MEMORY_MODES),
    )
    .addOption(
      new Option(
        '--devices <model>',
        'device model: emulated (every register access goes to the VMM), passthrough (hw only: the NIC is mapped straight into the VM, its DMA fenced by the IOMMU; one VM can have it, a second is refused) or split (pv only: front-ends in the guest, back-ends in the VMM, over shared rings, one notification per batch); default: split for pv, emulated otherwise',
      ).choices(DEVICE_MODES),
    )
    .option('--cost-profile <name|file>', 'cost profile for modeled cycles: modern (the default), vt-2006, or a JSON file', profileArg)
    .option(
      '-n, --max-instructions <n>',
      'stop with exit 69 after this many instructions of simulated time (guest instructions plus time idle in hlt), per VM, so a runaway guest never hangs; default 1e9, a few seconds',
      countArg('200000 or 1e9'),
      DEFAULT_MAX_INSTRUCTIONS,
    )
    .option('--json', 'print {status, exitCode, console, stats, wallMs, crash?} as JSON on stdout instead of the live console (an array with several images)')
    .option('--stats', 'print the exits by reason (count, %, modeled cycles), like perf kvm stat')
    .option('--trace <what>', 'print events on stderr as they happen (docs/trace-format.md): any of insn, exits, irq, mmu, comma-separated; exits:IO,HLT shows only those exit reasons; insn and mmu run the guest one instruction at a time')
    .option('--trace-file <file>', 'write the trace to this file instead of stderr')
    .option('--trace-last <n>', 'keep only the last n trace events and print them when the run ends or crashes (all kinds unless --trace says)', countArg('1000'))
    .option('--dump <what>', 'after the run, print the final state: regs, mem:<address|symbol>:<length>, pt (the mapped pages), comma-separated')
    .option('--stdin <text|@file>', 'bytes the guest UART receives: the text itself, or @file for a file')
    .option(
      '--packet <file>',
      'a packet (the file\'s bytes) waiting on the wire at boot, delivered as the guest posts receive buffers, by the emulated NIC or the split net back-end (repeatable, in order)',
      collect,
    )
    .option('--block <file>', 'disk image for the block device (the file is never modified)')
    .option('--ram <size>', `guest RAM, e.g. 8M (default ${MEMMAP.DEFAULT_RAM / (1024 * 1024)}M, at most ${MEMMAP.MAX_RAM / (1024 * 1024)}M)`, sizeArg)
    .option('--strict', 'strict VX32, a machine property every technique honours: pushf/popf/rdcpl/sidt raise #GP at CPL > 0 (classically virtualizable)')
    .option('-I, --include <dir>', 'extra include directory when assembling a .s file (repeatable)', collect)
    .option('-D, --define <NAME[=V]>', 'define a symbol when assembling a .s file (repeatable)', defineArg)
    .option('--snapshot-at <n>', 'stop every VM once it has used n instructions of simulated time (as -n counts them) and save the run (with --snapshot)')
    .option('--snapshot <file>', 'where --snapshot-at writes the run; `vmlab resume <file>` goes on from there in a new process')
    .option('--migrate-to <127.0.0.1:port>', 'move the VM, live, to `vmlab receive` listening there (docs/migration.md)')
    .option('--migrate-at <n>', 'start migrating once the VM has used n instructions of simulated time (with --migrate-to)')
    .addOption(new Option('--migrate-mode <mode>', 'how the VM moves: pre-copy (rounds while the guest runs, then stop-and-copy)').choices(['pre-copy', 'post-copy']))
    .option('--max-rounds <k>', `pre-copy rounds at most before the switch-over; 0 = stop-and-copy (default ${DEFAULT_MAX_ROUNDS})`, roundsArg)
    .option('--bandwidth <pages>', `the modeled link: pages sent per 100,000 guest instructions (default ${DEFAULT_BANDWIDTH})`, countArg('500'))
    .addHelpText(
      'after',
      `
Techniques:
${help}

The guest's console goes to stdout as it is produced (with several VMs, each line starts with
its VM's name); the status line, warnings and reports go to stderr.

Exit codes: the guest's power-off status up to 62, 63 for 63 or more (the whole status is on
stderr and in --json); 0 if it halts with nothing left to wake it; 69 = the instruction limit was
reached; 71 = the guest crashed (triple fault), with a report naming the faulting instruction and
its source line; 68 = a sensitive instruction silently showed
the guest the real CPU (under trap; under bt in user code, which runs untranslated), each one listed
with its source line (what Popek and Goldberg's theorem predicts for VX32; --strict makes them trap);
67 = a configuration vmlab refuses; 64 usage; 65 assembly errors; 66 bad image; 74 = --migrate-to:
the VM did not move (refused connection, the destination died or refused it) and ran to its end here.
With several images, the first non-zero code.

Modeled cycles are modeled from counted events with the cost profile, not measured; the wall
time is the simulator's own.

Examples:
  vmlab run guest-kernels/mini/main.s
  vmlab run guest-kernels/mini/main.s --technique hw --memory shadow --stats
  vmlab run guest-kernels/mini/main.s --technique trap            # shows the popf problem
  vmlab run guest-kernels/mini/main.s --technique trap --strict   # Theorem 1: now it works
  vmlab run guest-kernels/mini/main.s --technique bt              # binary translation: works unmodified
  vmlab run guest-kernels/nanobench/in.s --technique bt --dump-cache
  vmlab run a.vxe b.vxe --technique hw --json
  vmlab run kernel.vxe --max-instructions 5e6 --trace exits
  vmlab run kernel.vxe --trace insn,exits:IO,HLT --trace-file trace.txt
  vmlab run kernel.vxe --trace-last 50 --dump regs,mem:sp:32,pt
  vmlab receive --listen 127.0.0.1:7000 &         # then, live migration (docs/migration.md):
  vmlab run guest-kernels/mini/main.s -t hw --migrate-to 127.0.0.1:7000 --migrate-at 500000`,
    )
    .action(async (files: string[], opts: RunCliOptions) => {
      process.exitCode = await runCommand(files, opts);
    });
  for (const t of techniques()) for (const o of t.options ?? []) command.option(o.flags, o.help);
}
