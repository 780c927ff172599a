// A tiny program builder for machine tests: encodes instructions with isa/encoding.ts, resolves labels, makes an Image.
import type { Image, LineEntry } from '../../assembler/types.js';
import { SEG } from '../../assembler/types.js';
import { MEMMAP } from '../../isa/abi.js';
import { encode, fitsImm16, type EncodeFields } from '../../isa/encoding.js';
import { OP, type InsnId } from '../../isa/table.js';

export class Prog {
  private readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; op: number; label: string }[] = [];
  readonly lines: LineEntry[] = [];

  constructor(readonly origin: number = MEMMAP.KERNEL_BASE) {}

  get here(): number {
    return this.origin + this.words.length * 4;
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  /** Emit one instruction by id; `line` records a line-table entry for file `file`. */
  op(id: InsnId, f: Omit<EncodeFields, 'opcode'> = {}, src?: { file: string; line: number }): this {
    if (src) this.lines.push({ addr: this.here, ...src });
    this.words.push(...encode({ opcode: OP[id], ...f }));
    return this;
  }

  li(a: number, value: number): this {
    return fitsImm16(value | 0) ? this.op('li.ri', { a, imm: value | 0 }) : this.op('li.rI', { a, imm: value });
  }

  out(port: number, a: number): this {
    return this.op('out', { a, imm: port });
  }

  in(a: number, port: number): this {
    return this.op('in', { a, imm: port });
  }

  /** A j-form branch to a label (resolved at image()). */
  jump(id: 'jmp' | 'jz' | 'jnz' | 'call' | 'jl' | 'jge', label: string): this {
    this.fixups.push({ at: this.words.length, op: OP[id], label });
    this.words.push(0);
    return this;
  }

  /** Raw data words (e.g. a vector table). */
  word(...ws: number[]): this {
    this.words.push(...ws.map((w) => w >>> 0));
    return this;
  }

  addr(label: string): number {
    const a = this.labels.get(label);
    if (a === undefined) throw new Error(`no label ${label}`);
    return a;
  }

  image(): Image {
    for (const f of this.fixups) {
      const next = this.origin + (f.at + 1) * 4;
      this.words[f.at] = encode({ opcode: f.op, imm: this.addr(f.label) - next })[0]!;
    }
    const data = new Uint8Array(this.words.length * 4);
    const view = new DataView(data.buffer);
    this.words.forEach((w, i) => view.setUint32(i * 4, w, true));
    return {
      entry: this.origin,
      flags: 0,
      segments: [{ name: '.text', addr: this.origin, flags: SEG.R | SEG.X, data, memSize: data.length }],
      symbols: [...this.labels].map(([name, value]) => ({ name, value, kind: 'label' as const, global: false })),
      lines: this.lines,
    };
  }
}
