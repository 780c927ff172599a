// `vmlab test`: run an exercise's suite against the student's work (starter/ by default) and report it.
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EXIT_CODE } from '../../isa/abi.js';
import { registerTestingAlias } from '../../testing/alias.js';
import type { SuiteError } from '../../testing/load-suite.js';
import { REPORTERS, type ReporterName } from '../../testing/reporters/names.js';
import type { SuiteResult } from '../../testing/suite.js';
import { cliError } from '../load-image.js';
import { colorFor } from '../color.js';

export interface TestCliOptions {
  workdir?: string;
  reporter: string;
  output?: string;
}

/** Why the suite could not run, in words for a student reading an autograder's page. */
function setupMessage(stage: 'exercise' | 'workdir' | 'suite', detail: string): string {
  switch (stage) {
    case 'workdir':
      return `the folder of work to grade (${detail}) does not exist, so nothing was graded. If you submitted files, check their names and folders; otherwise tell your instructor.`;
    case 'exercise':
      return `the exercise to grade against was not found (${detail}): a problem with the assignment's setup, not with your work. Tell your instructor.`;
    case 'suite':
      return `the exercise's checks did not load (${detail}): a problem with the assignment's setup, not with your work. Tell your instructor.`;
  }
}

/** Writes the report to --output or stdout; a usage exit code when the file cannot be written. */
function emit(reporter: ReporterName, result: SuiteResult, text: string, output: string | undefined): number | null {
  if (output === undefined) {
    process.stdout.write(text);
    return null;
  }
  try {
    writeFileSync(output, text);
  } catch (e) {
    cliError(`--output ${output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return EXIT_CODE.USAGE;
  }
  process.stderr.write(`vmlab: ${result.score}/${result.maxScore} points; ${reporter} report written to ${output}\n`);
  return null;
}

export async function testCommand(exercise: string, opts: TestCliOptions): Promise<number> {
  if (!(REPORTERS as readonly string[]).includes(opts.reporter)) {
    cliError(`unknown reporter ${JSON.stringify(opts.reporter)} (choose from: ${REPORTERS.join(', ')})`);
    return EXIT_CODE.USAGE;
  }
  const reporter = opts.reporter as ReporterName;
  // Loaded here, not at start-up: the grader, the assembler it uses and the XML writer are only needed by `vmlab test`.
  const { render } = await import('../../testing/reporters/index.js');
  const { loadSuite, resolveExercise, SuiteError } = await import('../../testing/load-suite.js');
  const { runSuite, setupFailure } = await import('../../testing/suite.js');
  // A grader reads the report, not stderr: a run that cannot start still gets one (score 0, and why).
  const broken = (code: number, stage: 'exercise' | 'workdir' | 'suite', e: SuiteError): number => {
    cliError(e.message);
    if (reporter === 'human') return code;
    const dirs = { exerciseDir: resolve(exercise), ...(opts.workdir !== undefined ? { workdir: resolve(opts.workdir) } : {}) };
    // The folder that is missing is named by its last part only: graders keep work at paths a student cannot use.
    const detail = stage === 'workdir' ? basename(resolve(opts.workdir!)) : e.message;
    const result = setupFailure(basename(resolve(exercise)), setupMessage(stage, detail), dirs);
    return emit(reporter, result, render(reporter, result), opts.output) ?? code;
  };
  let dirs;
  try {
    dirs = resolveExercise(exercise, opts.workdir);
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    const stage = opts.workdir !== undefined && e.message.startsWith(`${opts.workdir}: no such folder`) ? 'workdir' : 'exercise';
    return broken(EXIT_CODE.USAGE, stage, e);
  }
  // Suites and student files import vmlab/testing; outside this checkout only the alias finds it.
  await registerTestingAlias();
  let suite;
  try {
    suite = await loadSuite(exercise);
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    return broken(EXIT_CODE.BAD_SUITE, 'suite', e);
  }
  const result = await runSuite(suite, dirs);
  const color = reporter === 'human' && opts.output === undefined && colorFor(process.stdout);
  const failed = emit(reporter, result, render(reporter, result, { color }), opts.output);
  if (failed !== null) return failed;
  return result.passed ? EXIT_CODE.OK : EXIT_CODE.CHECKS_FAILED;
}

export function register(program: Command): void {
  program
    .command('test')
    .description("run an exercise's checks on a student's work and report each with its points")
    .argument('<exercise-dir>', 'an exercise folder: README.md, starter/, solution/ and suite.ts (e.g. exercises/01-syscall)')
    .option('-w, --workdir <dir>', 'the work to test (default: <exercise-dir>/starter)')
    .addOption(new Option('-r, --reporter <name>', 'output format').choices(REPORTERS).default('human'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addHelpText(
      'after',
      `
Reporters:
  human       each check as ✓ or ✗ with its points and message, a diff where outputs differ, the total
  json        {title, passed, score, maxScore, checks: [{name, passed, score, points, message, diff?}]}
  junit       JUnit XML: one testcase per check, <failure> with the message and diff
  gradescope  Gradescope's results.json: {score, execution_time, output, stdout_visibility, tests:
              [{name, score, max_score, status, output, output_format, visibility, execution_time}]}

With json, junit and gradescope a report is written even when nothing could be graded (no such
work folder, a suite that does not load): score 0 and a message that says what happened. Messages
name files relative to the work or the exercise folder, never by their absolute paths.

Exit codes: 0 every check passed, 72 some check failed, 73 the exercise's suite.ts is missing or
broken, 64 usage error (no such folder, unknown reporter, unwritable --output).

Examples:
  vmlab test exercises/01-syscall                               # your work in starter/
  vmlab test exercises/01-syscall --workdir exercises/01-syscall/solution
  vmlab test exercises/03-trap-handlers --reporter gradescope --output /autograder/results/results.json`,
    )
    .action(async (exercise: string, opts: TestCliOptions) => {
      process.exitCode = await testCommand(exercise, opts);
    });
}
