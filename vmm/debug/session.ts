// The debugger's engine: gdb-named commands over one VM of a run, each answered with a block of text.
//
// Going back in time is deterministic re-execution: the run is built again from its inputs and run at full
// speed to the instruction wanted (a run sliced anywhere goes on as if never stopped), so the registers and
// memory there are exactly what they were.

import { decode } from '../../isa/encoding.js';
import { SP } from '../../isa/table.js';
import type { VmExit } from '../hv/exits.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import { formatMemory, formatRegisters, formatWalk, type Unit } from './dump.js';
import type { InsnEvent } from './events.js';
import { Ring } from './stepped-run.js';
import { Stepper, type StepHooks } from './stepper.js';
import { sourceText } from '../hv/crash.js';

/** Builds the run afresh (same inputs), with these hooks; `quiet` hides console output already shown. */
export type RunFactory = (hooks: StepHooks) => Hypervisor;

interface Breakpoint {
  readonly id: number;
  readonly addr: number;
  readonly spec: string;
  readonly temporary: boolean;
  hits: number;
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export class DebugSession {
  private hv!: Hypervisor;
  private stepper!: Stepper;
  private readonly breakpoints: Breakpoint[] = [];
  private nextId = 1;
  /** Simulated time (usedBy) before each step taken, to step back to. */
  private readonly history: number[] = [];
  private exits = new Ring<{ n: number; exit: VmExit }>(256);
  private listAt: number | null = null;

  constructor(
    private readonly build: RunFactory,
    readonly limit: number,
  ) {
    this.rebuild(0);
  }

  private get vm() {
    return this.hv.vms[0]!;
  }

  private get view() {
    return this.stepper.views[0]!;
  }

  /** The run built again and brought to simulated time `at`. */
  private rebuild(at: number): void {
    let stepper: Stepper | null = null;
    this.exits = new Ring(256);
    const hooks = Stepper.hooks(() => stepper);
    const hv = this.build({
      onExit: (vm, e) => {
        this.exits.push({ n: hv.vms[0]!.guestInstructions, exit: e });
        hooks.onExit(vm, e);
      },
      onInterrupt: hooks.onInterrupt,
    });
    if (at > 0) hv.runUntil(at);
    this.hv = hv;
    this.stepper = stepper = new Stepper(hv);
  }

  /** Run one command; its answer (several lines), or null for `quit`. */
  execute(line: string): string | null {
    const [cmd = '', ...rest] = line.trim().split(/\s+/);
    const arg = rest.join(' ');
    try {
      switch (cmd) {
        case '':
          return '';
        case 'quit':
        case 'q':
          return null;
        case 'break':
        case 'b':
        case 'tbreak':
          return this.addBreak(arg, cmd === 'tbreak');
        case 'delete':
          return this.deleteBreak(arg);
        case 'info':
          return this.info(rest[0] ?? '', rest.slice(1).join(' '));
        case 'continue':
        case 'c':
          return this.run(() => false);
        case 'step':
        case 's':
        case 'stepi':
        case 'si':
          return this.stepCount(Number(arg || 1));
        case 'next':
        case 'n':
        case 'nexti':
        case 'ni':
          return this.next();
        case 'finish':
          return this.finish();
        case 'reverse-step':
        case 'rs':
          return this.reverseStep(Number(arg || 1));
        case 'reverse-continue':
        case 'rc':
          return this.reverseContinue();
        case 'pt':
          return formatWalk(this.view.walk(this.address(arg)));
        case 'list':
          return this.list(arg);
        case 'disassemble':
          return this.disassemble(arg);
        case 'backtrace':
        case 'bt':
          return this.backtrace();
        default:
          if (cmd.startsWith('x')) return this.examine(cmd, arg);
          return `unknown command ${JSON.stringify(cmd)} (try: break, tbreak, delete, info breakpoints|registers|exits, continue, step, next, finish, x/4w, pt, list, disassemble, backtrace, reverse-step, reverse-continue, quit)`;
      }
    } catch (e) {
      if (e instanceof DebugError) return e.message;
      throw e;
    }
  }

  /** An address: a number, a register (sp, pc, r0..r15), a symbol (+offset) or file:line. */
  address(text: string): number {
    const t = text.trim();
    if (!t) throw new DebugError('an address is needed');
    if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t) >>> 0;
    const regs = this.view.registers();
    if (t === 'sp' || t === '$sp') return regs.r[SP]!;
    if (t === 'pc' || t === '$pc') return regs.pc;
    const r = /^\$?r(\d|1[0-5])$/.exec(t);
    if (r) return regs.r[Number(r[1])]!;
    const fl = /^(.+):(\d+)$/.exec(t);
    if (fl) {
      const [, file, line] = fl;
      const hits = this.vm.image.lines.filter((l) => (l.file === file || l.file.endsWith(`/${file}`)) && l.line === Number(line));
      if (hits.length === 0) throw new DebugError(`no code at ${t}`);
      return Math.min(...hits.map((h) => h.addr)) >>> 0;
    }
    const m = /^([A-Za-z_.$][\w.$]*)([+-](?:0x[0-9a-f]+|\d+))?$/i.exec(t);
    const sym = m ? this.vm.image.symbols.find((s) => s.name === m[1]) : undefined;
    if (!m || !sym) throw new DebugError(`no symbol, register or address ${JSON.stringify(t)}`);
    return (sym.value + (m[2] ? Number(m[2].slice(1)) * (m[2][0] === '-' ? -1 : 1) : 0)) >>> 0;
  }

