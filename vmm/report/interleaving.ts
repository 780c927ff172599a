// Per-task output: a console transcript split into its tasks' lines, to compare runs whose tasks interleave differently.
//
// The timer counts guest instructions, so a kernel that runs more or fewer instructions than
// another (a paravirtual port, against the kernel it was ported from) takes its ticks, and the task
// switches they cause, at other points of each task's work: the tasks' lines can come out in
// another order although each task printed the same thing. Comparing per task ignores that order.

/** The task a line belongs to: its `name N:` or `name:` prefix (`task 2:`, `mini:`), or '' for unprefixed lines. */
export function streamOf(line: string): string {
  const m = /^([A-Za-z][\w-]{0,23}(?: \d{1,6})?):\s/.exec(line);
  return m ? m[1]! : '';
}

/** Each task's lines in the order it printed them. */
export function streams(console: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of console.split('\n')) {
    const s = streamOf(line);
    const list = out.get(s);
    if (list) list.push(line);
    else out.set(s, [line]);
  }
  return out;
}

/**
 * Whether two transcripts hold the same lines for every task (and the same unprefixed lines, such as
 * phase marks, in the same order), whatever the interleaving between tasks.
 */
export function samePerTask(expected: string, actual: string): boolean {
  const a = streams(expected);
  const b = streams(actual);
  if (a.size !== b.size) return false;
  for (const [k, lines] of a) {
    const other = b.get(k);
    if (!other || other.length !== lines.length || other.some((l, i) => l !== lines[i])) return false;
  }
  return true;
}
