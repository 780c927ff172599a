// What RAM sizes a VX32 machine accepts: whole pages, at most MEMMAP.MAX_RAM.

import { MEMMAP, PAGE_SIZE } from '../../isa/abi.js';

/** A machine option out of range (the CLI reports it as a usage error). */
export class MachineConfigError extends Error {}

/** Why `bytes` cannot be a machine's RAM, or null if it can. */
export function ramSizeError(bytes: number): string | null {
  return Number.isInteger(bytes) && bytes >= PAGE_SIZE && bytes % PAGE_SIZE === 0 && bytes <= MEMMAP.MAX_RAM
    ? null
    : `RAM size ${bytes} must be a multiple of ${PAGE_SIZE} bytes between ${PAGE_SIZE} and ${MEMMAP.MAX_RAM}`;
}
