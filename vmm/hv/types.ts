// Names of the techniques, memory modes and device models a VM can run under, with their defaults.

export const TECHNIQUES = ['native', 'emulate', 'trap', 'bt', 'hw', 'pv'] as const;
export type Technique = (typeof TECHNIQUES)[number];

export const MEMORY_MODES = ['shadow', 'nested', 'direct'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

export const DEVICE_MODES = ['emulated', 'passthrough', 'split'] as const;
export type DeviceMode = (typeof DEVICE_MODES)[number];

/** What each technique means, for --help and reports. */
export const TECHNIQUE_HELP: Readonly<Record<Technique, string>> = {
  native: 'the kernel alone on the machine, in ring 0 (the baseline)',
  emulate: "software emulation: the VMM's interpreter runs every guest instruction",
  trap: 'trap-and-emulate: the kernel runs in ring 1; privileged instructions fault to the VMM',
  bt: 'binary translation of kernel code into a code cache',
  hw: 'hardware assistance: non-root mode under the virtualization extension',
  pv: 'paravirtualization: a kernel built with the SDK makes hypercalls',
};

/** The memory mode a technique uses when none is named. */
export function defaultMemory(t: Technique): MemoryMode {
  return t === 'hw' ? 'nested' : t === 'pv' ? 'direct' : 'shadow';
}

/** The device model a technique uses when none is named: a PV kernel drives split front-ends, the others real registers. */
export function defaultDevices(t: Technique): DeviceMode {
  return t === 'pv' ? 'split' : 'emulated';
}

/** Memory modes each technique supports. */
export const TECHNIQUE_MEMORY: Readonly<Record<Technique, readonly MemoryMode[]>> = {
  native: [],
  emulate: ['shadow'],
  trap: ['shadow'],
  bt: ['shadow'],
  hw: ['nested', 'shadow'],
  pv: ['direct'],
};
