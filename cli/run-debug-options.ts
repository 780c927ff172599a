// `vmlab run`'s trace and dump options: --trace, --trace-file, --trace-last, --dump, parsed and carried out.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { Image } from '../assembler/types.js';
import { formatMappings, formatMemory, formatRegisters } from '../vmm/debug/dump.js';
import { TRACE_KINDS, type InsnEvent, type TraceEvent } from '../vmm/debug/events.js';
import { GuestView } from '../vmm/debug/guest-view.js';
import { parseTraceSpec, wanted, type TraceSpec } from '../vmm/debug/trace-spec.js';
import { formatEvent } from '../vmm/debug/trace-format.js';
import { formatHistory, replayHistory, Ring, runStepped } from '../vmm/debug/stepped-run.js';
import { Stepper, type StepHooks } from '../vmm/debug/stepper.js';
import type { Hypervisor } from '../vmm/hv/hypervisor.js';
import type { GuestRegisters } from '../vmm/hv/guest-state.js';
import { SP } from '../isa/table.js';

export interface DumpItem {
  readonly what: 'regs' | 'pt' | 'mem';
  /** mem: an address or a symbol, and a length in bytes. */
  readonly at?: string;
  readonly len?: number;
}

/** `regs,mem:<addr>:<len>,pt`, or a one-line error. */
export function parseDumpSpec(text: string): DumpItem[] | { error: string } {
  const out: DumpItem[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'regs' || part === 'pt') out.push({ what: part });
    else if (part.startsWith('mem:')) {
      const [, at, len] = part.split(':');
      const n = len === undefined ? NaN : Number(len);
      if (!at || !Number.isSafeInteger(n) || n <= 0 || n > 1 << 20) return { error: `--dump ${part}: expected mem:<address|symbol>:<length in bytes, at most 1M>` };
      out.push({ what: 'mem', at, len: n });
    } else return { error: `--dump: unknown item ${JSON.stringify(part)} (choose from regs, mem:<addr>:<len>, pt)` };
  }
  return out.length ? out : { error: '--dump: name at least one of regs, mem:<addr>:<len>, pt' };
}

/** An address: a number (0x.. or decimal), a register (sp, pc, r0..r15) or a symbol (+ offset); null if none. */
export function resolveAddress(text: string, image: Image, regs?: GuestRegisters): number | null {
  const t = text.trim();
  const reg = /^(sp|pc|r(\d|1[0-5]))$/.exec(t);
  if (reg && regs) return t === 'pc' ? regs.pc : t === 'sp' ? regs.r[SP]! : regs.r[Number(reg[2])]!;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t) >>> 0;
  const m = /^([A-Za-z_.$][\w.$]*)([+-](?:0x[0-9a-f]+|\d+))?$/i.exec(t);
  if (!m) return null;
  const sym = image.symbols.find((s) => s.name === m[1]);
  if (!sym) return null;
  return (sym.value + (m[2] ? Number(m[2].slice(1)) * (m[2][0] === '-' ? -1 : 1) : 0)) >>> 0;
}

/** The final state of every VM, as asked for. */
export function formatDumps(hv: Hypervisor, items: readonly DumpItem[]): string {
  const out: string[] = [];
  hv.vms.forEach((vm, i) => {
    const v = new GuestView(hv, i);
    const who = hv.vms.length > 1 ? ` [${vm.name}]` : '';
    for (const it of items) {
      if (it.what === 'regs') out.push(`--- registers${who}`, formatRegisters(v.registers(), v.host()));
      else if (it.what === 'pt') out.push(`--- page tables${who} (cr3 ${`0x${(v.registers().cr3 >>> 0).toString(16).padStart(8, '0')}`})`, formatMappings(v.mappings()));
      else {
        const addr = resolveAddress(it.at!, vm.image, v.registers());
        out.push(`--- memory${who} ${it.at} (${it.len} bytes)`);
        out.push(addr === null ? `no symbol or address ${JSON.stringify(it.at)}` : formatMemory(v, addr, Math.ceil(it.len! / 4), 'w'));
      }
    }
  });
  return out.join('\n');
}

/** Where trace lines go: stderr, or a file; with --trace-last only the last n, written at the end. */
export class TraceSink {
  private fd: number | null = null;
  private readonly ring: Ring<string> | null;

