// Turns a fuzz kernel's description (generate.ts) into VX32 source: the runtime around a body of ops, each op
// commented with what it tests, so a shrunk reproducer reads as a small kernel.
import { BUF_BYTES, DEMAND_PAGES, features, type Kernel, type Op, type Segment, type Width } from './generate.js';
import { epilogue, prologue } from './runtime.js';

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
/** ` + n` or ` - n`, for an address expression. */
const plus = (n: number) => (n < 0 ? ` - ${-n}` : ` + ${n}`);
const LOAD: Record<Width, string> = { 1: 'ldb', 2: 'ldh', 4: 'ld' };
const STORE: Record<Width, string> = { 1: 'stb', 2: 'sth', 4: 'st' };

interface Ctx {
  readonly k: Kernel;
  readonly ring: 0 | 3;
  /** A label prefix unique to this op. */
  readonly id: string;
}

/** What an op tests, in one line (the comment above its code). */
function describe(op: Op): string {
  const { k, ...rest } = op;
  const fields = Object.entries(rest).map(([f, v]) => `${f}=${typeof v === 'number' && v > 255 ? hex(v) : JSON.stringify(v)}`);
  return `${k} ${fields.join(' ')}`.trimEnd();
}

/** The IF the kernel keeps between ops: on when the timer runs. */
const restoreIf = (c: Ctx) => (c.ring === 0 ? [c.k.timer !== null ? 'sti' : 'cli'] : []);

/** pushf with a marker below it, so that a #GP (strict VX32 at ring 3) leaves the marker in r1. */
const readFlags = ['mov r8, sp', 'li r1, 0x5a5a', 'push r1', 'pushf', 'pop r1', 'mov sp, r8', 'MIX r1'];

function aluLine(op: string, b: string): string[] {
  if (op === 'not' || op === 'neg') return [`${op} r1`];
  return [`${op} r1, ${b}`];
}

function body(op: Op, c: Ctx): string[] {
  switch (op.k) {
    case 'alu':
      return [`li r1, ${hex(op.a)}`, ...(op.imm ? aluLine(op.op, hex(op.b)) : [`li r2, ${hex(op.b)}`, ...aluLine(op.op, 'r2')]), 'MIX r1'];
    case 'cmp':
      return [
        `li r1, ${hex(op.a)}`,
        ...(op.imm ? [`${op.test ? 'test' : 'cmp'} r1, ${hex(op.b)}`] : [`li r2, ${hex(op.b)}`, `${op.test ? 'test' : 'cmp'} r1, r2`]),
        `${op.jcc} ${c.id}_t`,
        'li r3, 0x11',
        `jmp ${c.id}_d`,
        `${c.id}_t:`,
        'li r3, 0x22',
        `${c.id}_d:`,
        'MIX r3',
      ];
    case 'div': {
      const insn = op.mod ? 'mod' : 'div';
      // A long-form immediate of 0 would be two words; #DE's handler steps over one, so 0 goes through a register.
      const imm = op.imm && op.b !== 0;
      return [`li r1, ${hex(op.a)}`, ...(imm ? [`${insn} r1, ${hex(op.b)}`] : [`li r2, ${hex(op.b)}`, `${insn} r1, r2`]), 'MIX r1'];
    }
    case 'mem': {
      const off = Math.min(op.off, BUF_BYTES - op.width);
      const roff = Math.max(0, Math.min(off + op.roff, BUF_BYTES - op.rwidth));
      const store = op.abs
        ? [`${STORE[op.width]} [buf + ${off}], r1`]
        : [`li r2, buf${plus(off - op.disp)}`, `${STORE[op.width]} [r2${plus(op.disp)}], r1`];
      return [`li r1, ${hex(op.value)}`, ...store, `${LOAD[op.rwidth]} r3, [buf + ${roff}]`, 'MIX r3'];
    }
    case 'straddle': {
      const back = op.width === 2 ? 1 : op.back;
      const at = op.outOf ? 'demand' : 'pt0';
      return [
        `li r1, ${hex(op.value)}`,
        `li r2, ${at} - ${back}`,
        `${STORE[op.width]} [r2], r1`,
        `ld r3, [${at} - 4]`,
        'MIX r3',
        `ld r3, [${at}]`,
        'MIX r3',
      ];
    }
    case 'demand': {
      const va = `demand + ${op.page * 4096}`;
      const off = op.page === DEMAND_PAGES - 1 ? Math.min(op.off, 4096 - op.width) : op.off;
      const unmap = !op.unmap
        ? []
        : c.ring === 0
          ? ['li r1, 0', `st [pt0 + ((${va}) >> PAGE_SHIFT) * 4], r1`, `li r1, ${va}`, 'invlpg r1']
          : ['li r0, SYS_UNMAP', `li r1, ${va}`, 'int VEC_SYSCALL'];
      const access = op.write
        ? [`li r1, ${hex(op.value)}`, `li r2, ${va} + ${off}`, `${STORE[op.width]} [r2], r1`, `ld r3, [${va} + ${off & ~3}]`]
        : [`li r2, ${va} + ${off}`, `${LOAD[op.width]} r3, [r2]`];
      const once = [...unmap, ...access, 'MIX r3'];
      if (op.repeat === 1) return once;
      return [`li r7, ${op.repeat}`, `${c.id}_l:`, ...once, 'sub r7, 1', 'cmp r7, 0', `jnz ${c.id}_l`];
    }
    case 'readpte':
      return [`ld r1, [pt0 + ((demand + ${op.page * 4096}) >> PAGE_SHIFT) * 4]`, 'MIX r1'];
    case 'ptstack': {
      const pushes = op.values.flatMap((v) => [`li r1, ${hex(v)}`, 'push r1']);
      const pops = op.values.flatMap(() => ['pop r3', 'MIX r3']);
      return ['mov r8, sp', 'li sp, pt0 + PAGE_SIZE', ...pushes, ...(op.call ? ['call fn_stack'] : []), ...pops, 'mov sp, r8'];
    }
    case 'smc': {
      const target = op.inline ? `${c.id}_p` : 'smc_slot';
      const patch =
        op.how === 'word'
          ? [`ld r2, [smc_tmpl + ${op.tmpl * 4}]`, `li r3, ${hex(op.imm)}`, 'shl r3, 16', 'or r2, r3', `st [${target}], r2`]
          : op.how === 'half'
            ? [`li r3, ${hex(op.imm)}`, `sth [${target} + 2], r3`]
            : [`li r3, ${hex(op.imm & 0xff)}`, `stb [${target} + ${2 + op.byte}], r3`];
      const run = op.inline ? [`${c.id}_p:`, 'add r1, 0'] : ['call smc_slot'];
      return [...patch, `li r1, ${hex(op.value)}`, ...run, 'MIX r1'];
    }
    case 'int':
      return [`li r1, ${hex(op.value)}`, 'int VEC_INT', 'MIX r1'];
    case 'badint':
      return [`int ${op.vector}`];
    case 'brk':
      return ['brk'];
    case 'pushf':
      return readFlags;
    case 'popf':
      return ['mov r8, sp', `li r1, ${hex(op.value)}`, 'push r1', 'popf', 'mov sp, r8', ...readFlags, ...restoreIf(c)];
    case 'rdcpl':
      return ['li r1, 0x77', 'rdcpl r1', 'MIX r1'];
    case 'sidt':
      return ['li r1, 0x77', 'sidt r1', 'MIX r1'];
    case 'loop':
      return [
        `li r7, ${op.n}`,
        `li r1, ${hex(op.a)}`,
        `${c.id}_l:`,
        ...aluLine(op.op, 'r7'),
        'MIX r1',
        'sub r7, 1',
        'cmp r7, 0',
        `jnz ${c.id}_l`,
      ];
    case 'call':
      return [`li r1, ${hex(op.value)}`, ...(op.indirect ? ['li r2, fn_mix', 'call r2'] : ['call fn_mix']), 'MIX r1'];
    case 'irqoff':
      return ['cli', ...Array.from({ length: op.n }, (_, i) => `add r13, ${i + 1}`), ...restoreIf(c)];
    case 'hlt':
      return c.k.timer !== null ? ['hlt'] : [];
    case 'retime':
      return c.k.timer !== null ? [`li r1, ${op.period}`, 'out PORT_TIMER_PERIOD, r1'] : [];
    case 'pgoff':
      if (!c.k.paging) return [];
      return [
        'li r1, 0',
        'mov cr0, r1',
        ...Array.from({ length: op.n }, (_, i) => `add r13, ${i + 1}`),
        `li r1, ${hex(op.value)}`,
        'st [buf + 64], r1',
        'li r1, CR0_PG',
        'mov cr0, r1',
        'ld r3, [buf + 64]',
        'MIX r3',
      ];
    case 'readcr':
      return [`mov r1, cr${op.cr}`, 'MIX r1'];
    case 'priv':
      return [PRIV_LINE[op.insn]];
    case 'syscall':
      return ['li r0, SYS_MIX', `li r1, ${hex(op.value)}`, 'int VEC_SYSCALL'];
  }
}

