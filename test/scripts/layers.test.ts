// The layering rules: a planted import against each one fails lint with the offending import; the tree obeys them.
import { describe, expect, it } from 'vitest';
import { layerProblems } from '../../scripts/layers.js';

describe('layering lint', () => {
  const planted: [string, string, RegExp][] = [
    ['vmm/machine/cpu.ts', "import { Hypervisor } from '../hv/hypervisor.js';", /the machine never imports the hypervisor/],
    ['vmm/machine/mmu.ts', "import type { Image } from '../../assembler/types.js';", /or the assembler/],
    ['vmm/machine/cpu.ts', "import { modelCycles } from '../cost/model.js';", /the cost model/],
    ['vmm/devices/nic.ts', "import { Cpu } from '../machine/cpu.js';", /devices see only the machine's I\/O interfaces/],
    ['vmm/cost/counts.ts', "import { technique } from '../hv/techniques/registry.js';", /never the hypervisor/],
    ['vmm/report/compare.ts', "import { runGuests } from '../session.js';", /never runs guests/],
    ['vmm/report/exits.ts', "import { Hypervisor } from '../hv/hypervisor.js';", /never runs guests/],
    ['assembler/pass1.ts', "import { Cpu } from '../vmm/machine/cpu.js';", /the assembler never imports vmm/],
    ['vmm/hv/vm.ts', "import { formatCrash } from '../report/crash.js';", /below the session, the reports/],
  ];
  for (const [file, line, why] of planted)
    it(`${file}: ${line}`, () => {
      const problems = layerProblems(file, `// a file\n${line}\n`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:2: imports `));
      expect(problems[0]).toMatch(why);
    });

  it('allows what the rules allow: devices on the I/O interfaces, reports on result types and the registry', () => {
    expect(layerProblems('vmm/devices/nic.ts', "import type { DmaPort } from '../machine/io.js';")).toEqual([]);
    expect(layerProblems('vmm/report/exits.ts', "import type { VmRunResult } from '../hv/hypervisor.js';")).toEqual([]);
    expect(layerProblems('vmm/report/exits.ts', "import { findTechnique } from '../hv/techniques/registry.js';")).toEqual([]);
    expect(layerProblems('vmm/hv/hypervisor.ts', "import { Cpu } from '../machine/cpu.js';")).toEqual([]);
  });
});
