// The host machine a hypervisor runs on: host-physical memory carved into per-VM regions, and one physical CPU.
//
// Each VM's region holds a page pool for the VMM's tables of that VM (shadow or second-stage) and then
// the VM's RAM. Regions never overlap, and no guest mapping ever reaches outside its own RAM: that is
// the whole of isolation, and the tests check it byte for byte.

import { IRQ, MEMMAP, PAGE_SIZE } from '../../isa/abi.js';
import { Bus } from '../devices/bus.js';
import { Iommu } from '../devices/iommu.js';
import { Loopback, Nic, type LoopbackState } from '../devices/nic.js';
import type { BusStats } from '../devices/bus.js';
import { Pic } from '../devices/pic.js';
import { Cpu } from '../machine/cpu.js';
import { GuestPhys } from './memory/guest-phys.js';
import { PagePool } from './memory/page-pool.js';
import { VM_LIMITS } from '../limits.js';

/**
 * Pages the VMM reserves per VM for its tables (VM_LIMITS.VM_POOL_PAGES): a second stage of 64 MiB needs 17,
 * a shadow at most 1025 (it flushes and refills when the pool runs dry), the bt code cache what it is given.
 */
export const VM_POOL_BYTES = VM_LIMITS.VM_POOL_PAGES * PAGE_SIZE;

export interface VmRegion {
  readonly pool: PagePool;
  readonly guest: GuestPhys;
}

export class Host {
  readonly memory: ArrayBuffer;
  readonly words: Uint32Array;
  /** The physical bus: only devices passed through to a VM live here. */
  readonly bus = new Bus();
  readonly pic = new Pic();
  readonly cpu: Cpu;
  /**
   * Strict VX32 (the sensitive-unprivileged instructions raise #GP at CPL > 0) is a property of the
   * machine, fixed when it is built: every technique's guest sees it, and no technique changes it.
   */
  readonly strict: boolean;
  /** Fences every passed-through device's DMA to its VM's RAM. */
  readonly iommu: Iommu;
  private next = 0;
  private nicOwner: string | null = null;
  private passthrough: { nic: Nic; wire: Loopback } | null = null;

  /** `ramSizes`: the RAM of each VM to be placed, in order. */
  constructor(ramSizes: readonly number[], opts: { strict?: boolean } = {}) {
    const total = ramSizes.reduce((a, r) => a + VM_POOL_BYTES + r, 0);
    this.memory = new ArrayBuffer(Math.max(PAGE_SIZE, total));
    this.words = new Uint32Array(this.memory);
    this.strict = opts.strict ?? false;
    this.cpu = new Cpu(this.memory, this.bus, this.pic, { strict: this.strict });
    this.iommu = new Iommu(new Uint8Array(this.memory));
  }

  /**
   * Give the physical NIC to one VM: its registers sit on the host bus (the VM's second stage maps
   * them straight in) and its DMA is remapped page by page onto that VM's RAM, and nowhere else.
   * Returns null if another VM already has it.
   */
  passThroughNic(owner: string, region: VmRegion): { nic: Nic; wire: Loopback } | { takenBy: string } {
    if (this.nicOwner !== null) return { takenBy: this.nicOwner };
    this.nicOwner = owner;
    const dma = this.iommu.domain('nic');
    dma.remap();
    const g = region.guest;
    for (let gpa = 0; gpa < g.size; gpa += PAGE_SIZE) dma.mapPage(gpa, g.base + gpa, true);
    const nic = new Nic(dma, this.pic.line(IRQ.NIC));
    this.bus.mapMmio(MEMMAP.NIC_MMIO, MEMMAP.MMIO_SIZE, nic, 'nic');
    this.passthrough = { nic, wire: new Loopback(nic) };
    return this.passthrough;
  }

  /** The physical devices' state (a passed-through NIC, the host's controller and IOMMU, the bus counters). */
  save(): HostState {
    return {
      pic: this.pic.snapshot(),
      iommu: this.iommu.snapshot(),
      bus: this.bus.saveStats(),
      nic: this.passthrough ? { state: this.passthrough.nic.snapshot(), wire: this.passthrough.wire.save() } : null,
    };
  }

  restore(s: HostState): void {
    this.pic.restore(s.pic);
    this.iommu.restore(s.iommu);
    this.bus.restoreStats(s.bus);
    if (this.passthrough && s.nic) {
      this.passthrough.nic.restore(s.nic.state);
      this.passthrough.wire.restore(s.nic.wire);
    }
  }

  /** Carve the next VM's region. */
  allocate(ramSize: number): VmRegion {
    const poolBase = this.next;
    const ramBase = poolBase + VM_POOL_BYTES;
    if (ramBase + ramSize > this.memory.byteLength) throw new Error('host memory exhausted');
    this.next = ramBase + ramSize;
    return {
      pool: new PagePool(this.words, poolBase, VM_POOL_BYTES),
      guest: new GuestPhys(this.memory, ramBase, ramSize),
    };
  }
}

/** The host's saved state (Host.save). */
export interface HostState {
  pic: ReturnType<Pic['snapshot']>;
  iommu: ReturnType<Iommu['snapshot']>;
  bus: BusStats;
  nic: { state: ReturnType<Nic['snapshot']>; wire: LoopbackState } | null;
}