  private addBreak(spec: string, temporary: boolean): string {
    const addr = this.address(spec);
    const b: Breakpoint = { id: this.nextId++, addr, spec, temporary, hits: 0 };
    this.breakpoints.push(b);
    return `${temporary ? 'Temporary breakpoint' : 'Breakpoint'} ${b.id} at ${hex8(addr)}: ${this.vm.sourceOf(addr) ?? '?'}`;
  }

  private deleteBreak(arg: string): string {
    if (!arg) {
      const n = this.breakpoints.length;
      this.breakpoints.length = 0;
      return `deleted ${n} breakpoint${n === 1 ? '' : 's'}`;
    }
    const i = this.breakpoints.findIndex((b) => b.id === Number(arg));
    if (i < 0) throw new DebugError(`no breakpoint ${arg}`);
    this.breakpoints.splice(i, 1);
    return `deleted breakpoint ${arg}`;
  }

  private info(what: string, arg: string): string {
    switch (what) {
      case 'breakpoints':
      case 'b':
        if (this.breakpoints.length === 0) return 'No breakpoints.';
        return ['Num  Type        Address     Hits  What', ...this.breakpoints.map((b) => `${String(b.id).padEnd(4)} ${(b.temporary ? 'tbreakpoint' : 'breakpoint').padEnd(11)} ${hex8(b.addr)}  ${String(b.hits).padEnd(4)}  ${b.spec} (${this.vm.sourceOf(b.addr) ?? '?'})`)].join('\n');
      case 'registers':
      case 'r':
        return formatRegisters(this.view.registers(), this.view.host());
      case 'exits': {
        const n = Math.max(1, Number(arg || 10));
        const all = this.exits.toArray().slice(-n);
        if (all.length === 0) return this.hv.descriptor.oracle ? 'no exits: bare metal has no VMM to exit to' : 'no exits yet';
        return all
          .map(({ n: at, exit }) => {
            const pc = 'pc' in exit ? exit.pc >>> 0 : null;
            const q = 'vector' in exit ? ` vector ${exit.vector}` : '';
            return `#${at}  ${exit.reason}${q}  ${pc === null ? '' : `${hex8(pc)}  ${this.vm.sourceOf(pc) ?? ''}`}`.trimEnd();
          })
          .join('\n');
      }
      case 'symbol': {
        const a = this.address(arg);
        const s = [...this.vm.image.symbols].filter((x) => x.kind === 'label' && x.value <= a).sort((x, y) => y.value - x.value)[0];
        return s ? `${s.name}${a === s.value ? '' : ` + ${a - s.value}`}` : `no symbol matches ${hex8(a)}`;
      }
      default:
        throw new DebugError('info what? (breakpoints, registers, exits [n], symbol <addr>)');
    }
  }

