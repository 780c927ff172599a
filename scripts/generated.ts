// The list of generated files and their generators; `npm run gen` writes them and a test checks they are current.
import { generateAssemblerDoc } from '../assembler/docs.js';
import { generateDevicesDoc } from '../isa/device-docs.js';
import { generateIsaDoc } from '../isa/docs.js';
import { generateVx32Inc } from '../sdk/gen-inc.js';
import { generateFontMetrics } from './gen-font-metrics.js';
import { generateCostProfileSchema, generateCostProfileValidator } from './gen-schemas.js';

export interface GeneratedFile {
  readonly path: string;
  readonly generate: () => string;
}

export const GENERATED: GeneratedFile[] = [
  { path: 'sdk/include/vx32.inc', generate: generateVx32Inc },
  { path: 'docs/isa.md', generate: generateIsaDoc },
  { path: 'docs/assembler.md', generate: generateAssemblerDoc },
  { path: 'docs/devices.md', generate: generateDevicesDoc },
  { path: 'vmm/report/font-metrics.ts', generate: generateFontMetrics },
  { path: 'docs/schemas/cost-profile.schema.json', generate: generateCostProfileSchema },
  { path: 'vmm/cost/profile-validate.ts', generate: generateCostProfileValidator },
];
