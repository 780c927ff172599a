// The project lint: what it flags, and that the repository itself is clean.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lintFile } from '../../scripts/lint.js';

describe('lintFile', () => {
  it('wants a header comment on TypeScript and assembly files', () => {
    expect(lintFile('vmm/x.ts', 'import x from "y";\n')).toHaveLength(1);
    expect(lintFile('vmm/x.ts', '// x: what it is\nimport x from "y";\n')).toEqual([]);
    expect(lintFile('guest-kernels/k.s', 'start: hlt\n')).toHaveLength(1);
    expect(lintFile('guest-kernels/k.s', '; k.s - a kernel\nstart: hlt\n')).toEqual([]);
  });

  it('flags focused and skipped tests with their line', () => {
    const text = '// t\nit("a", () => {});\nit.only("b", () => {});\ndescribe.skip("c", () => {});\n';
    expect(lintFile('test/a.test.ts', text)).toEqual([
      'test/a.test.ts:3: no focused, skipped or to-do tests on main',
      'test/a.test.ts:4: no focused, skipped or to-do tests on main',
    ]);
  });
});

describe('the repository', () => {
  it('passes its own lint', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lint.ts'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
