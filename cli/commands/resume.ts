// `vmlab resume`: put a run saved with `vmlab run --snapshot-at` back on the machine and run it to its end.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT_CODE } from '../../isa/abi.js';
import { ConfigError, Hypervisor, SnapshotStateError } from '../../vmm/hv/hypervisor.js';
import { findTechnique } from '../../vmm/hv/techniques/registry.js';
import { decodeSnapshot, SnapshotError, type Snapshot } from '../../vmm/snapshot/format.js';
import { cliError } from '../load-image.js';
import type { CostProfile } from '../../vmm/cost/profile.js';
import { countArg, profileArg } from '../options.js';
import { finishRun, LineWriter } from './run.js';

interface ResumeCliOptions {
  json?: boolean;
  stats?: boolean;
  maxInstructions?: number;
  costProfile?: CostProfile;
  technique?: string;
  memory?: string;
  devices?: string;
  strict?: boolean;
}

function usage(message: string): number {
  cliError(message);
  return EXIT_CODE.USAGE;
}

/**
 * The run options a snapshot fixes: naming one on resume is fine when it agrees with the snapshot, and
 * refused (exit 67) when it does not, since the saved machine cannot become another.
 */
function refusal(s: Snapshot, o: ResumeCliOptions): string | null {
  const st = s.run.state;
  const label = findTechnique(st.technique)?.label?.(st.memory) ?? st.technique;
  if (o.technique !== undefined && o.technique !== st.technique)
    return `the snapshot was taken under --technique ${st.technique}; it resumes under that technique only (not ${o.technique})`;
  if (o.memory !== undefined && o.memory !== st.memory)
    return `the snapshot was taken under ${label}${st.memory ? ` (--memory ${st.memory})` : ''}; it cannot resume with --memory ${o.memory}`;
  const devices = new Set(st.vms.map((v) => v.devices));
  if (o.devices !== undefined && (devices.size !== 1 || !devices.has(o.devices as never)))
    return `the snapshot's VMs use --devices ${[...devices].join(', ')}; they cannot resume with --devices ${o.devices}`;
  if (o.strict !== undefined && o.strict !== st.strict)
    return `the snapshot was taken on a ${st.strict ? 'strict' : 'non-strict'} machine; strictness is the machine's and cannot change on resume`;
  return null;
}

function resumeCommand(file: string, opts: ResumeCliOptions): number {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let snap: Snapshot;
  try {
    snap = decodeSnapshot(bytes);
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    cliError(`${file}: ${e.message}`);
    return EXIT_CODE.BAD_IMAGE;
  }
  const refused = refusal(snap, opts);
  if (refused) {
    cliError(refused);
    return EXIT_CODE.CONFIG;
  }
  const maxInstructions = opts.maxInstructions ?? snap.maxInstructions;
  const profile = opts.costProfile ?? snap.run.state.profile;

  const vms = snap.run.state.vms;
  const several = vms.length > 1;
  const writers = vms.map((v) => (opts.json ? null : new LineWriter((s) => process.stdout.write(s), several ? `[${v.name}] ` : '')));
  let hv: Hypervisor;
  try {
    hv = Hypervisor.restore(snap.run, snap.images, { consoleSinks: writers.map((w) => (w ? (s: string) => w.write(s) : undefined)), profile });
  } catch (e) {
    if (e instanceof SnapshotStateError || e instanceof ConfigError) {
      cliError(`${file}: ${e.message}`);
      return e instanceof ConfigError ? EXIT_CODE.CONFIG : EXIT_CODE.BAD_IMAGE;
    }
    throw e;
  }
  // Only what the guests print from here on: the part before the snapshot was printed by the run that took it.
  const printed = hv.vms.map((vm) => vm.platform.console.length);
  const results = hv.run(maxInstructions).map((r, i) => ({ ...r, console: r.console.slice(printed[i]) }));
  return finishRun(
    results,
    writers.filter((w): w is LineWriter => w !== null),
    { json: opts.json ?? false, several, stats: opts.stats ?? false, profile, maxInstructions },
  );
}

export function register(program: Command): void {
  program
    .command('resume')
    .description('resume a run saved by `vmlab run --snapshot-at <n> --snapshot <file>`, in this process, to its end')
    .argument('<file>', 'a snapshot file')
    .option('--json', 'print the result object (console from the snapshot on, cumulative stats) as JSON instead of the live console')
    .option('--stats', 'print the exits by reason, counted from the start of the original run')
    .option('-n, --max-instructions <n>', "the instruction limit per VM, counted from the original run's start (default: the original run's limit)", countArg('1e9'))
    .option('--cost-profile <name|file>', 'model cycles with another cost profile than the one the run started with', profileArg)
    .option('-t, --technique <name>', 'accepted only if it is the technique the snapshot was taken under')
    .option('--memory <mode>', 'accepted only if it is the snapshot\'s memory mode')
    .option('--devices <model>', 'accepted only if it is the snapshot\'s device model')
    .option('--strict', 'accepted only if the snapshot was taken on a strict machine')
    .addHelpText(
      'after',
      `
A snapshot holds every VM of the run: its registers and virtual CPU, RAM, devices, disk, the
technique's own state and the counters so far. What the VMM derives (TLBs, shadow page tables, the
binary translator's code cache, second-stage tables) is not saved: it is rebuilt, cold, so modeled
cycles after a resume can differ from an uninterrupted run's (docs/hypervisor.md says which), while
the guests' consoles, exit codes and instruction counts are the same.

Only the console output produced after the snapshot is printed. Stats are cumulative.

Exit codes: as vmlab run; ${EXIT_CODE.BAD_IMAGE} = the file is not a snapshot, truncated, corrupt or of another version;
${EXIT_CODE.CONFIG} = an option the snapshot cannot honour (another technique, memory mode, device model or strictness).

Example:
  vmlab run guest-kernels/mini/main.s -t hw --snapshot-at 500000 --snapshot mini.vms
  vmlab resume mini.vms`,
    )
    .action((file: string, opts: ResumeCliOptions) => {
      process.exitCode = resumeCommand(file, opts);
    });
}
