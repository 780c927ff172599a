// Generated files (SDK constants, ISA docs) must match their generators: run `npm run gen` after changing a source.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../../scripts/generated.js';

describe('generated files are current', () => {
  for (const g of GENERATED) {
    it(g.path, () => {
      expect(readFileSync(g.path, 'utf8'), `${g.path} is stale: run npm run gen`).toBe(g.generate());
    });
  }
});