  constructor(
    readonly spec: TraceSpec,
    private readonly several: boolean,
    file: string | undefined,
    last: number | undefined,
  ) {
    if (file !== undefined) this.fd = openSync(file, 'w');
    this.ring = last !== undefined ? new Ring<string>(last) : null;
  }

  event(e: TraceEvent): void {
    if (!wanted(this.spec, e)) return;
    const line = formatEvent(e, this.several);
    if (this.ring) this.ring.push(line);
    else this.write(`${line}\n`);
  }

  /** Lines wait here and go out 64 KiB at a time: a traced run writes millions of them. */
  private buffer = '';

  private write(s: string): void {
    this.buffer += s;
    if (this.buffer.length >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (!this.buffer) return;
    if (this.fd !== null) writeSync(this.fd, this.buffer);
    else process.stderr.write(this.buffer);
    this.buffer = '';
  }

  /** Print what the ring kept, and close the file. */
  close(): void {
    if (this.ring) {
      const lines = this.ring.toArray();
      this.write(`--- the last ${lines.length} trace events\n${lines.map((l) => `${l}\n`).join('')}`);
    }
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export { parseTraceSpec };

/** What `vmlab run` was asked to trace and dump, ready to wire into the run. */
export interface DebugRun {
  readonly sink: TraceSink | null;
  readonly dumps: readonly DumpItem[];
  /** Stepping is needed (instructions or MMU changes are traced); exits and interrupts alone come from hooks. */
  readonly stepped: boolean;
  /** The stepper, once the run exists. */
  stepper: Stepper | null;
  /** Each VM's last instructions, kept while stepping. */
  history: InsnEvent[][] | null;
}

export interface DebugCliOptions {
  trace?: string;
  traceFile?: string;
  traceLast?: number;
  dump?: string;
}

/** The options parsed, or a one-line usage error. */
export function prepareDebugRun(o: DebugCliOptions, several: boolean): DebugRun | { error: string } {
  let sink: TraceSink | null = null;
  if (o.trace !== undefined || o.traceFile !== undefined || o.traceLast !== undefined) {
    const spec = parseTraceSpec(o.trace ?? TRACE_KINDS.join(','));
    if ('error' in spec) return spec;
    try {
      sink = new TraceSink(spec, several, o.traceFile, o.traceLast);
    } catch (e) {
      return { error: `--trace-file ${o.traceFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  }
  let dumps: DumpItem[] = [];
  if (o.dump !== undefined) {
    const d = parseDumpSpec(o.dump);
    if ('error' in d) return d;
    dumps = d;
  }
  const stepped = sink !== null && (sink.spec.kinds.has('insn') || sink.spec.kinds.has('mmu'));
  return { sink, dumps, stepped, stepper: null, history: null };
}

/** The hypervisor options that route its exits and interrupts to the debug run's stepper. */
export function debugHooks(d: DebugRun): StepHooks | Record<string, never> {
  return d.sink ? Stepper.hooks(() => d.stepper) : {};
}

/** Run to the end (or `limit`), traced as asked. */
export function runDebug(d: DebugRun, hv: Hypervisor, limit: number): ReturnType<Hypervisor['run']> {
  const sink = d.sink;
  if (!sink) return hv.run(limit);
  d.stepper = new Stepper(hv);
  try {
    if (!d.stepped) {
      d.stepper.direct = (e) => sink.event(e);
      return hv.run(limit);
    }
    d.history = runStepped(d.stepper, limit, (e) => sink.event(e)).map((r) => r.toArray());
    return hv.run(limit);
  } finally {
    sink.close();
  }
}

/** For each crashed VM, its last instructions (from the stepped run, or by replaying the run), as text. */
export function crashTails(d: DebugRun | null, hv: Hypervisor, results: ReturnType<Hypervisor['run']>, rebuild: (get: () => Stepper | null) => Hypervisor): (string | null)[] {
  const crashed = results.map((r) => r.status === 'crash');
  if (!crashed.some(Boolean)) return results.map(() => null);
  let history = d?.history ?? null;
  if (!history) {
    const at = results.map((_, i) => hv.usedBy(i)).filter((_, i) => crashed[i]);
    try {
      history = replayHistory(rebuild, at);
    } catch {
      return results.map(() => '  (the last instructions could not be replayed)');
    }
  }
  return results.map((_, i) => (crashed[i] ? formatHistory(history![i] ?? []) : null));
}
