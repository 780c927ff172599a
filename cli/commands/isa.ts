// `vmlab isa`: prints the VX32 instruction table, optionally grouped by Popek & Goldberg class with the Theorem 1 verdicts.
import Table from 'cli-table3';
import type { Command } from 'commander';
import pc from 'picocolors';
import { colorFor } from '../color.js';
import { insnSyntax } from '../../isa/syntax.js';
import { INSNS, type Flow, type InsnClass, type MemEffect, type OpcodeInfo } from '../../isa/table.js';
import { theorem1, type Theorem1 } from '../../isa/theorem1.js';

export interface InsnJson {
  readonly id: string;
  readonly mnemonic: string;
  readonly syntax: string;
  readonly form: string;
  readonly opcode: number;
  readonly class: InsnClass;
  readonly blockEnd: boolean;
  /** What it does to memory (access, width, where, what moves), or null. */
  readonly mem: MemEffect | null;
  readonly flow: Flow;
  readonly exit: string | null;
  readonly summary: string;
}

export function insnJson(e: OpcodeInfo): InsnJson {
  return {
    id: e.id,
    mnemonic: e.mnemonic,
    syntax: insnSyntax(e),
    form: e.form,
    opcode: e.opcode,
    class: e.cls,
    blockEnd: e.blockEnd,
    mem: e.mem,
    flow: e.flow,
    exit: e.exit,
    summary: e.summary,
  };
}

const CLASS_TITLE: Record<InsnClass, string> = {
  innocuous: 'innocuous (behave the same in any ring)',
  privileged: 'privileged (raise #GP outside ring 0)',
  sensitive: 'sensitive but unprivileged (never trap: the holes in VX32)',
  window: 'window (translator only: valid only in code fetched through the code-cache window, #UD elsewhere)',
};

function table(rows: readonly OpcodeInfo[], color: boolean): string {
  const t = new Table({
    head: ['op', 'id', 'syntax', 'form', 'class', 'end', 'exit', 'summary'],
    style: { head: color ? ['cyan'] : [], border: color ? ['gray'] : [], compact: true },
    colWidths: [null, null, null, null, null, null, null, 52],
    wordWrap: true,
  });
  for (const e of rows) {
    t.push([
      `0x${e.opcode.toString(16).padStart(2, '0')}`,
      e.id,
      insnSyntax(e),
      e.form,
      e.cls,
      e.blockEnd ? 'yes' : '',
      e.exit ?? '',
      e.summary,
    ]);
  }
  return t.toString();
}

export function formatTheorem1(t: Theorem1, color: boolean): string {
  const c = pc.createColors(color);
  const lines = [c.bold('Theorem 1'), t.statement, ''];
  lines.push(`  privileged:                  ${t.privileged.join(', ')}`);
  lines.push(`  sensitive:                   ${t.sensitive.join(', ')}`);
  lines.push(`  sensitive but unprivileged:  ${t.sensitiveUnprivileged.join(', ') || 'none'}`);
  lines.push(`  not counted:                 ${t.notGuestVisible.join(', ')}`);
  lines.push(`    (${t.notGuestVisibleReason})`);
  lines.push('');
  for (const v of t.verdicts) {
    const verdict = v.virtualizable ? c.green('virtualizable') : c.red('NOT classically virtualizable');
    lines.push(`${c.bold(v.machine)}: ${verdict}`);
    lines.push(`  ${v.reason}`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('isa')
    .description('print every VX32 instruction from the ISA table: syntax, encoding form, class, exit reason')
    .option('--classes', "group by Popek & Goldberg class and print Theorem 1's verdict for VX32 and strict VX32")
    .option('--json', 'print JSON instead of a table (see below for its shape)')
    .addHelpText(
      'after',
      `
JSON shape:
  --json              an array of {id, mnemonic, syntax, form, opcode, class, blockEnd, mem, flow, exit, summary}
  --json --classes    {instructions: [...as above], theorem1: {statement, privileged, sensitive,
                       sensitiveUnprivileged, notGuestVisible, notGuestVisibleReason,
                       verdicts: [{machine, virtualizable, reason}]}}

Examples:
  vmlab isa                      the whole table
  vmlab isa --classes            why trap-and-emulate fails on VX32 (and works on strict VX32)
  vmlab isa --json | jq '.[] | select(.class == "sensitive") | .id'`,
    )
    .action((opts: { classes?: boolean; json?: boolean }) => {
      if (opts.json) {
        const instructions = INSNS.map(insnJson);
        const value = opts.classes ? { instructions, theorem1: theorem1() } : instructions;
        process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
        return;
      }
      const color = colorFor(process.stdout);
      if (!opts.classes) {
        process.stdout.write(`${table(INSNS, color)}\n`);
        return;
      }
      const parts: string[] = [];
      for (const cls of ['innocuous', 'privileged', 'sensitive', 'window'] as const) {
        const rows = INSNS.filter((e) => e.cls === cls);
        parts.push(`${pc.createColors(color).bold(CLASS_TITLE[cls])}: ${rows.length}\n${table(rows, color)}`);
      }
      parts.push(formatTheorem1(theorem1(), color));
      process.stdout.write(`${parts.join('\n\n')}\n`);
    });
}