/** One word each, so #GP's handler can step over it. */
const PRIV_LINE: Record<Extract<Op, { k: 'priv' }>['insn'], string> = {
  cli: 'cli',
  sti: 'sti',
  hlt: 'hlt',
  iret: 'iret',
  in: 'in r1, PORT_UART_STATUS',
  out: 'out PORT_UART_DATA, r1',
  movcr: 'mov r1, cr0',
  lidt: 'lidt r1',
  invlpg: 'invlpg r1',
};

function segmentCode(seg: Segment, si: number, k: Kernel): string[] {
  const lines: string[] = [];
  seg.ops.forEach((op, oi) => {
    lines.push(`    ; ${describe(op)}`);
    for (const l of body(op, { k, ring: seg.ring, id: `s${si}_${oi}` })) lines.push(l.endsWith(':') ? l : `    ${l}`);
  });
  return lines;
}

/** The kernel's source; `title` goes in its first line (e.g. the seed it came from). */
export function render(k: Kernel, title = 'a generated kernel'): string {
  const main: string[] = [];
  const user: string[] = [];
  k.segments.forEach((seg, si) => {
    main.push(`; --- segment ${si}: ring ${seg.ring} ---`);
    if (seg.ring === 0) {
      main.push(...segmentCode(seg, si, k), '    mov r1, r13', '    call print_hex');
    } else {
      main.push(`    li r1, user${si}`, '    call enter_user');
      user.push(
        `; segment ${si}, run at ring 3`,
        `user${si}:`,
        ...segmentCode(seg, si, k),
        '    li r0, SYS_PRINT',
        '    mov r1, r13',
        '    int VEC_SYSCALL',
        '    li r0, SYS_EXIT',
        '    int VEC_SYSCALL',
      );
    }
  });
  main.push('    jmp finish');
  const opts = { paging: k.paging, timer: k.timer, userIf: k.userIf };
  return [`; fuzz kernel: ${title}`, `; features: ${features(k).join(' ')}`, prologue(opts), ...main, ...user, epilogue(opts)].join(
    '\n',
  );
}
