// Generates docs/isa.md from the ISA table (encoding overview, every instruction, the Theorem 1 verdict); registered in scripts/generated.ts.
import { EXIT_REASONS } from './abi.js';
import { FORM_ENCODING, FORM_OPERANDS, insnSyntax } from './syntax.js';
import { INSNS, OPCODE_COUNT, WINDOW_INSNS, WINDOW_OPCODE_BASE, type Form, type InsnClass, type MemEffect } from './table.js';
import { theorem1 } from './theorem1.js';

const CLASS_LABEL = {
  innocuous: 'innocuous',
  privileged: 'privileged',
  sensitive: 'sensitive, unprivileged',
  window: 'window (translator only)',
} as const satisfies Record<InsnClass, string>;

/** `write 4 push (pc)`: the memory column. */
function memCell(m: MemEffect | null): string {
  if (m === null) return '';
  return `${m.access} ${m.width} ${m.at}${m.data === 'ra' ? '' : ` (${m.data})`}`;
}

/** Escapes a table cell: pipes would split the cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function generateIsaDoc(): string {
  const out: string[] = [];
  out.push(
    '# VX32 instruction set',
    '',
    '<!-- GENERATED from isa/table.ts by `npm run gen` (isa/docs.ts) - do not edit; a test checks it is current. -->',
    '',
    `VX32 has ${OPCODE_COUNT} guest opcodes (0x00..0x${(OPCODE_COUNT - 1).toString(16)}) and ${WINDOW_INSNS.length} window ` +
      `opcodes (0x${WINDOW_OPCODE_BASE.toString(16)}..0x${(WINDOW_OPCODE_BASE + WINDOW_INSNS.length - 1).toString(16)}) that only`,
    "the binary translator emits. Semantics beyond these one-line summaries (flags, traps, paging, the",
    'virtualization extension, the code-cache window) are in [vx32.md](vx32.md); `vmlab isa` prints the same',
    'table in the terminal.',
    '',
    '## Encoding',
    '',
    'Instructions are little-endian 32-bit words at 4-byte-aligned addresses:',
    '',
    '```',
    ' 31                16 15    12 11     8 7        0',
    '+--------------------+--------+--------+----------+',
    '|       imm16        |   b    |   a    |  opcode  |',
    '+--------------------+--------+--------+----------+',
    '```',
    '',
    'The opcode of a guest instruction is its index in the table below; window instructions are numbered',
    `from 0x${WINDOW_OPCODE_BASE.toString(16)} in table order, so guest opcodes can grow below them. \`a\` is the first register`,
    'operand (the data register of loads and stores), `b` the second (the base register of a memory',
    'operand). Forms whose name ends in a capital letter carry a second word, `ext`, with a full 32-bit',
    'value; the assembler picks the short form when the value is known in its first pass and fits in 16',
    'signed bits, the long form otherwise. Window forms address `slot`s of the VMM-private data area.',
    '',
    '| form | operands | encoding |',
    '|---|---|---|',
  );
  for (const f of Object.keys(FORM_ENCODING) as Form[])
    out.push(`| \`${f}\` | ${FORM_OPERANDS[f] ? `\`${cell(FORM_OPERANDS[f])}\`` : '—'} | ${cell(FORM_ENCODING[f])} |`);

  out.push(
    '',
    '## Instructions',
    '',
    'Class follows Popek & Goldberg: *privileged* instructions raise #GP outside ring 0; *sensitive,',
    'unprivileged* ones touch machine state a VMM must control yet never trap. *Block end* marks',
    'instructions that end a basic block (the binary translator stops there). *Memory* is what the',
    'instruction does to memory: read or write, the width in bytes, where (`operand` = its memory operand,',
    '`push` = below sp, `pop` = at sp, `frame` = the trap frame at sp) and, when it is not register a,',
    'what moves; *flow* is how it moves the pc. Interpreters, the translator and every VMM path that',
    'performs a guest access derive from these two columns. *Exit* is the reason the',
    'virtualization extension exits with when the per-VM control block asks for it. *Window* instructions',
    'are not guest instructions: the binary translator emits them into the code cache, where they reach',
    'the VMM-private data area; a CPU runs them only in code fetched through the code-cache window, at',
    'CPL 1, and raises #UD for them anywhere else, so no guest can execute one and the assembler refuses',
    'them.',
    '',
    '| opcode | id | syntax | form | class | block end | memory | flow | exit | summary |',
    '|---:|---|---|---|---|---|---|---|---|---|',
  );
  for (const e of INSNS) {
    out.push(
      `| 0x${e.opcode.toString(16).padStart(2, '0')} | \`${e.id}\` | \`${cell(insnSyntax(e))}\` | ${e.form} | ` +
        `${CLASS_LABEL[e.cls]} | ${e.blockEnd ? 'yes' : ''} | ${memCell(e.mem)} | ${e.flow === 'none' ? '' : e.flow} | ` +
        `${e.exit ?? ''} | ${cell(e.summary)} |`,
    );
  }
  out.push(
    '',
    'Aliases accepted by the assembler: `mov ra, imm` = `li`, `je` = `jz`, `jne` = `jnz`. Other exit',
    `reasons, raised by events rather than instructions: ${EXIT_REASONS.filter((r) => !INSNS.some((e) => e.exit === r))
      .map((r) => `\`${r}\``)
      .join(', ')}.`,
  );

  const t = theorem1();
  out.push(
    '',
    '## Theorem 1 verdict',
    '',
    `${t.statement}`,
    '',
    `- privileged: ${t.privileged.map((n) => `\`${n}\``).join(', ')}`,
    `- sensitive: ${t.sensitive.map((n) => `\`${n}\``).join(', ')}`,
    `- sensitive but unprivileged: ${t.sensitiveUnprivileged.map((n) => `\`${n}\``).join(', ') || 'none'}`,
    `- not counted: ${t.notGuestVisible.map((n) => `\`${n}\``).join(', ')} (${t.notGuestVisibleReason})`,
    '',
    '| machine | virtualizable | why |',
    '|---|---|---|',
  );
  for (const v of t.verdicts) out.push(`| ${v.machine} | ${v.virtualizable ? 'yes' : '**no**'} | ${cell(v.reason)} |`);
  out.push('');
  return out.join('\n');
}
