// `vmlab run`: load an image (or assemble a .s file) and run it on the simulated machine under a technique.
import { Option, type Command } from 'commander';
import { basename } from 'node:path';
import { EXIT_CODE, MEMMAP, NIC_MAX_PACKET } from '../../isa/abi.js';
import type { CostProfile } from '../../vmm/cost/profile.js';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import { DEVICE_MODES, MEMORY_MODES, TECHNIQUE_HELP, TECHNIQUES, type DeviceMode, type MemoryMode, type Technique } from '../../vmm/hv/types.js';
import { MachineConfigError } from '../../vmm/machine/machine.js';
import { LoadError } from '../../vmm/machine/loader.js';
import { deviceCostNote } from '../../vmm/report/cheaper.js';
import { wrap } from '../../vmm/report/compare-format.js';
import { formatCrash } from '../../vmm/report/crash.js';
import { formatDeviceStats } from '../../vmm/report/devices.js';
import { formatDivergences, formatExitStats, formatExitTrace } from '../../vmm/report/exits.js';
import { formatStatusLine } from '../../vmm/report/summary.js';
import { ConfigError, runGuests, type GuestSpec } from '../../vmm/session.js';
import { cliError, loadProgram, readInput } from '../load-image.js';
import { collect, countArg, defineArg, profileArg, sizeArg } from '../options.js';
import { loadProfile } from '../../vmm/cost/profile.js';

/** What `--trace` can show. */
const TRACE_KINDS = ['exits'] as const;

/**
 * Default instruction budget: 1e9 finishes in well under 30 s at the interpreter's ~100 MIPS, yet
 * is far more than any bundled kernel needs, so only a runaway guest ever reaches it.
 */
export const DEFAULT_MAX_INSTRUCTIONS = 1_000_000_000;

/** The options as commander hands them over: choices checked, counts, sizes, the profile and -D parsed. */
interface RunCliOptions {
  technique: Technique;
  memory?: MemoryMode;
  devices?: DeviceMode;
  costProfile?: CostProfile;
  stats?: boolean;
  trace?: (typeof TRACE_KINDS)[number];
  maxInstructions: number;
  json?: boolean;
  stdin?: string;
  packet?: string[];
  block?: string;
  include?: string[];
  define?: Record<string, number>;
  strict?: boolean;
  ram?: number;
  dumpCache?: boolean;
  codeCache?: number;
}

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

