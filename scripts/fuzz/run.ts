// Runs one fuzz kernel natively and under each technique and compares what a user sees: status and exit code,
// console, guest instruction count and external interrupts delivered. The native run is the oracle.
import { assembleSource, formatDiagnostic } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';
import { BLK_SECTOR_SIZE } from '../../isa/abi.js';
import type { VmRunResult } from '../../vmm/hv/hypervisor.js';
import { runGuests } from '../../vmm/session.js';
import type { Kernel } from './generate.js';
import { render } from './render.js';
import { FUZZ_RAM } from './runtime.js';

/** A technique the fuzzer compares with native. */
export interface Technique {
  readonly name: string;
  readonly technique: 'emulate' | 'trap' | 'bt' | 'hw';
  readonly memory?: 'nested' | 'shadow';
  /** Always strict VX32 (trap-and-emulate is equivalent to native only there). */
  readonly alwaysStrict?: boolean;
}

export const TECHNIQUES: readonly Technique[] = [
  { name: 'emulate', technique: 'emulate' },
  { name: 'trap', technique: 'trap', alwaysStrict: true },
  { name: 'bt', technique: 'bt' },
  { name: 'hw/nested', technique: 'hw', memory: 'nested' },
  { name: 'hw/shadow', technique: 'hw', memory: 'shadow' },
];

/** A native run of a legal kernel ends well inside this; every run gets it as its limit. */
export const MAX_INSTRUCTIONS = 400_000;

/** What must equal native's. */
export interface Observed {
  readonly status: string;
  readonly exitCode: number;
  readonly console: string;
  readonly instructions: number;
  readonly interrupts: number;
  /** Why the run crashed, if it did (not compared: it says what went wrong). */
  readonly crash?: string;
}

export type Field = keyof Observed | 'exception';

/** One technique's disagreement with native on one kernel. */
export interface Difference {
  /** The technique's label, with ` --strict` where it ran on strict VX32. */
  readonly label: string;
  readonly technique: string;
  /** The first field that differs, in the order status, console, exit code, instructions, interrupts. */
  readonly field: Field;
  /** The field, refined where it helps to tell classes apart (\`status:crash\`, \`status:limit\`, ...). */
  readonly kind: string;
  /** The first difference, in one or two lines. */
  readonly detail: string;
  /** What the run itself reported (VmRunResult.divergences): a documented divergence when not empty. */
  readonly reported: readonly string[];
}

export interface Verdict {
  /** Native powered off with the kernel's own end line: only a legal kernel is compared. */
  readonly legal: boolean;
  readonly why?: string;
  readonly differences: readonly Difference[];
  readonly runs: number;
}

