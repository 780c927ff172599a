// Device passthrough under hw: the NIC's registers reach the device with no exit, its DMA is fenced to
// the owner's RAM by the IOMMU, and a second VM cannot have it.
import { describe, expect, it } from 'vitest';
import { assembleSource } from '../../assembler/index.js';
import type { Image } from '../../assembler/types.js';
import { ConfigError, Hypervisor } from '../../vmm/hv/hypervisor.js';

function image(src: string, name: string): Image {
  const r = assembleSource(src, name);
  if (!r.image) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return r.image;
}

// Descriptor 0 points DMA past the VM's 4 MiB of RAM; descriptor 1 is a good 5-byte packet.
const SENDER = image(
  `.include "vx32.inc"
.text
start:
    li r1, MEM_NIC_MMIO
    li r2, 1
    st [r1 + NIC_CTRL], r2
    li r2, txring
    st [r1 + NIC_TDBA], r2
    li r2, 4
    st [r1 + NIC_TDLEN], r2
    li r3, txring
    li r2, 0x00800000
    st [r3], r2
    li r2, 16
    sth [r3 + 4], r2
    li r2, NIC_DESC_CMD_EOP
    stb [r3 + 6], r2
    li r2, buf
    st [r3 + 16], r2
    li r2, 5
    sth [r3 + 20], r2
    li r2, NIC_DESC_CMD_EOP
    stb [r3 + 22], r2
    li r2, 2
    st [r1 + NIC_TDT], r2
    li r2, 0
    out PORT_POWEROFF, r2
.data
txring: .space 64
buf: .ascii "hello"
`,
  'sender.s',
);

const BYSTANDER = image(
  `.include "vx32.inc"
.text
start:
    li r1, 'o'
    out PORT_UART_DATA, r1
    li r1, 'k'
    out PORT_UART_DATA, r1
    li r2, 0
    out PORT_POWEROFF, r2
`,
  'bystander.s',
);

function vmRam(hv: Hypervisor, i: number): Uint8Array {
  const g = hv.vms[i]!.guest;
  return new Uint8Array(hv.host.memory, g.base, g.size).slice();
}

describe('NIC passthrough', () => {
  it('sends without exits for NIC registers, and the IOMMU refuses DMA outside the VM', () => {
    const hv = new Hypervisor(
      [
        { name: 'sender', image: SENDER, devices: 'passthrough' },
        { name: 'bystander', image: BYSTANDER, devices: 'emulated' },
      ],
      { technique: 'hw' },
    );
    const [sender, bystander] = hv.run(1e6);
    expect(sender!.status).toBe('poweroff');
    // The bad descriptor's DMA was refused whole; the good packet went out.
    expect(hv.vms[0]!.platform.wire.sent.map((p) => new TextDecoder().decode(p))).toEqual(['hello']);
    expect(sender!.stats.devices.nic.dmaErrors).toBe(1);
    expect(hv.host.iommu.faults).toBeGreaterThan(0);
    // NIC registers never exited: the only EPT violations would be MMIO, and the NIC is mapped in.
    expect(sender!.stats.exits['EPT_VIOLATION'] ?? 0).toBe(0);
    // CTRL, TDBA, TDLEN and the TDT doorbell: four register writes, none of them an exit.
    expect(sender!.stats.passthroughAccesses).toBe(4);
    expect(bystander!.console).toBe('ok');

    // The bystander's RAM is byte-identical to a run where it is alone.
    const solo = new Hypervisor([{ name: 'bystander', image: BYSTANDER }], { technique: 'hw' });
    solo.run(1e6);
    // (Buffer.equals: a deep toEqual over 4 MiB would take minutes.)
    expect(Buffer.from(vmRam(hv, 1)).equals(Buffer.from(vmRam(solo, 0)))).toBe(true);
  });

  it('refuses a second VM that asks for the same NIC', () => {
    expect(
      () =>
        new Hypervisor(
          [
            { name: 'a', image: BYSTANDER, devices: 'passthrough' },
            { name: 'b', image: BYSTANDER, devices: 'passthrough' },
          ],
          { technique: 'hw' },
        ),
    ).toThrow(new ConfigError('b asks for the NIC, but it is already passed through to a: a passed-through device belongs to one VM'));
  });

  it('needs the extension', () => {
    expect(() => new Hypervisor([{ name: 'a', image: BYSTANDER, devices: 'passthrough' }], { technique: 'trap' })).toThrow(
      /needs hardware assistance/,
    );
  });
});
