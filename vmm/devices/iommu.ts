// The IOMMU: every device's DMA goes through a per-device domain that remaps and fences it.
//
// A domain is either `identity` (device address = host address, allowed only inside a fence
// [base, base + size), which is how native runs confine DMA to RAM) or `remap` (a table from
// device-visible page to host page, with a writable bit, as a passthrough device gets). A DMA
// that touches any byte it may not reach fails as a whole — nothing is copied or written — and
// counts as a fault. So a device can never write outside what its domain allows.
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from '../../isa/abi.js';
import type { DmaPort } from '../machine/io.js';
import { clonePlain } from './device.js';

export type DomainState = {
  mode: 'identity' | 'remap';
  fenceBase: number;
  fenceSize: number;
  /** Remap entries as [device page number, host page number, writable 0/1] triples, flattened. */
  pages: number[];
  faults: number;
  bytesRead: number;
  bytesWritten: number;
};

export class IommuError extends Error {}

export class IommuDomain implements DmaPort {
  /** device page number -> host page number << 1 | writable */
  private table = new Map<number, number>();
  state: DomainState;
  /** Where the last DMA of this domain was refused (for diagnostics), or -1. */
  lastFaultAddr = -1;
  /** Told of each host range a DMA write lands on (a binary translator drops translations of it). */
  writeHook: ((host: number, len: number) => void) | null = null;

  constructor(
    readonly name: string,
    private readonly mem: Uint8Array,
  ) {
    this.state = { mode: 'identity', fenceBase: 0, fenceSize: mem.length, pages: [], faults: 0, bytesRead: 0, bytesWritten: 0 };
  }

  /** Identity mapping, limited to [base, base + size) of host memory. */
  identity(base: number, size: number): void {
    if (base < 0 || size < 0 || base + size > this.mem.length)
      throw new IommuError(`${this.name}: fence ${base}+${size} lies outside host memory (${this.mem.length} bytes)`);
    this.state.mode = 'identity';
    this.state.fenceBase = base;
    this.state.fenceSize = size;
    this.table.clear();
    this.state.pages = [];
  }

  /** Switch to remapping with an empty table: until pages are mapped, every DMA faults. */
  remap(): void {
    this.state.mode = 'remap';
    this.table.clear();
    this.state.pages = [];
  }

  /** Map one device-visible page (by address) to a host page. */
  mapPage(deviceAddr: number, hostAddr: number, writable: boolean): void {
    if ((deviceAddr | hostAddr) & PAGE_MASK) throw new IommuError(`${this.name}: IOMMU mappings must be page-aligned`);
    if (hostAddr < 0 || hostAddr + PAGE_SIZE > this.mem.length)
      throw new IommuError(`${this.name}: host page 0x${hostAddr.toString(16)} lies outside host memory`);
    if (this.state.mode !== 'remap') this.remap();
    const dp = deviceAddr >>> PAGE_SHIFT;
    this.table.set(dp, ((hostAddr >>> PAGE_SHIFT) << 1) | (writable ? 1 : 0));
    this.syncPages();
  }

  /** Map [deviceAddr, deviceAddr + size) page by page onto [hostAddr, ...), as mapPage does for each. */
  mapRange(deviceAddr: number, hostAddr: number, size: number, writable: boolean): void {
    if ((deviceAddr | hostAddr | size) & PAGE_MASK) throw new IommuError(`${this.name}: IOMMU mappings must be page-aligned`);
    if (hostAddr < 0 || hostAddr + size > this.mem.length)
      throw new IommuError(`${this.name}: host range 0x${hostAddr.toString(16)}+${size} lies outside host memory`);
    if (this.state.mode !== 'remap') this.remap();
    for (let o = 0; o < size; o += PAGE_SIZE) this.table.set((deviceAddr + o) >>> PAGE_SHIFT, (((hostAddr + o) >>> PAGE_SHIFT) << 1) | (writable ? 1 : 0));
    this.syncPages();
  }

  unmapPage(deviceAddr: number): void {
    this.table.delete(deviceAddr >>> PAGE_SHIFT);
    this.syncPages();
  }

  read(addr: number, dst: Uint8Array): boolean {
    const chunks = this.translate(addr, dst.length, false);
    if (!chunks) return false;
    let o = 0;
    for (let i = 0; i < chunks.length; i += 2) {
      const host = chunks[i]!;
      const len = chunks[i + 1]!;
      dst.set(this.mem.subarray(host, host + len), o);
      o += len;
    }
    this.state.bytesRead += dst.length;
    return true;
  }

  write(addr: number, src: Uint8Array): boolean {
    const chunks = this.translate(addr, src.length, true);
    if (!chunks) return false;
    let o = 0;
    for (let i = 0; i < chunks.length; i += 2) {
      const host = chunks[i]!;
      const len = chunks[i + 1]!;
      this.mem.set(src.subarray(o, o + len), host);
      this.writeHook?.(host, len);
      o += len;
    }
    this.state.bytesWritten += src.length;
    return true;
  }

  /** Host [address, length] pairs covering the access, or null (and a fault) if any byte is refused. */
  private translate(addr: number, len: number, write: boolean): number[] | null {
    if (!Number.isInteger(addr) || addr < 0 || addr + len > 2 ** 32) return this.fault(addr);
    if (len === 0) return [];
    if (this.state.mode === 'identity') {
      const { fenceBase, fenceSize } = this.state;
      if (addr < fenceBase || addr + len > fenceBase + fenceSize) return this.fault(addr);
      return [addr, len];
    }
    const out: number[] = [];
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const e = this.table.get(a >>> PAGE_SHIFT);
      if (e === undefined || (write && (e & 1) === 0)) return this.fault(a);
      const n = Math.min(end - a, PAGE_SIZE - (a & PAGE_MASK));
      out.push((e >>> 1) * PAGE_SIZE + (a & PAGE_MASK), n);
      a += n;
    }
    return out;
  }

  private fault(addr: number): null {
    this.state.faults++;
    this.lastFaultAddr = addr;
    return null;
  }

  private syncPages(): void {
    const pages: number[] = [];
    for (const [dp, e] of this.table) pages.push(dp, e >>> 1, e & 1);
    this.state.pages = pages;
  }

  snapshot(): DomainState {
    return clonePlain(this.state);
  }

  restore(s: DomainState): void {
    this.state = clonePlain(s);
    this.table = new Map();
    for (let i = 0; i + 2 < this.state.pages.length; i += 3)
      this.table.set(this.state.pages[i]!, (this.state.pages[i + 1]! << 1) | this.state.pages[i + 2]!);
  }
}

/** The IOMMU: one domain per device, all over the same host memory. */
export class Iommu {
  private readonly domains = new Map<string, IommuDomain>();

  constructor(private readonly mem: Uint8Array) {}

  /** The domain of device `name`, created on first use as identity fenced to all of host memory. */
  domain(name: string): IommuDomain {
    let d = this.domains.get(name);
    if (!d) {
      d = new IommuDomain(name, this.mem);
      this.domains.set(name, d);
    }
    return d;
  }

  /** Refused DMAs across all domains. */
  get faults(): number {
    let n = 0;
    for (const d of this.domains.values()) n += d.state.faults;
    return n;
  }

  snapshot(): Record<string, DomainState> {
    const out: Record<string, DomainState> = {};
    for (const [name, d] of this.domains) out[name] = d.snapshot();
    return out;
  }

  restore(s: Record<string, DomainState>): void {
    for (const [name, ds] of Object.entries(s)) this.domain(name).restore(ds);
  }
}
