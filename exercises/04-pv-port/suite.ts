// Exercise 04's checks: the platform module ported to PV against the unmodified one (natively and under hw).
import { readFileSync } from 'node:fs';
import { boot, CheckFailure, defineSuite, expectOutput, expectPoweroff, outputMatches, type CheckContext, type Run } from 'vmlab/testing';

/** Generous for a kernel of about 20,000 instructions: a loop ends as `limit` in well under a second. */
const MAX_INSTRUCTIONS = 500_000;
const MIN_EXIT_RATIO = 10;
const MIN_HYPERCALL_KINDS = 6;

/** What to do about each privileged or sensitive instruction the port may still contain. */
const REPLACE: Readonly<Record<string, string>> = {
  cli: 'IRQ_SAVE/IRQ_RESTORE become EVT_MASK_SAVE/EVT_MASK_RESTORE (a store to the shared page)',
  sti: 'EVT_ENABLE (the upcall mask is a word in the shared-info page)',
  pushf: 'EVT_MASK_SAVE',
  popf: 'EVT_MASK_RESTORE (popf at ring 1 silently keeps IF)',
  hlt: 'HYPERCALL HC_SCHED_BLOCK',
  in: 'nothing: no ports under PV, and HC_CONSOLE_WRITE needs no polling',
  iret: 'PV_IRET',
  lidt: 'HYPERCALL HC_SET_TRAP_TABLE (table in r1, the upcall in r2)',
  sidt: 'nothing: the kernel knows its own table',
  rdcpl: 'nothing: a PV kernel knows it runs in ring 1',
  invlpg: 'HC_UPDATE_VA_MAPPING',
};

type PvRun = { ok: true; run: Run } | { ok: false; refusal: string };

/** The work's platform.s under pv (booted once), or the VMM's refusal to run it. */
function pv(ctx: CheckContext): PvRun {
  return ctx.memo('pv', (): PvRun => {
    try {
      return { ok: true, run: boot(ctx.exercise('kernel/main.s'), { technique: 'pv', includePaths: [ctx.workdir], maxInstructions: MAX_INSTRUCTIONS }) };
    } catch (e) {
      // The VMM refuses a kernel it cannot run (no .pv) with a ConfigError: the student's problem, not the suite's.
      if (e instanceof Error && e.constructor.name === 'ConfigError') return { ok: false, refusal: e.message };
      throw e;
    }
  });
}

/** The run under pv; a refusal fails the check with what to do first. */
function pvRun(ctx: CheckContext): Run {
  const r = pv(ctx);
  if (r.ok) return r.run;
  throw new CheckFailure(
    `--technique pv refused the kernel with your platform.s: "${r.refusal}". Start the port (step 1): put \`.pv\` and \`.include "hypercall.inc"\` at the top of platform.s`,
  );
}

/** The unmodified kernel (kernel/native/platform.s): natively, the transcript to match; under hw, the exits to beat. */
function reference(ctx: CheckContext, technique: 'native' | 'hw'): Run {
  return ctx.memo(`reference-${technique}`, () => {
    const r = boot(ctx.exercise('kernel/main.s'), {
      technique,
      ...(technique === 'hw' ? { devices: 'emulated' as const } : {}),
      includePaths: [ctx.exercise('kernel/native')],
      maxInstructions: MAX_INSTRUCTIONS,
    });
    if (r.status !== 'poweroff' || r.exitCode !== 0) throw new Error(`the unmodified kernel ended ${r.status} (exit ${r.exitCode}) under ${technique}`);
    return r;
  });
}

/** What replaces an `out` to each port. */
const OUT_TO: Readonly<Record<string, string>> = {
  PORT_UART_DATA: 'HC_CONSOLE_WRITE, once per message (r1 = buf, r2 = len), not per byte',
  PORT_PIC_MASK: 'HC_EVTCHN_BIND(EVT_BIND_VIRQ, VIRQ_TIMER): the tick becomes an event on a port',
  PORT_TIMER_PERIOD: 'HC_SET_TIMER(period, 1)',
  PORT_TIMER_CTRL: 'HC_SET_TIMER(period, 1)',
  PORT_PIC_CMD: 'nothing: there is no EOI; clearing the port\'s bit in SHINFO_EVT_PENDING acknowledges the event',
  PORT_POWEROFF: 'HC_SHUTDOWN(status)',
};

/** Lines of the work's platform.s that still hold a privileged or sensitive instruction, with what replaces it. */
function privilegedLines(ctx: CheckContext): string[] {
  let text: string;
  try {
    text = readFileSync(ctx.file('platform.s'), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const code = raw.replace(/;.*/, '').trim().replace(/^[.\w]+:\s*/, '');
    const m = /^([a-z]+)\b/.exec(code);
    if (!m) return;
    const op = m[1]!;
    const port = op === 'out' ? /^out\s+(\w+)/.exec(code)?.[1] : undefined;
    if (op === 'out') out.push(`platform.s:${i + 1}: \`${code}\` -> ${(port && OUT_TO[port]) ?? 'a hypercall'}`);
    else if (op in REPLACE) out.push(`platform.s:${i + 1}: \`${code}\` -> ${REPLACE[op]}`);
    else if (op === 'mov' && /\bcr\d/.test(code)) out.push(`platform.s:${i + 1}: \`${code}\` -> a hypercall (control registers are the VMM's)`);
  });
  return out;
}

