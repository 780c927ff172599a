// The pv technique: a kernel ported with the SDK makes hypercalls instead of privileged instructions.

import { PAGE_SIZE } from '../../../../isa/abi.js';
import type { TechniqueDescriptor } from '../descriptor.js';
import { PV_RESERVED_PAGES, PvRunner } from './runner.js';

export const pvTechnique: TechniqueDescriptor = {
  name: 'pv',
  summary: 'paravirtualization: a kernel built with the SDK makes hypercalls',
  memory: ['direct'],
  devices: ['split', 'emulated'],
  kernels: 'paravirtual',
  snapshots: true,
  accounting: { interpreted: false, physicalDevices: false, exits: 'host-trap' },
  exitNote:
    'under pv an "exit" is a hypercall instruction, a trap the VMM handles or an event it delivers; modeled cycles per exit = one host trap, per upcall = one event delivery (the work of the hypercalls themselves is charged apart)',
  checkKernel: (image, ramSize) => {
    const top = ramSize - PV_RESERVED_PAGES * PAGE_SIZE;
    const seg = image.segments.find((s) => s.addr + s.memSize > top);
    return seg
      ? `segment ${seg.name} ends at 0x${(seg.addr + seg.memSize).toString(16)}, in the ${PV_RESERVED_PAGES} pages the VMM reserves at the top of RAM (from 0x${top.toString(16)})`
      : null;
  },
  createRunner: (ctx) => new PvRunner(ctx.vm, ctx.host, ctx.region, ctx.devices, ctx.backends),
};
