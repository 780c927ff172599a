// Names of the memory modes and device models a VM can run under (techniques are in techniques/registry.ts).

export const MEMORY_MODES = ['shadow', 'nested', 'direct'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

export const DEVICE_MODES = ['emulated', 'passthrough', 'split'] as const;
export type DeviceMode = (typeof DEVICE_MODES)[number];
