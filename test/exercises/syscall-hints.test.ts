// Exercise 01 on the mistakes its README warns about: a signed compare on the system-call number gets the promised hint, and only part 3 loses its points.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite, runSuite } from '../../testing/index.js';

const EX = join(import.meta.dirname, '..', '..', 'exercises', '01-syscall');

describe('exercise 01: a dispatcher that compares the call number signed', () => {
  const work = mkdtempSync(join(tmpdir(), 'vmlab-01-signed-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gets the hint the README promises for part 3, and keeps the points of every other call', async () => {
    cpSync(join(EX, 'solution'), work, { recursive: true });
    const src = readFileSync(join(work, 'syscall.s'), 'utf8');
    expect(src).toMatch(/\bjae \.Lbad\b/);
    writeFileSync(join(work, 'syscall.s'), src.replace(/\bjae \.Lbad\b/, 'jge .Lbad'));
    const r = await runSuite(await loadSuite(EX), { exerciseDir: EX, workdir: work });
    const failed = r.checks.filter((c) => !c.passed);
    expect(failed.map((c) => c.name)).toEqual(['part 3: a number that names no call returns -1', 'the whole transcript, natively and under trap and hw']);
    const hint = failed[0]!.message;
    expect(hint).toContain('compare unsigned (jae)');
    expect(readFileSync(join(EX, 'README.md'), 'utf8')).toContain(`    ${hint}\n`);
  });
});