  /** Where the VM stands: its pc, instruction and source line (or how it stopped). */
  private where(prefix = ''): string {
    const vm = this.vm;
    if (!vm.running) return `${prefix}the VM stopped: ${vm.status} (exit code ${vm.exitCode}) after ${vm.guestInstructions} instructions`;
    const pc = this.view.registers().pc;
    const { text } = this.stepper.instructionAt(0, pc);
    const at = vm.sourceOf(pc);
    const src = at ? sourceText(at.slice(0, at.lastIndexOf(':')), Number(at.slice(at.lastIndexOf(':') + 1)))?.trim() : undefined;
    return `${prefix}${hex8(pc)}  ${text ?? '(unreadable)'}  ${at ?? ''}${src ? `: ${src}` : ''}  [#${vm.guestInstructions}]`;
  }

  /** One instruction on; the event for it (null if the VM stopped or only idled). */
  private stepOne(): InsnEvent | null {
    if (!this.stepper.live(this.limit)) return null;
    this.history.push(this.hv.usedBy(0));
    const events = this.stepper.step(this.limit);
    return (events.find((e) => e.kind === 'insn') as InsnEvent | undefined) ?? null;
  }

  private stepCount(n: number): string {
    for (let i = 0; i < n && this.vm.running; i++) this.stepOne();
    return this.where();
  }

  /** Step until `stop` says so after an instruction, a breakpoint is reached, or the VM stops. */
  private run(stop: (e: InsnEvent) => boolean): string {
    let first = true;
    while (this.vm.running && this.stepper.live(this.limit)) {
      const e = this.stepOne();
      if (e && stop(e)) return this.where();
      const pc = this.view.registers().pc;
      const b = this.breakpoints.find((x) => x.addr === pc);
      if (b && !(first && e === null)) {
        b.hits++;
        if (b.temporary) this.breakpoints.splice(this.breakpoints.indexOf(b), 1);
        return this.where(`${b.temporary ? 'Temporary breakpoint' : 'Breakpoint'} ${b.id}, `);
      }
      first = false;
    }
    return this.where();
  }

  private next(): string {
    const regs = this.view.registers();
    const w = this.view.read32(regs.pc);
    const d = w === null ? null : decode(w, this.view.read32((regs.pc + 4) >>> 0) ?? 0);
    if (!d || d.info.flow !== 'call') return this.stepCount(1);
    const back = (regs.pc + d.size) >>> 0;
    const sp = regs.r[SP]!;
    this.stepOne();
    return this.run(() => {
      const r = this.view.registers();
      return r.pc === back && r.r[SP]! >>> 0 >= sp >>> 0;
    });
  }

  private finish(): string {
    const sp = this.view.registers().r[SP]! >>> 0;
    return this.run((e) => (e.text?.startsWith('ret') ?? false) && (this.view.registers().r[SP]! >>> 0) > sp);
  }

  private reverseStep(n: number): string {
    if (this.history.length === 0) return `${this.where('already at the start: ')}`;
    let at = 0;
    for (let i = 0; i < n && this.history.length; i++) at = this.history.pop()!;
    this.rebuild(at);
    return this.where();
  }