/** The pv run, once it does the whole job (power-off 0, the native transcript): only then are its figures worth comparing. */
function completedPvRun(ctx: CheckContext, what: string): Run {
  const r = pvRun(ctx);
  const done = r.status === 'poweroff' && r.exitCode === 0 && outputMatches(r.console, reference(ctx, 'native').console);
  if (!done)
    throw new CheckFailure(`${what} is measured only on a run that does the whole job: under pv the kernel must first power off with status 0 and print the native transcript (the two checks above)`);
  return r;
}

function hypercallSummary(run: Run): string {
  const kinds = Object.entries(run.stats.hypercalls).sort((a, b) => b[1] - a[1]);
  return kinds.length === 0 ? 'no hypercalls' : kinds.map(([k, n]) => `${k} ${n}`).join(', ');
}

export default defineSuite({
  title: 'Exercise 04: port a kernel module to PV',
  checks: [
    {
      name: 'the unmodified kernel runs natively and under hw (worked example)',
      points: 0,
      run(ctx) {
        reference(ctx, 'native');
        reference(ctx, 'hw');
      },
    },
    {
      name: 'pv runs the port to power-off with status 0',
      points: 2,
      run(ctx) {
        const r = pvRun(ctx);
        try {
          expectPoweroff(r, 0);
        } catch (e) {
          if (!(e instanceof CheckFailure)) throw e;
          const last = r.console.trimEnd().split('\n').at(-1) ?? '';
          throw new CheckFailure(`${e.message}; its last console line: ${JSON.stringify(last)}. ${r.crash ? 'A privileged instruction left in platform.s faults at ring 1 and, with no trap table set, ends the run: see the next checks' : ''}`.trim());
        }
      },
    },
    {
      name: 'the same transcript under pv as the unmodified kernel natively',
      points: 3,
      run(ctx) {
        const r = pvRun(ctx);
        const native = reference(ctx, 'native');
        try {
          expectOutput(r, native.console, 'the console under pv');
        } catch (e) {
          if (!(e instanceof CheckFailure)) throw e;
          const ended = r.status === 'poweroff' ? '' : ` The run ended ${r.status}${r.crash ? ` (${r.crash.reason})` : ''}.`;
          throw new CheckFailure(`${e.message}.${ended}`, e.diff);
        }
      },
    },
    {
      name: 'no privileged or sensitive instruction executed under pv',
      points: 3,
      run(ctx) {
        const r = pvRun(ctx);
        const n = r.stats.privilegedExecuted;
        if (n === 0) {
          completedPvRun(ctx, 'zero privileged instructions');
          return;
        }
        const lines = privilegedLines(ctx);
        throw new CheckFailure(
          `the kernel executed ${n} privileged or sensitive instruction(s) under pv (stats.privilegedExecuted); expected 0.` +
            (lines.length > 0 ? ` Still in platform.s:\n${lines.join('\n')}` : ''),
        );
      },
    },
    {
      name: `at least ${MIN_EXIT_RATIO}x fewer exits under pv than the unmodified kernel under hw`,
      points: 3,
      run(ctx) {
        const r = completedPvRun(ctx, 'the exit count');
        const hw = reference(ctx, 'hw');
        const mine = r.stats.exitsTotal;
        const theirs = hw.stats.exitsTotal;
        if (mine * MIN_EXIT_RATIO <= theirs) return;
        const ratio = mine === 0 ? 'inf' : (theirs / mine).toFixed(1);
        throw new CheckFailure(
          `${mine} exits under pv against ${theirs} for the unmodified kernel under hw (emulated devices): ${ratio}x fewer, at least ${MIN_EXIT_RATIO}x needed. ` +
            `Yours: ${hypercallSummary(r)}; ${r.stats.upcalls} upcall(s). Most of hw's are the UART's two port accesses per byte: write a whole message with one HC_CONSOLE_WRITE`,
        );
      },
    },
    {
      name: `at least ${MIN_HYPERCALL_KINDS} kinds of hypercall`,
      points: 1,
      run(ctx) {
        const r = completedPvRun(ctx, 'the hypercall count');
        const kinds = Object.keys(r.stats.hypercalls).filter((k) => (r.stats.hypercalls[k] ?? 0) > 0);
        if (kinds.length >= MIN_HYPERCALL_KINDS) return;
        throw new CheckFailure(
          `${kinds.length} kind(s) of hypercall (${kinds.join(', ') || 'none'}); a full port needs at least ${MIN_HYPERCALL_KINDS}: every privileged job of the module asks the VMM ` +
            '(SET_TRAP_TABLE for lidt, EVTCHN_BIND and SET_TIMER for the timer ports, CONSOLE_WRITE for the UART, SCHED_BLOCK for hlt, IRET for iret, SHUTDOWN for power-off)',
        );
      },
    },
  ],
});
