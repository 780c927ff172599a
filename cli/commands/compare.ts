// `vmlab compare`: run kernels natively and under each technique, and show equivalence and modeled overhead side by side.
import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODE } from '../../isa/abi.js';
import type { CostProfile } from '../../vmm/cost/profile.js';
import { DEVICE_MODES, type DeviceMode, type MemoryMode } from '../../vmm/hv/types.js';
import { findTechnique, techniques as registered } from '../../vmm/hv/techniques/registry.js';
import { techniqueHelp } from '../options.js';
import { renderChart, renderOverheadChart } from '../../vmm/report/chart.js';
import { compareExitCode, judgePerTask, parseTechniques, type TechniqueSpec } from '../../vmm/report/compare.js';
import { renderCsv, renderJson, renderMarkdown, renderTable } from '../../vmm/report/compare-format.js';
import { runComparison, type KernelInput } from '../../vmm/comparison.js';
import { cliError, loadProgram, readInput } from '../load-image.js';
import { colorFor } from '../color.js';
import { loadProfile } from '../../vmm/cost/profile.js';
import { DEFAULT_DISK_BYTES } from '../../vmm/platform.js';
import { collect, countArg, defineArg, profileArg } from '../options.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What `--default` (and `npm start`) runs: the unmodified kernel and the nanobenchmarks. */
export const DEFAULT_KERNELS = [
  'guest-kernels/mini/main.s',
  ...['syscall', 'in', 'cr8wr', 'callret', 'pgfault', 'divzero', 'ptemod'].map((n) => `guest-kernels/nanobench/${n}.s`),
];
/** mini's paravirtual port: under --default, pv runs it in mini's place, judged against mini's native run. */
export const DEFAULT_PV_PORT = 'guest-kernels/mini-pv/main.s';
/** Every technique, each memory mode of those that have a choice; those a kernel cannot use become "n/a" notes. */
export function allTechniques(): string {
  return registered()
    .flatMap((t) => (t.memory.length > 1 ? t.memory.map((m) => `${t.name}:${m}`) : [t.name]))
    .join(',');
}

/** Without --default or --pv: every technique that runs unmodified kernels, each in its default memory mode. */
export function unmodifiedTechniques(): string {
  return registered()
    .filter((t) => t.kernels === 'unmodified')
    .map((t) => t.name)
    .join(',');
}

/** The techniques that run paravirtual ports (where --pv's image goes). */
function portTechniques(): string[] {
  return registered()
    .filter((t) => t.kernels === 'paravirtual')
    .map((t) => t.name);
}
export const DEFAULT_CHART = 'out/comparison.svg';
export const DEFAULT_OVERHEAD_CHART = 'out/overhead.svg';
/** Far above any bundled kernel's needs (mini: ~1.6M), low enough that a runaway guest costs seconds, not minutes. */
export const COMPARE_MAX_INSTRUCTIONS = 100_000_000;

/** The options as commander hands them over: choices checked, the count, the profile and -D parsed. */
export interface CompareCliOptions {
  techniques?: string;
  memory?: MemoryMode;
  devices?: DeviceMode;
  costProfile?: CostProfile;
  strict?: boolean;
  maxInstructions: number;
  json?: boolean;
  csv?: boolean;
  markdown?: boolean;
  chart?: string;
  overheadChart?: string;
  block?: string;
  include?: string[];
  define?: Record<string, number>;
  default?: boolean;
  pv?: string;
  perTask?: boolean;
}

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

/** `mini` for guest-kernels/mini/main.s, `syscall` for nanobench/syscall.s; paths when names would clash. */
export function kernelNames(paths: readonly string[]): string[] {
  const short = paths.map((p) => {
    const base = basename(p, extname(p));
    return base === 'main' ? basename(dirname(p)) || base : base;
  });
  return short.map((s, i) => (short.indexOf(s) !== short.lastIndexOf(s) ? paths[i]! : s));
}

/** The validated settings of one compare invocation, or an exit code after the error was printed. */
export interface CompareSettings {
  readonly files: string[];
  readonly techniques: TechniqueSpec[];
  readonly profile: CostProfile;
  readonly devices: DeviceMode | undefined;
  readonly maxInstructions: number;
  readonly format: 'table' | 'json' | 'csv' | 'markdown';
  readonly chart: string | null;
  readonly overheadChart: string | null;
  readonly defines: Record<string, number>;
  /** The paravirtual port run under `pv` in place of the first kernel (mini under --default), judged against its native run. */
  readonly pvPort: string | null;
}

