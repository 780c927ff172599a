// `vmlab test`: run an exercise's suite against the student's work (starter/ by default) and report it.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import pc from 'picocolors';
import { EXIT_CODE } from '../../isa/abi.js';
import { registerTestingAlias } from '../../testing/alias.js';
import { loadSuite, resolveExercise, SuiteError } from '../../testing/load-suite.js';
import { render, REPORTERS, type ReporterName } from '../../testing/reporters/index.js';
import { runSuite } from '../../testing/suite.js';
import { cliError } from '../load-image.js';

export interface TestCliOptions {
  workdir?: string;
  reporter: string;
  output?: string;
}

export async function testCommand(exercise: string, opts: TestCliOptions): Promise<number> {
  if (!(REPORTERS as readonly string[]).includes(opts.reporter)) {
    cliError(`unknown reporter ${JSON.stringify(opts.reporter)} (choose from: ${REPORTERS.join(', ')})`);
    return EXIT_CODE.USAGE;
  }
  const reporter = opts.reporter as ReporterName;
  let dirs;
  try {
    dirs = resolveExercise(exercise, opts.workdir);
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    cliError(e.message);
    return EXIT_CODE.USAGE;
  }
  // Suites and student files import vmlab/testing; outside this checkout only the alias finds it.
  registerTestingAlias();
  let suite;
  try {
    suite = await loadSuite(exercise);
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    cliError(e.message);
    return EXIT_CODE.BAD_SUITE;
  }
  const result = await runSuite(suite, dirs);
  const color = reporter === 'human' && opts.output === undefined && Boolean(process.stdout.isTTY) && pc.isColorSupported;
  const text = render(reporter, result, { color });
  if (opts.output !== undefined) {
    try {
      writeFileSync(opts.output, text);
    } catch (e) {
      cliError(`--output ${opts.output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return EXIT_CODE.USAGE;
    }
    process.stderr.write(`vmlab: ${result.score}/${result.maxScore} points; ${reporter} report written to ${opts.output}\n`);
  } else process.stdout.write(text);
  return result.passed ? EXIT_CODE.OK : EXIT_CODE.CHECKS_FAILED;
}

export function register(program: Command): void {
  program
    .command('test')
    .description("run an exercise's checks on a student's work and report each with its points")
    .argument('<exercise-dir>', 'an exercise folder: README.md, starter/, solution/ and suite.ts (e.g. exercises/01-syscall)')
    .option('-w, --workdir <dir>', 'the work to test (default: <exercise-dir>/starter)')
    .option('-r, --reporter <name>', `output format: ${REPORTERS.join(', ')}`, 'human')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addHelpText(
      'after',
      `
Reporters:
  human       each check as ✓ or ✗ with its points and message, a diff where outputs differ, the total
  json        {title, passed, score, maxScore, checks: [{name, passed, score, points, message, diff?}]}
  junit       JUnit XML: one testcase per check, <failure> with the message and diff
  gradescope  Gradescope's results.json: {score, tests: [{name, score, max_score, status, output}]}

Exit codes: 0 every check passed, 7 some check failed, 8 the exercise's suite.ts is missing or
broken, 2 usage error (no such folder, unknown reporter, unwritable --output).

Examples:
  vmlab test exercises/01-syscall                               # your work in starter/
  vmlab test exercises/01-syscall --workdir exercises/01-syscall/solution
  vmlab test exercises/03-trap-handlers --reporter gradescope --output /autograder/results/results.json`,
    )
    .action(async (exercise: string, opts: TestCliOptions) => {
      process.exitCode = await testCommand(exercise, opts);
    });
}
