// One fuzz seed: draw its kernel (fast-check, from the seed), compare it under every technique with native and,
// on a divergence, shrink the kernel while the same technique still diverges the same way.
import fc from 'fast-check';
import { kernelArb, without, type Kernel, type Segment } from './generate.js';
import { check, counts, TECHNIQUES, type Difference, type Technique, type Verdict } from './run.js';

export interface ShrinkOptions {
  /** Shrink toward this difference (a `label kind` key), else toward the seed's first counted one. */
  readonly target?: (d: Difference) => boolean;
  /** Give up shrinking after this long (the best kernel so far is kept). */
  readonly ms: number;
}

export interface SeedResult {
  readonly seed: number;
  readonly kernel: Kernel;
  readonly verdict: Verdict;
  /** The shrunk kernel and its verdict under every technique, when asked for and there was a divergence. */
  readonly shrunk?: { readonly kernel: Kernel; readonly verdict: Verdict; readonly steps: number };
  /** Runs made, shrinking included. */
  readonly runs: number;
}

/** `label kind`: one technique's kind of difference. */
export const keyOf = (d: Difference) => `${d.label} ${d.kind}`;

/**
 * What the fuzzer groups divergences by: a kind of difference and the techniques that show it (`console under
 * trap --strict, bt, hw/shadow`), since the same symptom under another set of techniques is usually another bug.
 */
export function patternsOf(v: Verdict): Map<string, Difference[]> {
  const byKind = new Map<string, Difference[]>();
  for (const d of v.differences.filter(counts)) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
  return new Map([...byKind].map(([kind, ds]) => [`${kind} under ${ds.map((d) => d.label).join(', ')}`, ds]));
}

/** Check one seed's kernel; shrink it when `shrink` is given and a technique diverged without saying so. */
export function fuzzSeed(
  seed: number,
  techniques: readonly Technique[] = TECHNIQUES,
  shrink?: ShrinkOptions | ((v: Verdict) => ShrinkOptions | undefined),
  off: ReadonlySet<string> = new Set(),
): SeedResult {
  let first: { kernel: Kernel; verdict: Verdict } | null = null;
  let goal: { target: Technique; key: string; kind: string; others: readonly Technique[]; alike: ReadonlySet<string> } | null = null;
  let deadline = 0;
  let runs = 0;
  let steps = 0;
  const property = fc.property(kernelArb.map((k) => without(k, off)), (k) => {
    if (first === null) {
      const verdict = check(k, techniques);
      runs += verdict.runs;
      first = { kernel: k, verdict };
      const opts = typeof shrink === 'function' ? shrink(verdict) : shrink;
      const counted = verdict.differences.filter(counts);
      const aim = counted.find((d) => opts?.target?.(d) ?? true);
      if (!opts || !aim) return true;
      // Shrink for the same difference under the same technique, and keep which other techniques show that kind
      // of difference and which do not, so that shrinking does not drift to another class with the same symptom.
      goal = {
        target: techniques.find((t) => t.name === aim.technique)!,
        key: keyOf(aim),
        kind: aim.kind,
        others: techniques.filter((t) => t.name !== aim.technique),
        alike: alikeIn(verdict, aim.kind),
      };
      deadline = performance.now() + opts.ms;
      return false;
    }
    return !stillFails(k);
  });
  const stillFails = (k: Kernel): boolean => {
    if (!goal || performance.now() > deadline) return false;
    steps++;
    // The target technique alone first: most candidates lose the difference there, and that is one run.
    const v = check(k, [goal.target]);
    runs += v.runs;
    if (!(v.legal && v.differences.some((d) => counts(d) && keyOf(d) === goal!.key))) return false;
    const rest = check(k, goal.others);
    runs += rest.runs;
    const alike = alikeIn(rest, goal.kind);
    return goal.others.every((t) => alike.has(t.name) === goal!.alike.has(t.name));
  };
  const details = fc.check(property, { seed, numRuns: 1 });
  const start = first as { kernel: Kernel; verdict: Verdict } | null;
  if (!start) throw new Error(`seed ${seed}: fast-check drew no kernel`);
  if (!details.failed || !goal) return { seed, kernel: start.kernel, verdict: start.verdict, runs };
  const kernel = prune(details.counterexample![0], stillFails);
  const verdict = check(kernel, techniques);
  runs += verdict.runs;
  return { seed, kernel: start.kernel, verdict: start.verdict, shrunk: { kernel, verdict, steps }, runs };
}

/** The techniques whose (counted) difference in a verdict is of this kind. */
function alikeIn(v: Verdict, kind: string): Set<string> {
  return new Set(v.differences.filter((d) => counts(d) && d.kind === kind).map((d) => d.technique));
}

/** Smaller kernels than `k`, one step each: a kernel-wide feature off, a segment or an op removed, ring 3 made ring 0. */
function* simpler(k: Kernel): Generator<Kernel> {
  if (k.timer !== null) yield { ...k, timer: null };
  if (k.paging) yield { ...k, paging: false };
  if (k.strict) yield { ...k, strict: false };
  if (k.userIf) yield { ...k, userIf: false };
  const segs = k.segments;
  for (let i = 0; i < segs.length; i++) if (segs.length > 1) yield { ...k, segments: segs.filter((_, j) => j !== i) };
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const put = (seg: Segment) => ({ ...k, segments: segs.map((x, j) => (j === i ? seg : x)) });
    for (let j = 0; j < s.ops.length; j++) if (s.ops.length > 1) yield put({ ring: s.ring, ops: s.ops.filter((_, n) => n !== j) });
    if (s.ring === 3 && s.ops.every((o) => o.k !== 'priv' && o.k !== 'syscall')) yield put({ ring: 0, ops: s.ops });
  }
}

/**
 * Greedy pruning after fast-check's shrinking (which keeps an array's tail): take any simpler kernel that still
 * fails. A divergence that hangs on when a tick falls due (a lost interrupt) survives no removal at the same
 * timer period, so when plain pruning leaves more than a few ops, candidates are retried at every short period.
 */
function prune(k: Kernel, fails: (k: Kernel) => boolean): Kernel {
  const pass = (start: Kernel, retime: boolean): Kernel => {
    let cur = start;
    for (let progress = true; progress; ) {
      progress = false;
      for (const c of simpler(cur)) {
        const found = [c, ...(retime && c.timer !== null ? RETIME.filter((p) => p !== c.timer).map((p) => ({ ...c, timer: p })) : [])].find(fails);
        if (found) {
          cur = found;
          progress = true;
          break;
        }
      }
    }
    return cur;
  };
  const plain = pass(k, false);
  return plain.timer !== null && opCount(plain) > 3 ? pass(plain, true) : plain;
}

/** The periods a timing-bound divergence is looked for at while pruning. */
const RETIME = Array.from({ length: 121 }, (_, i) => 40 + i);
const opCount = (k: Kernel) => k.segments.reduce((n, s) => n + s.ops.length, 0);
