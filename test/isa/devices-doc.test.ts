// docs/devices.md: every register of isa/abi.ts is described, and its example assembles.
import { describe, expect, it } from 'vitest';
import { assembleSource, formatDiagnostic } from '../../assembler/index.js';
import { BLK, NIC, PORT } from '../../isa/abi.js';
import { generateDevicesDoc } from '../../isa/device-docs.js';

describe('docs/devices.md', () => {
  const doc = generateDevicesDoc();

  it('lists every port and MMIO register with its number from abi.ts', () => {
    for (const [name, port] of Object.entries(PORT)) expect(doc).toContain(`| 0x${port.toString(16).padStart(3, '0')} | \`${name}\` |`);
    for (const regs of [BLK, NIC]) for (const [name, off] of Object.entries(regs)) expect(doc).toContain(`| 0x${off.toString(16).padStart(2, '0')} | \`${name}\` |`);
  });

  it('states the mask polarity of the interrupt controller and of the NIC, which differ', () => {
    expect(doc).toContain('bit n set = line n masked');
    expect(doc).toContain('bit set = enabled');
  });

  it('its code example assembles', () => {
    const blocks = [...doc.matchAll(/```\n([^]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      const r = assembleSource(b, 'example.s');
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d)), b).toEqual([]);
    }
  });
});
