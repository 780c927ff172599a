// Exercise 02's checks: each probe tells the truth natively, lies under trap, tells the truth where the
// instruction cannot escape the VMM (hw, bt); and the answers explain why.
import { readFileSync } from 'node:fs';
import { boot, CheckFailure, defineSuite, lineStartingWith, type Check, type CheckContext, type Run } from 'vmlab/testing';

type Insn = 'pushf' | 'popf' | 'rdcpl' | 'sidt';
type Technique = 'native' | 'trap' | 'hw' | 'bt';

/** Techniques under which every probe must match native. */
const BEHAVES: readonly Technique[] = ['hw', 'bt'];

interface Probe {
  readonly insn: Insn;
  /** The start of the probe's line, and the true (native) value after it. */
  readonly prefix: string;
  readonly truth: string;
  /** What the answer's `why` must mention: the state the instruction touches. */
  readonly state: RegExp;
  readonly stateHint: string;
}

const PROBES: readonly Probe[] = [
  { insn: 'pushf', prefix: 'pushf: IF after cli = ', truth: '0', state: /\bIF\b|interrupt flag|interrupts? (are |is )?(on|off|enabled|disabled)/i, stateHint: 'the interrupt flag (IF)' },
  { insn: 'popf', prefix: 'popf: tick delivered after popf with IF=1: ', truth: 'yes', state: /\bIF\b|interrupt flag|interrupt/i, stateHint: 'the interrupt flag (IF)' },
  { insn: 'rdcpl', prefix: 'rdcpl: CPL = ', truth: '0', state: /\bCPL\b|privilege level|ring/i, stateHint: 'the privilege level (CPL)' },
  { insn: 'sidt', prefix: 'sidt: reads back the base given to lidt: ', truth: 'yes', state: /IVTB|IDT|vector[- ]table|interrupt table/i, stateHint: 'the vector-table base' },
];

/** "does not trap" in the words students use. */
const NO_TRAP = /(not|never|n't|no|without) (a )?trap|unprivileged|non-?privileged|silent/i;

function run(ctx: CheckContext, technique: Technique, strict = false): Run {
  return ctx.memo(`${technique}${strict ? ' strict' : ''}`, () =>
    boot(ctx.exercise('kernel/main.s'), { technique, strict, includePaths: [ctx.workdir], maxInstructions: 1_000_000 }),
  );
}

/** The value on the probe's line, or null if the probe printed no such line. */
function value(r: Run, p: Probe): string | null {
  const line = lineStartingWith(r.console, p.prefix);
  return line === null ? null : line.slice(p.prefix.length);
}

function probeCheck(p: Probe): Check {
  return {
    name: `probe ${p.insn}: true natively, wrong under trap, right under ${BEHAVES.join(' and ')}`,
    points: 2,
    run(ctx) {
      const native = value(run(ctx, 'native'), p);
      if (native === null)
        throw new CheckFailure(`probe_${p.insn} printed no line starting "${p.prefix}" (it says: ${JSON.stringify(lineStartingWith(run(ctx, 'native').console, `${p.insn}:`))})`);
      if (native !== p.truth) throw new CheckFailure(`natively probe_${p.insn} says ${JSON.stringify(native)}; on bare metal the kernel must see ${JSON.stringify(p.truth)}`);
      const trap = run(ctx, 'trap');
      const underTrap = value(trap, p);
      if (underTrap === p.truth)
        throw new CheckFailure(`under trap probe_${p.insn} still says ${JSON.stringify(p.truth)}: the probe must make the hole visible (use ${p.insn} itself)`);
      if (!trap.divergences.some((d) => d.insn === p.insn))
        throw new CheckFailure(`under trap the line changed, but not because ${p.insn} misbehaved (the VMM saw no silent ${p.insn})`);
      for (const t of BEHAVES) {
        const v = value(run(ctx, t), p);
        if (v !== native) throw new CheckFailure(`under ${t} probe_${p.insn} says ${JSON.stringify(v)}, natively ${JSON.stringify(native)}`);
      }
    },
  };
}

function answers(ctx: CheckContext): Map<string, string> {
  return ctx.memo('answers', () => {
    let text: string;
    try {
      text = readFileSync(ctx.file('answers.txt'), 'utf8');
    } catch {
      throw new CheckFailure(`no answers.txt in ${ctx.workdir}`);
    }
    const m = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const k = /^\s*([a-z0-9]+\.[a-z]+)\s*:(.*)$/i.exec(line);
      if (k) m.set(k[1]!.toLowerCase(), k[2]!.trim());
    }
    return m;
  });
}

function answer(ctx: CheckContext, key: string): string {
  const a = answers(ctx).get(key) ?? '';
  if (a === '') throw new CheckFailure(`answers.txt: \`${key}:\` is empty`);
  return a;
}

/** The techniques (of trap and hw) under which this probe's line differs from native: what the answer must say. */
function observed(ctx: CheckContext, p: Probe): string {
  const native = value(run(ctx, 'native'), p);
  if (native === null) throw new CheckFailure(`write probe_${p.insn} first: the answer is checked against what your probe shows`);
  const bad = (['trap', 'hw'] as const).filter((t) => value(run(ctx, t), p) !== native);
  return bad.length === 2 ? 'both' : (bad[0] ?? 'none');
}

function answerCheck(p: Probe): Check {
  return {
    name: `answers: ${p.insn}`,
    points: 1,
    run(ctx) {
      const said = answer(ctx, `${p.insn}.misbehaves`).toLowerCase();
      const truth = observed(ctx, p);
      if (said !== truth) throw new CheckFailure(`${p.insn}.misbehaves says ${JSON.stringify(said)}, but your own probes show: ${truth} (run the kernel under each technique and compare)`);
      const why = answer(ctx, `${p.insn}.why`);
      if (!p.state.test(why)) throw new CheckFailure(`${p.insn}.why should name the state ${p.insn} touches: ${p.stateHint}`);
      if (!NO_TRAP.test(why)) throw new CheckFailure(`${p.insn}.why should say why the VMM never gets to fix it (what does ${p.insn} do at ring 1 that cli does not?)`);
    },
  };
}

export default defineSuite({
  title: 'Exercise 02: the virtualization holes',
  checks: [
    ...PROBES.map(probeCheck),
    ...PROBES.map(answerCheck),
    {
      name: 'answers: why hw gets it right',
      points: 1,
      run(ctx) {
        const why = answer(ctx, 'hw.why');
        if (!/non-?root|ring 0|own ring|real ring|VT|virtuali[sz]ation extension/i.test(why))
          throw new CheckFailure('hw.why should say where the kernel runs under hw (which ring, which mode) and why that makes the instructions honest');
      },
    },
    {
      name: 'answers: why bt gets it right',
      points: 1,
      run(ctx) {
        const why = answer(ctx, 'bt.why');
        if (!/translat|code cache|replace|rewrit|inline|virtual (IF|CPL|flag|state)/i.test(why))
          throw new CheckFailure(
            'bt.why should say what the translator does with these four instructions before they run (and what they then read or write instead)',
          );
      },
    },
    {
      name: 'answers: --strict',
      points: 1,
      run(ctx) {
        const said = answer(ctx, 'strict.fixes').toLowerCase();
        const strict = run(ctx, 'trap', true);
        const native = run(ctx, 'native');
        const fixes = PROBES.every((p) => value(strict, p) === value(native, p)) ? 'yes' : 'no';
        if (said !== fixes) throw new CheckFailure(`strict.fixes says ${JSON.stringify(said)}; try it: vmlab run exercises/02-virt-holes/kernel/main.s -I <your folder> -t trap --strict`);
      },
    },
  ],
});
