// Runs whose tasks interleave differently (a port running another number of instructions): told apart from real differences, and judged per task on request.
import { describe, expect, it } from 'vitest';
import { compareExitCode, identicalCell, judgePerTask, rowFromRun } from '../../vmm/report/compare.js';
import { interleavingNotes, renderTable } from '../../vmm/report/compare-format.js';
import { samePerTask, streamOf } from '../../vmm/report/interleaving.js';
import { EXIT_CODE } from '../../isa/abi.js';
import { fakeRun } from './fixtures.js';

const NATIVE = 'mini: booting\n== phase 1 ==\ntask 1: a\ntask 2: b\ntask 1: c\ntask 2: d\nmini: done\n';
const SWAPPED = 'mini: booting\n== phase 1 ==\ntask 2: b\ntask 1: a\ntask 2: d\ntask 1: c\nmini: done\n';
const WRONG = 'mini: booting\n== phase 1 ==\ntask 2: b\ntask 1: a\ntask 2: d\ntask 1: X\nmini: done\n';

function rows(pvConsole: string, pvInstructions = 1200) {
  const native = fakeRun({ console: NATIVE, instructions: 1000 });
  const pv = fakeRun({ technique: 'pv', console: pvConsole, instructions: pvInstructions });
  return [rowFromRun('mini', native, native), rowFromRun('mini', pv, native)];
}

describe('per-task output', () => {
  it('a line belongs to its `name N:` or `name:` prefix; phase marks and plain lines to no task', () => {
    expect(['task 12: x', 'mini: y', '== phase 1 ==', 'plain text', 'a: b: c'].map(streamOf)).toEqual(['task 12', 'mini', '', '', 'a']);
  });

  it('the same lines per task in another order are the same per task; a changed line is not', () => {
    expect(samePerTask(NATIVE, SWAPPED)).toBe(true);
    expect(samePerTask(NATIVE, WRONG)).toBe(false);
    expect(samePerTask(NATIVE, NATIVE.replace('== phase 1 ==\n', ''))).toBe(false);
  });

  it('a port whose tasks interleave differently: "same per task", why (the instruction counts), and how to judge per task', () => {
    const [, pv] = rows(SWAPPED);
    expect(pv!.identical).toBe(false);
    expect(pv!.samePerTask).toBe(true);
    expect(identicalCell(pv!)).toMatch(/^no: line 3: .*; same per task$/);
    const [note] = interleavingNotes(rows(SWAPPED));
    expect(note).toMatch(/^pv on mini: every task printed the same lines as natively, only interleaved differently: it ran 1,200 guest instructions against native's 1,000, and the timer counts guest instructions/);
    expect(note).toContain('`vmlab compare --per-task`');
    expect(renderTable(rows(SWAPPED), { profile: 'modern' })).toContain('same per task');
  });

  it('--per-task counts it as the same (exit 0), still says where the order differs; a real difference still fails', () => {
    expect(compareExitCode(rows(SWAPPED), false)).toBe(EXIT_CODE.DIVERGED);
    const judged = judgePerTask(rows(SWAPPED));
    expect(compareExitCode(judged, false)).toBe(EXIT_CODE.OK);
    expect(identicalCell(judged[1]!)).toMatch(/^yes per task \(interleaving differs from line 3: /);
    expect(interleavingNotes(judged)[0]).toMatch(/judged per task \(--per-task\)$/);
    const wrong = judgePerTask(rows(WRONG));
    expect(compareExitCode(wrong, false)).toBe(EXIT_CODE.DIVERGED);
    expect(interleavingNotes(wrong)[0]).toMatch(/not only the interleaving: per task the output differs too$/);
  });

  it('says nothing about interleaving when both ran the same number of instructions', () => {
    expect(interleavingNotes(rows(SWAPPED, 1000))).toEqual([]);
  });
});
