// Pass 2: with every address known, evaluate operands, encode instructions and data into section bytes.
import { PAGE_SIZE } from '../isa/abi.js';
import { ABS_FLAG } from '../isa/table.js';
import { encode, EncodeError, fitsImm16, J_MAX, J_MIN } from '../isa/encoding.js';
import type { Expr, Operand, Span } from './ast.js';
import { evaluate, type EvalEnv } from './expr.js';
import { hex } from './layout.js';
import type { Assembly, Env, Item } from './state.js';
import type { LineEntry } from './types.js';

function alignUp(v: number, n: number): number {
  return Math.ceil(v / n) * n;
}

/** Fix the section bases (.data and .bss follow .text, page-aligned) and allocate their bytes. */
export function finishLayout(a: Assembly): void {
  const [text, data, bss] = a.sections as [Assembly['sections'][0], Assembly['sections'][0], Assembly['sections'][0]];
  data.base = alignUp(text.base + text.size, PAGE_SIZE);
  bss.base = alignUp(data.base + data.size, PAGE_SIZE);
  for (const s of a.sections) s.baseKnown = true;
  text.data = new Uint8Array(text.size);
  data.data = new Uint8Array(data.size);
  a.final = true;
}

export function emit(a: Assembly, lines: LineEntry[]): void {
  let shared: Env | null = null;
  for (const it of a.items) {
    a.sink.seq = it.seq;
    const sec = a.sections[it.sec]!;
    const addr = sec.base + it.off;
    const env = shared ? shared.moveTo(it, it.unit, it.stmt.line, it.seq) : (shared = a.envAt(it, it.unit, it.stmt.line, it.seq));
    switch (it.kind) {
      case 'insn':
        insn(a, it, env, addr);
        break;
      case 'data':
        dataItem(a, it, env);
        break;
      case 'bytes':
        sec.data.set(it.bytes!, it.off);
        break;
      case 'space':
        if (it.fill && it.sec !== 2) sec.data.fill(it.fill, it.off, it.off + it.size);
        break;
      case 'equ': {
        const s = it.sym!;
        // .set re-runs in order so later uses see the value of their point; a known .equ stays as it is.
        if (s.isSet || s.value === undefined || s.pending) {
          const v = evaluate((it.stmt.operands[1] as Extract<Operand, { k: 'expr' }>).e, env);
          s.pending = null;
          s.value = v ?? 0;
        }
        it.value = s.value;
        break;
      }
      case 'entry':
      case 'label':
        break;
    }
    if ((it.kind === 'insn' || it.kind === 'data' || it.kind === 'bytes' || (it.kind === 'space' && !it.padding)) && it.size > 0) {
      lines.push({ addr, file: it.unit.file, line: it.unit.lineBase + it.stmt.line });
    }
  }
}

function value(env: EvalEnv, e: Expr): number {
  return evaluate(e, env) ?? 0;
}

function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

function dataItem(a: Assembly, it: Item, env: EvalEnv): void {
  const buf = a.sections[it.sec]!.data;
  const w = it.width!;
  let off = it.off;
  for (const o of it.stmt.operands) {
    const v = value(env, (o as Extract<Operand, { k: 'expr' }>).e);
    if (w === 1 && (v < -128 || v > 255)) env.report(o, `value ${v} does not fit in a byte (-128..255)`);
    else if (w === 2 && (v < -32768 || v > 65535)) env.report(o, `value ${v} does not fit in a half (-32768..65535)`);
    buf[off] = v & 0xff;
    if (w >= 2) buf[off + 1] = (v >>> 8) & 0xff;
    if (w === 4) {
      buf[off + 2] = (v >>> 16) & 0xff;
      buf[off + 3] = (v >>> 24) & 0xff;
    }
    off += w;
  }
}

type Mem = Extract<Operand, { k: 'mem' }>;

