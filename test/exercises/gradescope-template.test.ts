// The Gradescope autograder template: run_autograder grades a submission into results.json, and still writes one when vmlab cannot run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TEMPLATE = join(ROOT, 'exercises', 'gradescope');

/** A fake /autograder: source/ as make-autograder.sh packs it (exercise without its solution), and a submission. */
function autograderRoot(exercise: string): string {
  const root = mkdtempSync(join(tmpdir(), 'vmlab-gs-'));
  mkdirSync(join(root, 'source', 'exercises'), { recursive: true });
  cpSync(join(ROOT, 'exercises', exercise), join(root, 'source', 'exercises', exercise), {
    recursive: true,
    filter: (src) => !src.endsWith('/solution'),
  });
  writeFileSync(join(root, 'source', 'EXERCISE'), `${exercise}\n`);
  writeFileSync(join(root, 'source', 'package.json'), '{"type": "module"}\n');
  return root;
}

function runAutograder(root: string, vmlab: string): { code: number | null; results: { score: number; output?: string; tests: { name: string; status: string }[] } } {
  const r = spawnSync('bash', [join(TEMPLATE, 'run_autograder')], { env: { ...process.env, AUTOGRADER: root, VMLAB: vmlab }, encoding: 'utf8' });
  return { code: r.status, results: JSON.parse(readFileSync(join(root, 'results', 'results.json'), 'utf8')) };
}

describe('exercises/gradescope/run_autograder', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('grades a submission uploaded as a folder: the solution scores full marks', () => {
    const root = autograderRoot('01-syscall');
    roots.push(root);
    // Uploaded as a folder: the files land one level down.
    cpSync(join(ROOT, 'exercises', '01-syscall', 'solution'), join(root, 'submission', 'my-work'), { recursive: true });
    const { code, results } = runAutograder(root, `node ${join(ROOT, 'bin', 'vmlab.js')}`);
    expect(code).toBe(0);
    expect(results.score).toBe(14);
    expect(results.tests.every((t) => t.status === 'passed')).toBe(true);
  });

  it('writes a score-0 results.json with a message when vmlab itself cannot run', () => {
    const root = autograderRoot('01-syscall');
    roots.push(root);
    mkdirSync(join(root, 'submission'));
    const { code, results } = runAutograder(root, 'false');
    expect(code).toBe(0);
    expect(results.score).toBe(0);
    expect(results.output).toMatch(/The autograder itself failed \(vmlab exited with status 1\)/);
  });
});
