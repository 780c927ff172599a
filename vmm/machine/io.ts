// The interfaces between the CPU and the rest of the machine: the I/O bus and the interrupt controller.
// Devices never import the CPU; the CPU never imports a device. The machine wires them together.

/** What the CPU sees of port I/O and MMIO. Addresses are host-physical for MMIO. */
export interface IoBus {
  /** `in`: 32-bit read of a port. Unused ports read 0xffffffff. */
  portRead(port: number): number;
  /** `out`: 32-bit write to a port. Unused ports ignore writes. */
  portWrite(port: number, value: number): void;
  /** True if a device register covers [pa, pa + size). The CPU raises a bus error (#PF, P=1) otherwise. */
  claimsMmio(pa: number, size: number): boolean;
  mmioRead(pa: number, size: 1 | 2 | 4): number;
  mmioWrite(pa: number, size: 1 | 2 | 4, value: number): void;
}

/** The CPU's view of the interrupt controller. */
export interface InterruptSource {
  /**
   * The vector (32 + line) of the highest-priority deliverable interrupt, given the CPU's task
   * priority cr8, or -1 if none. Does not change state.
   */
  pendingVector(cr8: number): number;
  /** Mark that vector's line in service and clear its request. Called when the CPU delivers it. */
  acknowledge(vector: number): void;
}

/** An interrupt line handed to a device: the device raises it, never touching the controller itself. */
export interface IrqLine {
  raise(): void;
  lower(): void;
}

/** DMA as a device sees it: guest-physical addresses, checked (and possibly remapped) by the IOMMU. */
export interface DmaPort {
  /** Copy bytes from memory into `dst`. Returns false (and copies nothing) if any byte is fenced off. */
  read(addr: number, dst: Uint8Array): boolean;
  /** Copy `src` into memory. Returns false (and writes nothing) if any byte is fenced off. */
  write(addr: number, src: Uint8Array): boolean;
}