  /** Back to the last breakpoint reached before now (or the start): the run again, one step at a time, noting them. */
  private reverseContinue(): string {
    const stops = new Set(this.breakpoints.map((b) => b.addr));
    const now = this.history.length;
    if (now === 0) return this.where('already at the start: ');
    this.rebuild(0);
    this.history.length = 0;
    const after: number[] = [];
    let best = -1;
    for (let i = 0; i < now - 1 && this.stepper.live(this.limit); i++) {
      this.history.push(this.hv.usedBy(0));
      this.stepper.step(this.limit);
      after.push(this.hv.usedBy(0));
      if (stops.has(this.view.registers().pc)) best = i;
    }
    const kept = this.history.slice(0, best + 1);
    this.rebuild(best >= 0 ? after[best]! : 0);
    this.history.splice(0, this.history.length, ...kept);
    return this.where(best >= 0 ? 'reverse: breakpoint reached, ' : 'reverse: back at the start, ');
  }

  private examine(cmd: string, arg: string): string {
    const m = /^x(?:\/(\d*)([bhw]?))?$/.exec(cmd);
    if (!m) throw new DebugError(`x/<n><b|h|w> <address>: cannot read ${JSON.stringify(cmd)}`);
    const phys = arg.startsWith('phys ');
    const addr = this.address(phys ? arg.slice(5) : arg);
    return formatMemory(this.view, addr, Math.min(4096, Number(m[1] || 1)), (m[2] || 'w') as Unit, phys);
  }

  private list(arg: string): string {
    const pc = arg ? this.address(arg) : (this.listAt ?? this.view.registers().pc);
    const at = this.vm.sourceOf(pc);
    if (!at) return `no source for ${hex8(pc)}`;
    const file = at.slice(0, at.lastIndexOf(':'));
    const line = Number(at.slice(at.lastIndexOf(':') + 1));
    const out: string[] = [];
    for (let l = Math.max(1, line - 4); l <= line + 5; l++) {
      const t = sourceText(file, l);
      if (t === null) break;
      out.push(`${l === line ? '=>' : '  '} ${String(l).padStart(4)}  ${t}`);
    }
    return [`${file}:`, ...out].join('\n');
  }

  private disassemble(arg: string): string {
    let pc = arg ? this.address(arg) : this.view.registers().pc;
    const here = this.view.registers().pc;
    const out: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { text, size } = this.stepper.instructionAt(0, pc);
      out.push(`${pc === here ? '=>' : '  '} ${hex8(pc)}  ${(text ?? '(unreadable)').padEnd(28)} ${this.vm.sourceOf(pc) ?? ''}`);
      pc = (pc + size) >>> 0;
    }
    return out.join('\n');
  }

  /** Return addresses found on the stack that follow a call, innermost first (VX32 kernels keep no frame pointer). */
  private backtrace(): string {
    const regs = this.view.registers();
    const out = [`#0  ${hex8(regs.pc)}  ${this.symbolOf(regs.pc)}  ${this.vm.sourceOf(regs.pc) ?? ''}`];
    const sp = regs.r[SP]! >>> 0;
    for (let off = 0; off < 256 && out.length < 16; off += 4) {
      const w = this.view.read32((sp + off) >>> 0);
      if (w === null) break;
      // A return address: the instruction before it is a call.
      for (const size of [4, 8]) {
        const word = this.view.read32((w - size) >>> 0);
        const d = word === null ? null : decode(word, this.view.read32((w - size + 4) >>> 0) ?? 0);
        if (d && d.size === size && d.info.flow === 'call' && this.vm.sourceOf(w - size)) {
          out.push(`#${out.length}  ${hex8(w)}  ${this.symbolOf(w)}  ${this.vm.sourceOf(w - size) ?? ''}  (sp+${off})`);
          break;
        }
      }
    }
    return out.join('\n');
  }

  private symbolOf(a: number): string {
    const s = [...this.vm.image.symbols].filter((x) => x.kind === 'label' && x.value <= a).sort((x, y) => y.value - x.value)[0];
    return s ? `${s.name}+${a - s.value}` : '?';
  }
}

/** A command's own error: its message is the answer. */
export class DebugError extends Error {}