function reg(ops: readonly Operand[], i: number): number {
  return (ops[i] as Extract<Operand, { k: 'reg' | 'cr' }>).n;
}
function expr(ops: readonly Operand[], i: number): Expr {
  return (ops[i] as Extract<Operand, { k: 'expr' }>).e;
}
function span(ops: readonly Operand[], i: number): Span {
  return ops[i]!;
}

function insn(a: Assembly, it: Item, env: EvalEnv, addr: number): void {
  const info = it.info!;
  const ops = it.stmt.operands;
  const before = a.sink.errors;
  let fields: Parameters<typeof encode>[0] | null = null;
  switch (info.form) {
    case 'none':
      fields = { opcode: info.opcode };
      break;
    case 'r':
      fields = { opcode: info.opcode, a: reg(ops, 0) };
      break;
    case 'rr':
      fields = { opcode: info.opcode, a: reg(ops, 0), b: reg(ops, 1) };
      break;
    case 'ri':
    case 'rI': {
      const v = value(env, expr(ops, 1));
      if (info.form === 'ri' && !fitsImm16(v)) env.report(span(ops, 1), `value ${v} changed between passes and no longer fits in 16 bits`);
      fields = { opcode: info.opcode, a: reg(ops, 0), imm: v };
      break;
    }
    case 'rm':
    case 'rM':
    case 'mr':
    case 'Mr': {
      const load = info.form === 'rm' || info.form === 'rM';
      const m = ops[load ? 1 : 0] as Mem;
      const disp = m.disp ? value(env, m.disp) : 0;
      const r = reg(ops, load ? 0 : 1);
      if (info.long) fields = { opcode: info.opcode, a: r, b: m.base ?? 0, imm: disp, imm16: m.base === null ? ABS_FLAG : 0 };
      else {
        if (!fitsImm16(disp)) env.report(m, `displacement ${disp} changed between passes and no longer fits in 16 bits`);
        fields = { opcode: info.opcode, a: r, b: m.base ?? 0, imm: disp };
      }
      break;
    }
    case 'j': {
      const t = evaluate(expr(ops, 0), env);
      if (t === undefined) break;
      const target = t >>> 0;
      const delta = target - (addr + 4);
      if (target % 4 !== 0) env.report(span(ops, 0), `branch target ${hex(target)} is not 4-byte aligned`);
      else if (delta / 4 < J_MIN || delta / 4 > J_MAX) {
        env.report(span(ops, 0), `branch target ${hex(target)} is out of range (more than ±32 MiB from ${hex(addr)})`);
      } else fields = { opcode: info.opcode, imm: delta };
      break;
    }
    case 'v': {
      const v = value(env, expr(ops, 0));
      if (v < 0 || v > 255) env.report(span(ops, 0), `vector ${v} is out of range (0..255)`);
      else fields = { opcode: info.opcode, imm: v };
      break;
    }
    case 'rp':
    case 'pr': {
      const pi = info.form === 'rp' ? 1 : 0;
      const p = value(env, expr(ops, pi));
      if (p < 0 || p > 0xffff) env.report(span(ops, pi), `port ${p} is out of range (0..0xffff)`);
      else fields = { opcode: info.opcode, a: reg(ops, 1 - pi), imm: p };
      break;
    }
    case 'rc':
      fields = { opcode: info.opcode, a: reg(ops, 0), b: reg(ops, 1) };
      break;
    case 'cr':
      fields = { opcode: info.opcode, a: reg(ops, 1), b: reg(ops, 0) };
      break;
  }
  if (!fields || a.sink.errors !== before) return;
  let words: number[];
  try {
    words = encode(fields);
  } catch (e) {
    if (!(e instanceof EncodeError)) throw e;
    env.report(it.stmt.head!, e.message);
    return;
  }
  const buf = a.sections[it.sec]!.data;
  put32(buf, it.off, words[0]!);
  if (words.length > 1) put32(buf, it.off + 4, words[1]!);
}