/** Check the options; prints the problem and returns an exit code when they are unusable. */
export function parseCompareOptions(files: string[], opts: CompareCliOptions): CompareSettings | number {
  if (opts.default && files.length > 0)
    return usage('--default runs the bundled kernels; give either --default or kernel files, not both');
  const kernels = opts.default ? DEFAULT_KERNELS.map((k) => relative(process.cwd(), join(REPO, k)) || k) : files;
  if (kernels.length === 0) return usage('compare needs at least one kernel (a .s or .vxe file), or --default');
  const memory = opts.memory ?? null;
  const devices = opts.devices;
  if (opts.pv !== undefined && (opts.default || kernels.length !== 1))
    return usage('--pv names the paravirtual port of one kernel: give exactly one kernel file with it (--default pairs mini with mini-pv itself)');
  const techniques = parseTechniques(
    opts.techniques ?? (opts.default || opts.pv !== undefined ? allTechniques() : unmodifiedTechniques()),
    memory,
  );
  if (typeof techniques === 'string') return usage(techniques);
  if (opts.pv !== undefined && !techniques.some((t) => portTechniques().includes(t.technique)))
    return usage(`--pv gives the image to run under ${portTechniques().join(' or ')}, but --techniques does not include ${portTechniques().join(' or ')}`);
  const maxInstructions = opts.maxInstructions;
  const formats = (['json', 'csv', 'markdown'] as const).filter((f) => opts[f]);
  if (formats.length > 1) return usage(`choose one output format, not ${formats.map((f) => `--${f}`).join(' and ')}`);
  const profile = opts.costProfile ?? loadProfile();
  const defines = opts.define ?? {};
  return {
    files: kernels,
    techniques,
    profile,
    devices,
    maxInstructions,
    format: formats[0] ?? 'table',
    chart: opts.chart ?? (opts.default ? DEFAULT_CHART : null),
    overheadChart: opts.overheadChart ?? (opts.default ? DEFAULT_OVERHEAD_CHART : null),
    defines,
    pvPort: opts.pv ?? (opts.default ? relative(process.cwd(), join(REPO, DEFAULT_PV_PORT)) || DEFAULT_PV_PORT : null),
  };
}

