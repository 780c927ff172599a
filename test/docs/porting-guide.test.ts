// The porting guide's PV start state is what the pv technique really sets up, and the guide never sends the reader into source files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMMAP, PAGE_SIZE, PV_START_MAGIC } from '../../isa/abi.js';
import { boot } from '../../testing/index.js';
import { PV_RESERVED_PAGES } from '../../vmm/hv/techniques/pv/runner.js';

const GUIDE = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'porting-guide.md'), 'utf8');

/** A PV kernel that records its start state: r1, sp, r2 (one of the "other registers"), the magic and the event mask. */
const PROBE = `.pv
.include "vx32.inc"
.include "hypercall.inc"
    st [seen], r1
    st [seen + 4], sp
    st [seen + 8], r2
    ld r3, [r1 + START_INFO_MAGIC]
    st [seen + 12], r3
    ld r3, [r1 + START_INFO_SHARED_INFO]
    ld r4, [r3 + SHINFO_UPCALL_MASK]       ; paging is on: this load goes through the boot map
    st [seen + 16], r4
    li r1, 0
    HYPERCALL HC_SHUTDOWN
.data
seen: .space 20`;

describe('docs/porting-guide.md', () => {
  it('states the start state once, and the pv technique sets up exactly that', () => {
    expect(GUIDE.match(/^## The PV start state$/gm)).toHaveLength(1);
    expect(GUIDE).toMatch(/\| paging \| \*\*on\*\*, over a boot map/);
    expect(GUIDE).toMatch(/\| sp \| the same address: the top of usable RAM/);
    expect(GUIDE).toMatch(/\| events \| \*\*masked\*\*/);
    const r = boot({ source: PROBE, name: 'probe.s' }, { technique: 'pv' });
    expect(r.status).toBe('poweroff');
    const startInfo = MEMMAP.DEFAULT_RAM - PV_RESERVED_PAGES * PAGE_SIZE;
    const at = r.symbol('seen');
    expect([0, 4, 8, 12, 16].map((o) => r.read32(at + o) >>> 0)).toEqual([startInfo, startInfo, 0, PV_START_MAGIC >>> 0, 1]);
  });

  it('says whether upcalls mask events, on which stack they run, what the system-call gate leaves, and whether the reserved pages may be mapped', () => {
    expect(GUIDE).toContain('**An upcall masks events.**');
    expect(GUIDE).toMatch(/pushed on the current kernel stack \(`sp`\) when the event interrupts\s+the kernel \(ring 1\), and on the `HC_STACK_SWITCH` stack \(`cr4`\)/);
    expect(GUIDE).toContain('**The system-call gate leaves events unmasked.**');
    expect(GUIDE).toMatch(/They are in the boot map, and the kernel may map them/);
  });

  it('sends the reader to documents, not into source files', () => {
    expect(GUIDE).not.toMatch(/\b(read|see|look at|open)\b[^.\n]{0,40}`[^`]+\.(ts|js)`/i);
    expect(GUIDE).not.toMatch(/`[^`]*test\/[^`]*\.test\.ts`/);
  });
});
