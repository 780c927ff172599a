// The hw technique: hardware assistance, the guest in non-root mode under a control block.

import type { TechniqueDescriptor } from '../descriptor.js';
import { HwRunner } from './runner.js';

export const hwTechnique: TechniqueDescriptor = {
  name: 'hw',
  summary: 'hardware assistance: non-root mode under the virtualization extension',
  memory: ['nested', 'shadow'],
  devices: ['emulated', 'passthrough'],
  kernels: 'unmodified',
  snapshots: true,
  accounting: { interpreted: false, physicalDevices: false, exits: 'hardware' },
  exitNote: 'modeled cycles per exit = the exit round trip plus the handling for its reason',
  // The memory mode is what distinguishes first-generation VT-x from one with a second stage.
  label: (memory) => (memory ? `hw/${memory}` : 'hw'),
  createRunner: (ctx) =>
    new HwRunner(ctx.vm, ctx.host, ctx.region, ctx.memory === 'shadow' ? 'shadow' : 'nested', ctx.passthrough, ctx.options.shadowSync),
};
