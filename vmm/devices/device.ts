// The contract every device model follows: register access by offset, and state as a plain JSON-able object.
//
// A device sees only `read(offset, size)` / `write(offset, size, value)` with `offset` relative to
// its own base on the bus; it raises interrupts through an injected IrqLine and moves data through
// an injected DmaPort. It never imports the CPU. Everything a snapshot needs lives in `state`.

/** A JSON-able value: what device state may contain, so snapshots are `JSON.stringify` away. */
export type Plain = number | string | boolean | null | Plain[] | { [key: string]: Plain };

export interface Device<S extends Plain = Plain> {
  /** Short name used in bus maps, stats and errors (e.g. "uart", "nic"). */
  readonly name: string;
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
  /** Live state; treat as read-only from outside the device. */
  readonly state: S;
  /** A deep copy of `state`. */
  snapshot(): S;
  /** Replace the state with a deep copy of `s` (a value from `snapshot()`, possibly via JSON). */
  restore(s: S): void;
}

/** Deep copy of plain state: the one way devices copy state in and out. */
export function clonePlain<S extends Plain>(s: S): S {
  return structuredClone(s);
}

/**
 * MMIO registers are 32-bit at 4-byte-aligned offsets. A narrower read returns the addressed byte
 * lanes of the containing register (so a guest reading a byte still sees the right bits); a
 * narrower or misaligned write is ignored, because merging into a register with side effects
 * (doorbells, read-to-clear) would invent accesses the guest never made.
 */
export function laneRead(reg: number, offset: number, size: number): number {
  if (size >= 4 && (offset & 3) === 0) return reg >>> 0;
  const shift = (offset & 3) * 8;
  const mask = size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  return ((reg >>> shift) & mask) >>> 0;
}

/** Whether an access is a whole aligned 32-bit register write. */
export function isWordAccess(offset: number, size: number): boolean {
  return size === 4 && (offset & 3) === 0;
}
