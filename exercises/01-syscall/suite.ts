// Exercise 01's checks: the system-call dispatcher, argument passing, bad numbers, user pointers, exit.
import { boot, CheckFailure, defineSuite, expectOutput, expectPoweroff, lineStartingWith, type CheckContext, type Run } from 'vmlab/testing';

const EXPECTED = `kernel: booting
kernel: entering the user program at ring 3
hello from ring 3
kernel: exit(42) from the user program
results:
  write(hello, 18) = 18
  getpid() = 7
  add(40, 2) = 42
  syscall 99 = -1
  syscall -2 = -1
  write(kernel address, 8) = -1
  r6..r9 kept (1 = yes) = 1`;

/** The kernel with the work's syscall.s, under one technique (booted once per suite run). */
function run(ctx: CheckContext, technique: 'native' | 'trap' | 'hw' = 'native', defines: Record<string, number> = {}): Run {
  return ctx.memo(`${technique}${Object.keys(defines).join()}`, () =>
    boot(ctx.exercise('kernel/main.s'), { technique, includePaths: [ctx.workdir], defines, maxInstructions: 2_000_000 }),
  );
}

const reachedReport = (r: Run) => lineStartingWith(r.console, 'results:') !== null;

/**
 * The native run the per-call checks read. When the whole run never reaches its report but the same
 * kernel without the call of number -2 does, that call is what sent the kernel astray (a signed
 * compare indexes before the table): the other calls are graded on that second run, and part 3 says why.
 */
function graded(ctx: CheckContext): { r: Run; negativeBroke: boolean } {
  const full = run(ctx);
  if (reachedReport(full)) return { r: full, negativeBroke: false };
  const without = run(ctx, 'native', { SKIP_NEGATIVE_CALL: 1 });
  return reachedReport(without) ? { r: without, negativeBroke: true } : { r: full, negativeBroke: false };
}

/** The value the kernel's report shows for one call, e.g. result(r, 'getpid()'). */
function result(r: Run, call: string): string {
  const line = lineStartingWith(r.console, `  ${call} = `);
  if (line === null) throw new CheckFailure(`the kernel printed no result for ${call}: did the run get as far as the report?`);
  return line.slice(`  ${call} = `.length);
}

function expectResult(r: Run, call: string, want: string, why: string): void {
  const got = result(r, call);
  if (got !== want) throw new CheckFailure(`${call} returned ${got} to the user program, expected ${want}: ${why}`);
}

export default defineSuite({
  title: 'Exercise 01: system calls',
  checks: [
    {
      name: 'part 1: write() reaches the kernel and prints',
      points: 2,
      run(ctx) {
        const { r } = graded(ctx);
        if (!r.console.includes('hello from ring 3'))
          throw new CheckFailure('"hello from ring 3" never appeared: `syscall` does not call the function syscall_table holds for r0');
        expectResult(r, 'write(hello, 18)', '18', 'the result must go back in the saved r0 of the trapframe (TF_R0), not just in r0');
      },
    },
    {
      name: 'part 1: getpid() returns the pid',
      points: 1,
      run(ctx) {
        expectResult(graded(ctx).r, 'getpid()', '7', 'the kernel has one process and sys_getpid returns its pid, 7');
      },
    },
    {
      name: 'part 2: add() gets its arguments',
      points: 2,
      run(ctx) {
        expectResult(graded(ctx).r, 'add(40, 2)', '42', 'the arguments are the saved r1 and r2 of the trapframe, and sys_add returns their sum');
      },
    },
    {
      name: 'part 3: a number that names no call returns -1',
      points: 2,
      run(ctx) {
        const { r, negativeBroke } = graded(ctx);
        expectResult(r, 'syscall 99', '-1', 'numbers at or above NSYSCALL must be refused');
        const unsigned = 'a negative number is a huge unsigned one: compare unsigned (jae), or it indexes before the table';
        if (negativeBroke)
          throw new CheckFailure(`syscall -2 never returned to the user program (the kernel went astray; without that call it runs to the end): ${unsigned}`);
        expectResult(r, 'syscall -2', '-1', unsigned);
      },
    },
    {
      name: 'part 4: write() refuses a kernel address',
      points: 2,
      run(ctx) {
        const { r } = graded(ctx);
        if (r.console.includes('KSECRET!')) throw new CheckFailure('write() printed kernel memory ("KSECRET!") for the user program');
        expectResult(r, 'write(kernel address, 8)', '-1', 'check the buffer with user_range_ok before printing it');
      },
    },
    {
      name: "a system call keeps the caller's registers",
      points: 1,
      run(ctx) {
        expectResult(graded(ctx).r, 'r6..r9 kept (1 = yes)', '1', 'r6..r14 are callee-saved: push and pop any you use');
      },
    },
    {
      name: 'exit(42) powers off with status 42',
      points: 1,
      run(ctx) {
        expectPoweroff(graded(ctx).r, 42);
      },
    },
    {
      name: 'the whole transcript, natively and under trap and hw',
      points: 3,
      run(ctx) {
        for (const t of ['native', 'trap', 'hw'] as const) expectOutput(run(ctx, t), EXPECTED, `the console under ${t}`);
      },
    },
  ],
});
