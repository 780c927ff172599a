// The I/O bus: maps port ranges and MMIO ranges to devices, rejects overlaps, and counts every access.
import type { IoBus } from '../machine/io.js';
import type { Device } from './device.js';

/** Mapping a range that overlaps an existing one, or a malformed range. */
export class BusError extends Error {}

interface Mapping {
  readonly name: string;
  readonly kind: 'port' | 'mmio';
  readonly base: number;
  readonly size: number;
  readonly device: Device;
}

/** Access counters, split by direction and address space, and per mapping name. */
export interface BusStats {
  portReads: number;
  portWrites: number;
  mmioReads: number;
  mmioWrites: number;
  /** Accesses to unmapped ports (reads give 0xffffffff, writes are dropped). */
  unmappedPortAccesses: number;
  byDevice: Record<string, number>;
}

const PORT_SPACE = 0x10000;
const NO_DEVICE = 0xffff;

export class Bus implements IoBus {
  private readonly mappings: Mapping[] = [];
  /** Port -> index into `mappings` (NO_DEVICE if unmapped): one typed-array load per `in`/`out`. */
  private readonly portIndex = new Uint16Array(PORT_SPACE).fill(NO_DEVICE);
  private readonly mmio: Mapping[] = [];
  readonly stats: BusStats = {
    portReads: 0,
    portWrites: 0,
    mmioReads: 0,
    mmioWrites: 0,
    unmappedPortAccesses: 0,
    byDevice: {},
  };
  /**
   * Called before every access to a mapped device with the mapping's name. The machine uses it to
   * bring time-dependent devices (the timer) up to date with the CPU before the guest looks at them.
   */
  beforeAccess: ((name: string) => void) | null = null;

  /** The counters, as plain data (the mappings are wiring, rebuilt by whoever built the bus). */
  saveStats(): BusStats {
    return { ...this.stats, byDevice: { ...this.stats.byDevice } };
  }

  restoreStats(s: BusStats): void {
    Object.assign(this.stats, s, { byDevice: { ...s.byDevice } });
  }

  mapPorts(base: number, count: number, device: Device, name = device.name): void {
    if (!Number.isInteger(base) || !Number.isInteger(count) || count <= 0 || base < 0 || base + count > PORT_SPACE)
      throw new BusError(`${name}: bad port range ${hex(base)}+${count} (ports are 0..0xffff)`);
    this.checkOverlap('port', base, count, name);
    const idx = this.add({ name, kind: 'port', base, size: count, device });
    this.portIndex.fill(idx, base, base + count);
  }

  mapMmio(base: number, size: number, device: Device, name = device.name): void {
    if (!Number.isInteger(base) || !Number.isInteger(size) || size <= 0 || base < 0 || base + size > 2 ** 32)
      throw new BusError(`${name}: bad MMIO range ${hex(base)}+${hex(size)}`);
    this.checkOverlap('mmio', base, size, name);
    const idx = this.add({ name, kind: 'mmio', base, size, device });
    this.mmio.push(this.mappings[idx]!);
  }

  /** The mappings, for `vmlab` diagnostics and tests. */
  map(): readonly { name: string; kind: 'port' | 'mmio'; base: number; size: number }[] {
    return this.mappings.map(({ name, kind, base, size }) => ({ name, kind, base, size }));
  }

  portRead(port: number): number {
    this.stats.portReads++;
    const idx = this.portIndex[port & 0xffff]!;
    if (idx === NO_DEVICE) {
      this.stats.unmappedPortAccesses++;
      return 0xffffffff;
    }
    const m = this.touch(this.mappings[idx]!);
    return m.device.read((port & 0xffff) - m.base, 4) >>> 0;
  }

  portWrite(port: number, value: number): void {
    this.stats.portWrites++;
    const idx = this.portIndex[port & 0xffff]!;
    if (idx === NO_DEVICE) {
      this.stats.unmappedPortAccesses++;
      return;
    }
    const m = this.touch(this.mappings[idx]!);
    m.device.write((port & 0xffff) - m.base, 4, value >>> 0);
  }

  claimsMmio(pa: number, size: number): boolean {
    return this.findMmio(pa, size) !== undefined;
  }

  mmioRead(pa: number, size: 1 | 2 | 4): number {
    this.stats.mmioReads++;
    const m = this.findMmio(pa, size);
    // The CPU asks claimsMmio first; an unclaimed access reaching here reads as an empty bus.
    if (!m) return 0xffffffff;
    this.touch(m);
    return m.device.read(pa - m.base, size) >>> 0;
  }

  mmioWrite(pa: number, size: 1 | 2 | 4, value: number): void {
    this.stats.mmioWrites++;
    const m = this.findMmio(pa, size);
    if (!m) return;
    this.touch(m);
    m.device.write(pa - m.base, size, value >>> 0);
  }

  private findMmio(pa: number, size: number): Mapping | undefined {
    for (const m of this.mmio) if (pa >= m.base && pa + size <= m.base + m.size) return m;
    return undefined;
  }

  private touch(m: Mapping): Mapping {
    this.stats.byDevice[m.name] = (this.stats.byDevice[m.name] ?? 0) + 1;
    if (this.beforeAccess) this.beforeAccess(m.name);
    return m;
  }

  private add(m: Mapping): number {
    this.mappings.push(m);
    return this.mappings.length - 1;
  }

  private checkOverlap(kind: 'port' | 'mmio', base: number, size: number, name: string): void {
    for (const m of this.mappings) {
      if (m.kind !== kind) continue;
      if (base < m.base + m.size && m.base < base + size) {
        const what = kind === 'port' ? 'ports' : 'MMIO';
        throw new BusError(
          `${name}: ${what} ${range(base, size)} overlap ${m.name} at ${range(m.base, m.size)}`,
        );
      }
    }
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function range(base: number, size: number): string {
  return `${hex(base)}..${hex(base + size - 1)}`;
}