export function assemble(source: string, name = 'fuzz.s'): Image {
  const res = assembleSource(source, name);
  if (!res.image) throw new Error(`fuzz kernel does not assemble:\n${res.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  return res.image;
}

function observe(r: VmRunResult): Observed {
  return {
    status: r.status,
    exitCode: r.exitCode,
    console: r.console,
    instructions: r.stats.guestInstructions,
    interrupts: r.stats.interrupts,
    ...(r.crash ? { crash: r.crash.reason } : {}),
  };
}

function run(image: Image, t: Technique | null, strict: boolean): VmRunResult {
  return runGuests([{ name: 'fuzz.s', image, ramSize: FUZZ_RAM, blockImage: new Uint8Array(BLK_SECTOR_SIZE) }], {
    technique: t ? t.technique : 'native',
    ...(t?.memory ? { memory: t.memory } : {}),
    strict,
    maxInstructions: MAX_INSTRUCTIONS,
  })[0]!;
}

/** The first difference between two console texts: its line, as each side has it. */
function consoleDiff(want: string, got: string): string {
  let i = 0;
  while (i < want.length && i < got.length && want[i] === got[i]) i++;
  const line = want.slice(0, i).split('\n').length;
  const lineOf = (s: string) => JSON.stringify(s.split('\n')[line - 1] ?? '');
  return `console line ${line}: native ${lineOf(want)}, got ${lineOf(got)}`;
}

function compare(want: Observed, got: Observed): { field: Field; kind: string; detail: string } | null {
  const status = `native ${want.status} ${want.exitCode}, got ${got.status} ${got.exitCode}${got.crash ? ` (${got.crash})` : ''}`;
  // A different status first; then the console, which says where (the exit code is a byte of its checksum).
  if (want.status !== got.status) {
    // A crash's reason, numbers left out, tells one crashing class from another.
    const why = got.crash ? ` ${got.crash.replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 48)}` : '';
    return { field: 'status', kind: `status:${got.status}${why}`, detail: status };
  }
  if (want.console !== got.console) return { field: 'console', kind: 'console', detail: consoleDiff(want.console, got.console) };
  if (want.exitCode !== got.exitCode) return { field: 'exitCode', kind: 'exit-code', detail: status };
  if (want.instructions !== got.instructions)
    return { field: 'instructions', kind: 'instructions', detail: `native ${want.instructions} instructions, got ${got.instructions}` };
  if (want.interrupts !== got.interrupts)
    return { field: 'interrupts', kind: 'interrupts', detail: `native delivered ${want.interrupts} interrupts, stats say ${got.interrupts}` };
  return null;
}

/** How a kernel's console ends when it reached \`finish\` (interrupts are off there, so no tick interleaves). */
const END_LINES = /E[0-9a-f]{8}\n[0-9a-f]{8}\n[0-9a-f]{8}\n$/;

/** The label a technique runs under (\`strict\`: the kernel asks for strict VX32 everywhere). */
export function labelOf(t: Technique, strict: boolean): string {
  return t.alwaysStrict || strict ? `${t.name} --strict` : t.name;
}

/** Run a kernel under native and the given techniques. */
export function check(k: Kernel, techniques: readonly Technique[] = TECHNIQUES): Verdict {
  return checkImage(assemble(render(k)), k.strict, techniques);
}

/** Run an assembled fuzz kernel (e.g. a saved reproducer) under native and the given techniques. */
export function checkImage(image: Image, strictKernel: boolean, techniques: readonly Technique[] = TECHNIQUES): Verdict {
  const oracles = new Map<boolean, Observed>();
  let runs = 0;
  const oracle = (strict: boolean): Observed => {
    let o = oracles.get(strict);
    if (!o) {
      o = observe(run(image, null, strict));
      runs++;
      oracles.set(strict, o);
    }
    return o;
  };
  // A kernel is legal when it ends properly natively, on both machines its techniques use.
  for (const strict of new Set(techniques.map((t) => Boolean(t.alwaysStrict) || strictKernel))) {
    const o = oracle(strict);
    if (o.status !== 'poweroff' || !END_LINES.test(o.console))
      return { legal: false, why: `native${strict ? ' --strict' : ''} ended ${o.status} ${o.exitCode}: ${JSON.stringify(o.console.slice(-80))}`, differences: [], runs };
  }
  const differences: Difference[] = [];
  for (const t of techniques) {
    const strict = Boolean(t.alwaysStrict) || strictKernel;
    const label = labelOf(t, strictKernel);
    runs++;
    let r: VmRunResult;
    try {
      r = run(image, t, strict);
    } catch (e) {
      differences.push({ label, technique: t.name, field: 'exception', kind: 'exception', detail: `the VMM threw: ${e instanceof Error ? e.message : String(e)}`, reported: [] });
      continue;
    }
    const d = compare(oracle(strict), observe(r));
    if (d) differences.push({ label, technique: t.name, ...d, reported: r.divergences.map((x) => x.message) });
  }
  return { legal: true, differences, runs };
}

/** A difference that counts: one the run did not report itself. */
export const counts = (d: Difference) => d.reported.length === 0;
