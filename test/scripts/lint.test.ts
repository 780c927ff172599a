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

describe('the ABI rules', () => {
  it('flags a restated ABI constant with its line and the name to import', () => {
    expect(lintFile('vmm/hv/x.ts', '// x\nconst SP = 15;\n')).toEqual(['vmm/hv/x.ts:2: SP restates SP from isa/abi.ts: import it']);
    expect(lintFile('vmm/x.ts', '// x\nexport const WINDOW_PAGE = 4096;\n')).toEqual([
      'vmm/x.ts:2: WINDOW_PAGE restates PAGE_SIZE from isa/abi.ts: import it',
    ]);
    expect(lintFile('test/x.test.ts', '// x\nconst RAM = 4 << 20;\n')).toHaveLength(1);
  });

  it('leaves alone isa/abi.ts itself, small ordinals and values no ABI name shares', () => {
    expect(lintFile('isa/abi.ts', '// x\nexport const SP = 15;\n')).toEqual([]);
    expect(lintFile('vmm/x.ts', '// x\nconst C_TRAP = 3;\nconst ROWS = 15;\nconst LINES = 4096;\n')).toEqual([]);
  });

  it('flags open-coded page-table indexing and trap-frame fields outside isa/', () => {
    const text = [
      '// x',
      'const i = va >>> 22;',
      'const j = (va >>> 12) & 0x3ff;',
      'const f = pte & 0xfffff000;',
      'mem.write32(base + FRAME.PC, pc);',
      '// a comment may say va >>> 22',
    ].join('\n');
    expect(lintFile('vmm/hv/x.ts', text).map((p) => p.replace(/: .*/, ''))).toEqual([
      'vmm/hv/x.ts:2',
      'vmm/hv/x.ts:3',
      'vmm/hv/x.ts:4',
      'vmm/hv/x.ts:5',
    ]);
    expect(lintFile('isa/paging.ts', text)).toEqual([]);
  });
});

describe('the repository', () => {
  it('passes its own lint', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lint.ts'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
