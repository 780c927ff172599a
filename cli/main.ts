// The `vmlab` CLI entry point: one commander program, one file per subcommand under cli/commands/.
import { Command, CommanderError } from 'commander';
import { EXIT_CODE } from '../isa/abi.js';
import { COMMANDS } from './commands/index.js';
import { guardStdio } from './output.js';
import { VERSION } from './version.js';

// Before any command writes: output piped into `head` or `less` must not crash when the reader quits.
guardStdio();

const program = new Command();
program
  .name('vmlab')
  .description(
    'A virtualization lab: assemble VX32 guest kernels, run them natively and under each ' +
      'classic virtualization technique, and measure what each technique costs.',
  )
  .version(VERSION, '-V, --version', "print vmlab's version")
  // Read by cli/color.ts wherever colour is chosen; declared here so every command accepts it.
  .option('--no-color', 'no colour in any output (as NO_COLOR=1 does; FORCE_COLOR=1 colours even into a pipe)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of COMMANDS) register(program);

program.addHelpText(
  'after',
  `
Exit codes (vmlab's own are 64 and up, so a guest's status never looks like one):
  0-62  run: the guest powered off with that status (0 also: halted with nothing to wake it)
  63    run: the guest powered off with status 63 or more (the status is on stderr and in --json)
  64    usage error                 65  assembly errors
  66    bad or corrupt image        67  configuration refused (device, technique)
  68    diverged from bare metal    69  instruction limit reached
  70    internal error (a bug)      71  guest crashed (triple fault)
  72    test: a check failed        73  test: the exercise's suite is missing or broken
  74    migration: the VM did not move (it ran to its end on the source)

Examples:
  vmlab asm guest-kernels/mini/main.s -o mini.vxe --listing mini.lst
  vmlab run mini.vxe --technique native
  vmlab run mini.vxe --technique hw --stats
  vmlab compare guest-kernels/mini/main.s --chart out/mini.svg
  vmlab isa --classes`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exit(ok ? EXIT_CODE.OK : EXIT_CODE.USAGE);
  }
  // Anything reaching here is a vmlab bug, not bad input: say so plainly.
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vmlab: internal error: ${msg}\n(please report this with the command you ran)\n`);
  process.exit(EXIT_CODE.INTERNAL);
}