function runCommand(files: string[], opts: RunCliOptions): number {
  const { technique, memory, devices, trace, maxInstructions } = opts;
  const profile = opts.costProfile ?? loadProfile();
  const ramSize: number = opts.ram ?? MEMMAP.DEFAULT_RAM;
  const defines = opts.define ?? {};
  if ((opts.dumpCache || opts.codeCache !== undefined) && technique !== 'bt')
    return usage(`--dump-cache and --code-cache are for --technique bt (not ${technique})`);
  const cacheWords = opts.codeCache;
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
  const writers: LineWriter[] = [];
  const guests: GuestSpec[] = [];
  for (const [i, file] of files.entries()) {
    const loaded = loadProgram(file, { includePaths: opts.include ?? [], defines });
    if (!loaded.ok) return loaded.exitCode;
    const name = names[i]!;
    // With several VMs each console line carries its VM's name; each VM's console stays its own.
    const out = opts.json ? null : new LineWriter((s) => process.stdout.write(s), several ? `[${name}] ` : '');
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

  let results: VmRunResult[];
  try {
    results = runGuests(guests, {
      technique,
      maxInstructions,
      profile,
      strict: opts.strict ?? false,
      ...(memory ? { memory } : {}),
      ...(devices ? { devices } : {}),
      ...(technique === 'bt' ? { bt: { dumpCache: opts.dumpCache ?? false, ...(cacheWords ? { cacheWords } : {}) } } : {}),
      ...(trace === 'exits'
        ? { onExit: (vm: string, e) => process.stderr.write(`${formatExitTrace(vm, e, guests.find((g) => g.name === vm)?.image)}\n`) }
        : {}),
    });
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
  for (const w of writers) w.flush();
  if (!opts.json)
    for (const r of results) if (r.codeCache) process.stdout.write(`\n${several ? `[${r.name}] ` : ''}${r.codeCache}`);

  if (opts.json) {
    const json = results.map(jsonResult);
    process.stdout.write(`${JSON.stringify(several ? json : json[0], null, 2)}\n`);
  }
  let code: number = EXIT_CODE.OK;
  for (const r of results) {
    const c = report(r, maxInstructions, opts.json ?? false, several, opts.stats ?? false, profile);
    if (code === EXIT_CODE.OK) code = c;
  }
  return code;
}

/** One run as `vmlab run --json` prints it (schema: docs/schemas/run.schema.json). */
export function jsonResult(r: VmRunResult) {
  const { status, exitCode, console, stats, wallMs, crash, divergences } = r;
  return {
    ...(r.technique !== 'native' ? { name: r.name, technique: r.technique, memory: r.memory } : {}),
    status,
    exitCode,
    console,
    stats,
    wallMs,
    ...(crash ? { crash } : {}),
    ...(divergences.length ? { divergences } : {}),
    ...(r.codeCache ? { codeCache: r.codeCache } : {}),
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
  if (result.crash) process.stderr.write(`${formatCrash(result.crash)}\n`);
  if (stats) process.stderr.write(`${formatExitStats(result, profile)}\n`);
  const devices = stats ? formatDeviceStats(result) : '';
  if (devices) process.stderr.write(`${devices}\n`);
  const cheaper = stats ? deviceCostNote(result.technique, result.stats, profile.costs.ioAccess) : null;
  if (cheaper) process.stderr.write(`${wrap(cheaper, 100, '  ')}\n`);
  if (result.divergences.length > 0) process.stderr.write(`${formatDivergences(result)}\n`);
  // trap-and-emulate that silently went wrong must not pass as a success.
  const diverged = result.divergences.length > 0 && (result.status === 'poweroff' || result.status === 'halted');
  const code = diverged ? EXIT_CODE.DIVERGED : result.exitCode;
  process.stderr.write(`${formatStatusLine({ ...result, exitCode: code }).replace(/^vmlab: /, `vmlab: ${who}`)}\n`);
  return code;
}

/** Passes console text on a line at a time, so a chatty guest does not cost a write per byte. */
class LineWriter {
  private pending = '';
  constructor(
    private readonly sink: (s: string) => void,
    private readonly prefix = '',
  ) {}
  write(s: string): void {
    this.pending += s;
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      this.emit(this.pending.slice(0, nl + 1));
      this.pending = this.pending.slice(nl + 1);
    }
  }
  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
  private emit(text: string): void {
    this.sink(this.prefix ? text.replace(/^(?=.)/gm, this.prefix) : text);
  }
}

export function register(program: Command): void {
  const techniques = TECHNIQUES.map((t) => `  ${t.padEnd(8)} ${TECHNIQUE_HELP[t]}`).join('\n');
  program
    .command('run')
    .description('run guest kernels on the simulated machine, natively or under a virtualization technique')
    .argument('<image...>', 'a .vxe image or a .s source file; several run as VMs side by side')
    .addOption(new Option('-t, --technique <name>', 'how to run the guest').choices(TECHNIQUES).default('native'))
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
      'stop with exit 101 after this many instructions of simulated time (guest instructions plus time idle in hlt), per VM, so a runaway guest never hangs; default 1e9, a few seconds',
      countArg('200000 or 1e9'),
      DEFAULT_MAX_INSTRUCTIONS,
    )
    .option('--json', 'print {status, exitCode, console, stats, wallMs, crash?} as JSON on stdout instead of the live console (an array with several images)')
    .option('--stats', 'print the exits by reason (count, %, modeled cycles), like perf kvm stat')
    .addOption(new Option('--trace <what>', 'print events on stderr as they happen').choices(TRACE_KINDS))
    .option('--stdin <text|@file>', 'bytes the guest UART receives: the text itself, or @file for a file')
    .option(
      '--packet <file>',
      'a packet (the file\'s bytes) waiting on the wire at boot, delivered as the guest posts receive buffers, by the emulated NIC or the split net back-end (repeatable, in order)',
      collect,
    )
    .option('--block <file>', 'disk image for the block device (the file is never modified)')
    .option('--ram <size>', `guest RAM, e.g. 8M (default ${MEMMAP.DEFAULT_RAM / (1024 * 1024)}M, at most ${MEMMAP.MAX_RAM / (1024 * 1024)}M)`, sizeArg)
    .option('--strict', 'strict VX32: pushf/popf/rdcpl/sidt trap at CPL > 0 (classically virtualizable)')
    .option('--dump-cache', 'bt: after the run, print each translated block beside the guest code and source lines it came from')
    .option('--code-cache <words>', 'bt: code-cache size in 32-bit words (default 65536); a full cache is flushed', countArg('65536', 64))
    .option('-I, --include <dir>', 'extra include directory when assembling a .s file (repeatable)', collect)
    .option('-D, --define <NAME[=V]>', 'define a symbol when assembling a .s file (repeatable)', defineArg)
    .addHelpText(
      'after',
      `
Techniques:
${techniques}

The guest's console goes to stdout as it is produced (with several VMs, each line starts with
its VM's name); the status line, warnings and reports go to stderr.

Exit codes: the guest's power-off status (low 8 bits); 0 if it halts with nothing left to wake
it; 101 = the instruction limit was reached; 102 = the guest crashed (triple fault), with a report
naming the faulting instruction and its source line; 5 = under trap, a sensitive instruction
silently did the wrong thing (each one is listed with its source line: what Popek and Goldberg's
theorem predicts for VX32; --strict makes them trap); 6 = a configuration vmlab refuses.
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
  vmlab run kernel.vxe --max-instructions 5e6 --trace exits`,
    )
    .action((files: string[], opts: RunCliOptions) => {
      process.exitCode = runCommand(files, opts);
    });
}
