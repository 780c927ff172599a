// A VM's guest-physical RAM as the VMM sees it: a bounds-checked window onto the VM's slice of host memory.

export class GuestPhysError extends Error {}

export class GuestPhys {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Host-physical address of guest-physical 0. */
  readonly base: number;
  readonly size: number;
  /** Told of every write the VMM makes through this window (a dirty log for migration watches them). */
  onWrite: ((gpa: number, len: number) => void) | null = null;

  constructor(host: ArrayBuffer, base: number, size: number) {
    this.base = base;
    this.size = size;
    this.bytes = new Uint8Array(host, base, size);
    this.view = new DataView(host, base, size);
  }

  contains(gpa: number, len = 1): boolean {
    return gpa >= 0 && len >= 0 && gpa + len <= this.size;
  }

  /** Host-physical address of a guest-physical RAM address, or -1 if it is not RAM. */
  toHost(gpa: number): number {
    return gpa >= 0 && gpa < this.size ? this.base + gpa : -1;
  }

  private check(gpa: number, len: number): void {
    if (!this.contains(gpa, len)) throw new GuestPhysError(`guest-physical 0x${(gpa >>> 0).toString(16)} is outside RAM`);
  }

  read(gpa: number, size: 1 | 2 | 4): number {
    this.check(gpa, size);
    return size === 4 ? this.view.getUint32(gpa, true) : size === 2 ? this.view.getUint16(gpa, true) : this.bytes[gpa]!;
  }

  write(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.check(gpa, size);
    this.onWrite?.(gpa, size);
    if (size === 4) this.view.setUint32(gpa, value >>> 0, true);
    else if (size === 2) this.view.setUint16(gpa, value & 0xffff, true);
    else this.bytes[gpa] = value & 0xff;
  }

  read32(gpa: number): number {
    return this.read(gpa, 4);
  }

  write32(gpa: number, value: number): void {
    this.write(gpa, 4, value);
  }

  /** A copy of [gpa, gpa + len), for DMA and snapshots. */
  slice(gpa: number, len: number): Uint8Array {
    this.check(gpa, len);
    return this.bytes.slice(gpa, gpa + len);
  }

  copyIn(gpa: number, src: Uint8Array): void {
    this.check(gpa, src.length);
    this.onWrite?.(gpa, src.length);
    this.bytes.set(src, gpa);
  }

  /** The whole RAM as a live view (for the VMM's interpreter and tests). */
  get raw(): Uint8Array {
    return this.bytes;
  }
}
