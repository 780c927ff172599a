// The exit-code table: every vmlab condition has a code no guest power-off status can produce, and none repeats.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE, guestExitCode } from '../../isa/abi.js';

const ROOT = join(import.meta.dirname, '..', '..');
const { OK, GUEST_STATUS_MAX, ...conditions } = EXIT_CODE;

/** Statuses a guest can write: every small one, the edges of a byte and of 32 bits, and negatives (read unsigned). */
const STATUSES = [
  ...Array.from({ length: 1025 }, (_, i) => i),
  0xff, 0x100, 0x101, 0x1ff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, -1, -2, -101, -256,
];

describe('exit codes', () => {
  it('vmlab conditions are 64 and up, one code each', () => {
    const codes = Object.values(conditions);
    for (const c of codes) expect(c).toBeGreaterThanOrEqual(64);
    expect(new Set(codes).size).toBe(codes.length);
    expect(OK).toBe(0);
  });

  it('no guest status maps to a vmlab condition, and none above 255 wraps', () => {
    const vmlab = new Set<number>(Object.values(conditions));
    for (const s of STATUSES) {
      const c = guestExitCode(s);
      expect(vmlab.has(c), `status ${s} -> ${c}`).toBe(false);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(GUEST_STATUS_MAX);
      // The status itself while it fits below the cap; every larger one (256 included) is the cap, never a wrap to 0.
      expect(c).toBe(s >= 0 && s < GUEST_STATUS_MAX ? s : GUEST_STATUS_MAX);
    }
  });

  it("the README's table and `vmlab --help` list every condition's code", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const help = readFileSync(join(ROOT, 'cli', 'main.ts'), 'utf8');
    for (const [name, code] of Object.entries(conditions)) {
      expect(readme, name).toMatch(new RegExp(`^\\| ${code} \\| `, 'm'));
      expect(help, name).toMatch(new RegExp(`\\b${code}\\s{2,}\\S`));
    }
  });
});