async function compareCommand(files: string[], opts: CompareCliOptions): Promise<number> {
  const settings = parseCompareOptions(files, opts);
  if (typeof settings === 'number') return settings;
  // mini's I/O phase needs a disk: every run gets its own zeroed copy unless --block names one.
  let blockImage: Uint8Array = new Uint8Array(DEFAULT_DISK_BYTES);
  if (opts.block !== undefined) {
    const bytes = readInput(opts.block);
    if (!bytes) return EXIT_CODE.USAGE;
    blockImage = bytes;
  }
  const names = kernelNames(settings.files);
  const kernels: KernelInput[] = [];
  for (const [i, file] of settings.files.entries()) {
    const loaded = await loadProgram(file, { includePaths: opts.include ?? [], defines: settings.defines });
    if (!loaded.ok) return loaded.exitCode;
    kernels.push({ name: names[i]!, image: loaded.image });
  }
  if (settings.pvPort !== null) {
    const port = await loadProgram(settings.pvPort, { includePaths: opts.include ?? [], defines: settings.defines });
    if (!port.ok) return port.exitCode;
    kernels[0] = { ...kernels[0]!, imageFor: Object.fromEntries(portTechniques().map((t) => [t, port.image])) };
  }

  // A one-line progress indicator, redrawn per run, only for a person watching a terminal.
  const tty = Boolean(process.stderr.isTTY);
  const progress = (kernel: string, label: string, index: number, total: number) => {
    if (tty) process.stderr.write(`\r\x1b[K[${index + 1}/${total}] ${kernel} under ${label}…`);
  };
  const ran = runComparison(kernels, {
    techniques: settings.techniques,
    profile: settings.profile,
    strict: opts.strict ?? false,
    maxInstructions: settings.maxInstructions,
    blockImage,
    ...(settings.devices ? { devices: settings.devices } : {}),
    onRun: progress,
  });
  if (tty) process.stderr.write('\r\x1b[K');
  const rows = opts.perTask ? judgePerTask(ran) : ran;

  const render = { profile: settings.profile.name, strict: opts.strict ?? false };
  const color = colorFor(process.stdout);
  const width = process.stdout.isTTY ? Math.max(80, Math.min(process.stdout.columns ?? 100, 120)) : 100;
  process.stdout.write(
    settings.format === 'json'
      ? renderJson(rows)
      : settings.format === 'csv'
        ? renderCsv(rows, render)
        : settings.format === 'markdown'
          ? renderMarkdown(rows, render)
          : renderTable(rows, { ...render, color, width }),
  );
  const charts = [
    { file: settings.chart, option: '--chart', render: renderChart },
    { file: settings.overheadChart, option: '--overhead-chart', render: renderOverheadChart },
  ];
  for (const c of charts) {
    if (c.file === null) continue;
    try {
      mkdirSync(dirname(c.file), { recursive: true });
      writeFileSync(c.file, c.render(rows, { profile: settings.profile.name }));
    } catch (e) {
      return usage(`${c.option} ${c.file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    process.stderr.write(`vmlab: chart written to ${c.file}\n`);
  }
  for (const r of rows)
    if (r.status === 'limit' && !findTechnique(r.technique)?.divergesUnlessStrict)
      process.stderr.write(`vmlab: ${r.kernel} under ${r.label} stopped at --max-instructions ${settings.maxInstructions}\n`);
  return compareExitCode(rows, opts.strict ?? false);
}

export function register(program: Command): void {
  const techniques = techniqueHelp();
  program
    .command('compare')
    .description('run kernels natively and under each technique: same output? at what modeled cost?')
    .argument('[kernel...]', '.s source files (assembled in memory) or .vxe images')
    .option(
      '-t, --techniques <list>',
      `comma-separated techniques; NAME:MODE picks the memory mode of one that has a choice (default: ${unmodifiedTechniques()})`,
    )
    .addOption(new Option('--memory <mode>', 'memory mode for hw entries that name none (default nested)').choices(['shadow', 'nested']))
    .addOption(new Option('--devices <model>', 'device model for the VMM techniques (default emulated)').choices(DEVICE_MODES))
    .option('--cost-profile <name|file>', 'cost profile for modeled cycles: modern (the default), vt-2006 or a .json file', profileArg)
    .option('--strict', 'strict VX32: pushf/popf/rdcpl/sidt trap at CPL > 0, so trap must match native too')
    .option(
      '-n, --max-instructions <n>',
      'per-run instruction budget; a run that reaches it shows as "limit"',
      countArg('200000 or 1e8'),
      COMPARE_MAX_INSTRUCTIONS,
    )
    .option('--json', 'print every row with its full stats as a JSON array')
    .option('--csv', 'print the rows as CSV (raw numbers)')
    .option('--markdown', 'print a GitHub markdown table')
    .option('--chart <file.svg>', 'also write an SVG bar chart of modeled cycles')
    .option('--overhead-chart <file.svg>', "also write an SVG chart of each technique's overhead against native, per kernel, on a log scale")
    .option('--block <file>', 'disk image every run starts from (default: a zeroed 1 MiB disk; the file is never modified)')
    .option('-I, --include <dir>', 'extra include directory when assembling .s files (repeatable)', collect)
    .option('-D, --define <NAME[=V]>', 'define a symbol when assembling .s files (repeatable)', defineArg)
    .option('--default', `the bundled kernels (mini and the nanobenchmarks) under every technique, charts to ${DEFAULT_CHART} and ${DEFAULT_OVERHEAD_CHART}`)
    .option(
      '--pv <file>',
      'the paravirtual port of the one kernel given: pv runs it instead, judged against the kernel\'s native run (default techniques become all of them)',
    )
    .option(
      '--per-task',
      "judge each task's output (its `task N:` lines) instead of the whole transcript: a run whose tasks print the same lines as natively, interleaved differently, counts as the same",
    )
    .addHelpText(
      'after',
      `
Techniques:
${techniques}

Each kernel runs natively first: that run is the oracle. Every other run is checked against it
(console output and how the run ended) and its modeled cycles are divided by native's (overhead).
Modeled cycles are modeled from counted events with the cost profile, not measured; wall ms is the
simulator's own host time. A technique this build lacks shows as n/a with the reason.

Exit codes: 0 every run finished and every technique except trap matched native; 68 a technique
other than trap diverged from native (a different console or ending, or a sensitive instruction that
showed the real CPU: bt's user code); 69/71 a run hit the instruction limit / crashed; 64 usage;
65 assembly errors; 66 bad image. Under trap an unmodified kernel is EXPECTED to diverge (VX32's
pushf/popf/rdcpl/sidt do not trap in ring 1, as on x86 before VT-x): the divergence is shown,
with the first misbehaving instruction, and is not an error; with --strict trap is checked too.

A port (--pv) runs a different number of instructions than the kernel it was ported from. The
timer counts instructions, so the tasks can be switched at other points and their lines come out in
another order: the table then says "same per task", and --per-task judges by that.

Examples:
  vmlab compare guest-kernels/mini/main.s
  vmlab compare guest-kernels/nanobench/*.s --techniques native,hw:nested,hw:shadow --chart out/nb.svg
  vmlab compare guest-kernels/mini/main.s --cost-profile vt-2006 --markdown
  vmlab compare my-kernel/main.s --pv my-kernel-pv/main.s
  vmlab compare --default`,
    )
    .action(async (files: string[], opts: CompareCliOptions) => {
      process.exitCode = await compareCommand(files, opts);
    });
}
