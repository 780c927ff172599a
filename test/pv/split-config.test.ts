// `--devices split` belongs to paravirtual kernels: every other technique refuses it with a clear ConfigError.
import { describe, expect, it } from 'vitest';
import { assembleSource } from '../../assembler/index.js';
import { ConfigError, Hypervisor } from '../../vmm/hv/hypervisor.js';

const image = assembleSource('.text\n.entry s\ns: hlt\n', 'tiny.s').image!;

describe('--devices split', () => {
  for (const technique of ['emulate', 'trap', 'hw'] as const) {
    it(`is refused under ${technique}, naming --technique pv`, () => {
      expect(() => new Hypervisor([{ name: 'vm', image }], { technique, devices: 'split' })).toThrow(ConfigError);
      expect(() => new Hypervisor([{ name: 'vm', image }], { technique, devices: 'split' })).toThrow(/--technique pv/);
    });
  }
  it('names the VM-level choice too', () => {
    expect(() => new Hypervisor([{ name: 'vm', image, devices: 'split' }], { technique: 'hw' })).toThrow(/--devices split needs a paravirtual kernel .* under --technique pv/);
  });
});
