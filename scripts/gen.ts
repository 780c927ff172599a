// `npm run gen`: regenerates every generated file (SDK .inc constants, docs/isa.md) from its single source.
import { writeFileSync } from 'node:fs';
import { GENERATED } from './generated.js';

for (const g of GENERATED) {
  writeFileSync(g.path, g.generate());
  console.log(`wrote ${g.path}`);
}
