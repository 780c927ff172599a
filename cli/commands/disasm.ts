// `vmlab disasm`: disassemble a .vxe image (or a .s source, assembled in memory) into re-assemblable VX32 source.
import type { Command } from 'commander';
import { disassemble } from '../../assembler/disasm.js';
import { loadProgram } from '../load-image.js';
import { collect, defineArg } from '../options.js';

interface DisasmOptions {
  symbols?: boolean;
  include?: string[];
  define?: Record<string, number>;
}

export function register(program: Command): void {
  program
    .command('disasm')
    .description('disassemble an image (or a source file, assembled in memory) into VX32 assembly')
    .argument('<image>', '.vxe image, or .s source to assemble first')
    .option('--symbols', 'print labels from the symbol table and use them for branch targets and addresses')
    .option('-I, --include <dir>', 'include directory when assembling a .s file (repeatable)', collect)
    .option('-D, --define <NAME[=VALUE]>', 'define a symbol when assembling a .s file (repeatable)', defineArg)
    .addHelpText(
      'after',
      `
The output is source the assembler accepts: it reassembles to the same segment bytes. Each line
ends with a comment holding its address and words. Words that are not instructions the assembler
would produce (invalid opcodes, non-zero unused fields) are printed as .word with the reason.

Exit codes: 0 ok, 64 usage error (missing file), 65 assembly errors (.s input), 66 bad image.

Examples:
  vmlab disasm mini.vxe --symbols
  vmlab disasm guest-kernels/mini/main.s --symbols | less
  vmlab disasm mini.vxe > again.s && vmlab asm again.s -o again.vxe   # same segment bytes`,
    )
    .action(async (file: string, opts: DisasmOptions) => {
      const loaded = await loadProgram(file, { includePaths: opts.include, defines: opts.define });
      if (!loaded.ok) {
        process.exitCode = loaded.exitCode;
        return;
      }
      process.stdout.write(disassemble(loaded.image, { symbols: opts.symbols ?? false, title: loaded.sourceName }));
    });
}
