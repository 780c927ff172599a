// Pass 1 for instructions: resolve mnemonic and aliases, match operands to a form, choose short or long.
import { CR_NUMBERS } from '../isa/abi.js';
import { fitsImm16 } from '../isa/encoding.js';
import { WINDOW_BY_MNEMONIC, type OpcodeInfo } from '../isa/table.js';
import type { Operand, Statement } from './ast.js';
import { entriesFor, expectsMessage, matchShape, shapeOf } from './forms.js';
import { hex, peek, place } from './layout.js';
import { BSS, type Assembly, type Unit } from './state.js';

const BAD_REG = /^(r\d+|cr\d+)$/i;

export function instruction(a: Assembly, unit: Unit, st: Statement): void {
  const head = st.head!;
  const mnemonic = head.name.toLowerCase();
  const entries = entriesFor(mnemonic);
  if (!entries) {
    // Window instructions are in the ISA table but are not guest instructions: a guest gets #UD for them.
    if (WINDOW_BY_MNEMONIC.has(mnemonic))
      a.error(unit, st, head, `window instruction \`${head.name}\` is only emitted by the binary translator`);
    else a.error(unit, st, head, `unknown instruction \`${head.name}\``);
    return;
  }
  if (!checkRegisters(a, unit, st)) return;
  const cands = matchShape(entries, shapeOf(st.operands));
  if (cands.length === 0) {
    a.error(unit, st, head, expectsMessage(mnemonic, entries));
    return;
  }
  if (a.cur === BSS) {
    a.error(unit, st, head, 'instructions cannot go in .bss (it holds no bytes)');
    return;
  }
  const sec = a.sections[a.cur]!;
  if (sec.off % 4 !== 0) {
    const addr = sec.baseKnown ? hex(sec.base + sec.off) : `${sec.name}+${hex(sec.off)}`;
    a.error(unit, st, head, `instruction at ${addr} is not 4-byte aligned (add \`.align 4\` before it)`);
    return;
  }
  const info = cands.length === 1 ? cands[0]! : chooseSize(a, unit, st, cands);
  place(a, unit, st, 'insn', info.long ? 8 : 4, { info });
}

/** Short form only if the value is known now and fits in signed 16 bits; otherwise long. */
function chooseSize(a: Assembly, unit: Unit, st: Statement, cands: readonly OpcodeInfo[]): OpcodeInfo {
  const short = cands.find((c) => !c.long)!;
  const long = cands.find((c) => c.long) ?? short;
  const ops = st.operands;
  let isShort = false;
  if (short.form === 'ri') {
    const o = ops[1]!;
    const v = o.k === 'expr' ? peek(a, unit, st, o.e) : undefined;
    isShort = v !== undefined && fitsImm16(v);
  } else {
    const m = (short.form === 'rm' ? ops[1] : ops[0]) as Extract<Operand, { k: 'mem' }>;
    if (m.base !== null) {
      const v = m.disp ? peek(a, unit, st, m.disp) : 0;
      isShort = v !== undefined && fitsImm16(v);
    }
  }
  return isShort ? short : long;
}

/** Register-like names that are not registers, and control registers VX32 lacks. */
function checkRegisters(a: Assembly, unit: Unit, st: Statement): boolean {
  for (const o of st.operands) {
    if (o.k === 'expr' && o.e.k === 'sym' && BAD_REG.test(o.e.name)) {
      const isCr = o.e.name.toLowerCase().startsWith('cr');
      a.error(unit, st, o, isCr ? crMessage(o.e.name) : `bad register \`${o.e.name}\` (registers are r0-r15 and sp)`);
      return false;
    }
    if (o.k === 'cr' && !(CR_NUMBERS as readonly number[]).includes(o.n)) {
      a.error(unit, st, o, crMessage(`cr${o.n}`));
      return false;
    }
  }
  return true;
}

function crMessage(name: string): string {
  return `bad control register \`${name}\` (VX32 has ${CR_NUMBERS.map((n) => `cr${n}`).join(', ')})`;
}
