// The block back-end: BLKIF requests on a shared ring, data in a page the guest granted, backed by a disk image.
//
// The disk is a byte array used in place (the VM's disk: a memory image, or the file given with --block,
// copied per VM), the same one the emulated block device would use. It behaves like that device:
// 512-byte sectors, and a request that would reach past the capacity fails and moves nothing. Each
// request is checked before any byte moves; a bad one is answered with a negated HC_ERR in its status,
// and the ring goes on.

import { BACKEND, BLK_SECTOR_SIZE, BLKIF_OP, BLKIF_REQ, BLKIF_RSP, HC_ERR, IF_STATUS_OK, PAGE_SIZE } from '../../../../isa/abi.js';
import { RingBackend, type SavedRingBackend } from './ring-backend.js';
import type { BackendDomain } from './types.js';

export interface BlockBackendCounters {
  sectorsRead: number;
  sectorsWritten: number;
}

/** BlockBackend.save(): the ring back-end's state and the sector counters (the disk is saved as the VM's disk). */
export interface SavedBlockBackend extends SavedRingBackend {
  readonly block: BlockBackendCounters;
}

export class BlockBackend extends RingBackend<SavedBlockBackend> {
  readonly id = BACKEND.BLOCK;
  readonly name = 'block' as const;
  readonly block: BlockBackendCounters = { sectorsRead: 0, sectorsWritten: 0 };

  /** `disk` is used in place; its length is rounded down to whole sectors. */
  constructor(readonly disk: Uint8Array) {
    super();
  }

  /** As every back-end; on success a block front-end learns the disk's size: the capacity in sectors. */
  override connect(dom: BackendDomain, ringRef: number, port: number, rxRingRef: number): number {
    const r = super.connect(dom, ringRef, port, rxRingRef);
    return r < 0 ? r : this.capacity;
  }

  save(): SavedBlockBackend {
    return { ...this.saveRing(), block: { ...this.block } };
  }

  restore(s: SavedBlockBackend): void {
    this.restoreRing(s);
    Object.assign(this.block, s.block);
  }

  get capacity(): number {
    return Math.floor(this.disk.length / BLK_SECTOR_SIZE);
  }

  protected handle(req: DataView, dom: BackendDomain): readonly number[] {
    const id = req.getUint32(BLKIF_REQ.ID, true);
    const status = this.perform(req, dom);
    if (status !== IF_STATUS_OK) this.counters.errors++;
    const rsp: number[] = [];
    rsp[BLKIF_RSP.ID / 4] = id;
    rsp[BLKIF_RSP.STATUS / 4] = status;
    return rsp;
  }

  /** Carry out one request; IF_STATUS_OK or a negated HC_ERR. */
  private perform(req: DataView, dom: BackendDomain): number {
    const op = req.getUint32(BLKIF_REQ.OP, true);
    const sector = req.getUint32(BLKIF_REQ.SECTOR, true);
    const count = req.getUint32(BLKIF_REQ.COUNT, true);
    const ref = req.getUint32(BLKIF_REQ.GREF, true);
    const offset = req.getUint32(BLKIF_REQ.OFFSET, true);
    if (op !== BLKIF_OP.READ && op !== BLKIF_OP.WRITE) return -HC_ERR.EINVAL;
    // At most one page of data per request: the segment must lie inside the granted page.
    if (count === 0 || count > PAGE_SIZE / BLK_SECTOR_SIZE) return -HC_ERR.EINVAL;
    const bytes = count * BLK_SECTOR_SIZE;
    // A read writes into the guest's page, so its grant must be writable; check before touching the disk.
    const where = dom.grants.lookup(ref, this.id, offset, bytes, op === BLKIF_OP.READ);
    if (where < 0) return where;
    if (sector >= this.capacity || count > this.capacity - sector) return -HC_ERR.EINVAL;
    const start = sector * BLK_SECTOR_SIZE;
    if (op === BLKIF_OP.READ) {
      const r = dom.grants.write(ref, this.id, offset, this.disk.subarray(start, start + bytes));
      if (r < 0) return r;
      this.block.sectorsRead += count;
    } else {
      const data = dom.grants.read(ref, this.id, offset, bytes);
      if (typeof data === 'number') return data;
      this.disk.set(data, start);
      this.block.sectorsWritten += count;
    }
    return IF_STATUS_OK;
  }
}
