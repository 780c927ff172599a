// Packets queued on the wire before boot reach a PV guest through the split net back-end, as they reach an
// unmodified guest through the emulated NIC: the testing API's `packets` works under every device model.
import { describe, expect, it } from 'vitest';
import { BLK_SECTOR_SIZE } from '../../isa/abi.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { fixture, spec } from '../hv/helpers.js';

describe('queued packets under --devices split', () => {
  it('arrive through the RX ring once the front-end posts buffers, and never on the unused emulated NIC', () => {
    const image = fixture('pv/split-drivers.s');
    const queued = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) & 0xff);
    const hv = new Hypervisor(
      [spec('fe', image, { blockImage: new Uint8Array(64 * BLK_SECTOR_SIZE), stdin: 'ping\n', packets: [queued] })],
      { technique: 'pv', devices: 'split' },
    );
    const r = hv.run(5_000_000)[0]!;
    const vm = hv.vms[0]!;
    const results = image.symbols.find((s) => s.name === 'results')!.value;
    expect(r.status).toBe('poweroff');
    // results[11] is the length of the packet the kernel received.
    expect(vm.guest.read32(results + 44) | 0).toBe(queued.length);
    expect(hv.splitDevices[0]!.net.net).toMatchObject({ packetsRx: 1, rxDrops: 0 });
    expect(vm.platform.nic.state.packetsRx).toBe(0);
  });
});
