// The host machine a hypervisor runs on: host-physical memory carved into per-VM regions, and one physical CPU.
//
// Each VM's region holds a page pool for the VMM's tables of that VM (shadow or second-stage) and then
// the VM's RAM. Regions never overlap, and no guest mapping ever reaches outside its own RAM: that is
// the whole of isolation, and the tests check it byte for byte.

import { PAGE_SIZE } from '../../isa/abi.js';
import { Bus } from '../devices/bus.js';
import { Pic } from '../devices/pic.js';
import { Cpu } from '../machine/cpu.js';
import { GuestPhys } from './memory/guest-phys.js';
import { PagePool } from './memory/page-pool.js';

/** Pages the VMM reserves per VM for its tables: enough for a full shadow or second stage of 64 MiB. */
export const VM_POOL_BYTES = 512 * PAGE_SIZE;

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
  private next = 0;

  /** `ramSizes`: the RAM of each VM to be placed, in order. */
  constructor(ramSizes: readonly number[], opts: { strict?: boolean } = {}) {
    const total = ramSizes.reduce((a, r) => a + VM_POOL_BYTES + r, 0);
    this.memory = new ArrayBuffer(Math.max(PAGE_SIZE, total));
    this.words = new Uint32Array(this.memory);
    this.cpu = new Cpu(this.memory, this.bus, this.pic, { strict: opts.strict ?? false });
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
