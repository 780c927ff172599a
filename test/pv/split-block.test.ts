// The block back-end over a ring in a plain buffer: reads and writes through granted pages, and every bad request
// answered with an error status, moving nothing and writing nowhere outside the granted page.
import { describe, expect, it } from 'vitest';
import { BACKEND, BLK_SECTOR_SIZE, BLKIF_OP, HC_ERR, IF_STATUS_OK, PAGE_SIZE } from '../../isa/abi.js';
import { BlockBackend } from '../../vmm/hv/pv/backends/block.js';
import { changedOutside, FakeDomain, FrontRing } from './split-harness.js';

const RING_PAGE = 2 * PAGE_SIZE;
const DATA = 8 * PAGE_SIZE;
const PORT = 5;
const SECTORS = 64;

function setup(readonly = false) {
  const d = new FakeDomain();
  const disk = new Uint8Array(SECTORS * BLK_SECTOR_SIZE);
  const be = new BlockBackend(disk);
  const front = new FrontRing(d.memory, RING_PAGE);
  const ringRef = d.grant(RING_PAGE, BACKEND.BLOCK);
  const dataRef = d.grant(DATA, BACKEND.BLOCK, readonly);
  expect(be.connect(d, ringRef, PORT, 0)).toBe(SECTORS); // a block connect answers with the capacity
  return { d, disk, be, front, ringRef, dataRef };
}

/** A BLKIF request: id, op, sector, count, gref, offset. */
const req = (id: number, op: number, sector: number, count: number, gref: number, offset = 0) => [id, op, sector, count, gref, offset];

describe('split block back-end', () => {
  it('writes sectors from the granted page and reads them back, answering in order', () => {
    const { d, disk, be, front, dataRef } = setup();
    for (let i = 0; i < PAGE_SIZE; i++) d.raw[DATA + i] = (i * 7 + 3) & 0xff;
    front.put(req(1, BLKIF_OP.WRITE, 10, 2, dataRef, 0));
    front.put(req(2, BLKIF_OP.WRITE, 20, 1, dataRef, 3 * BLK_SECTOR_SIZE));
    expect(front.push()).toBe(true);
    be.notify();
    expect(front.responses(2)).toEqual([
      [1, IF_STATUS_OK],
      [2, IF_STATUS_OK],
    ]);
    expect(Buffer.from(disk.subarray(10 * 512, 12 * 512)).equals(Buffer.from(d.raw.subarray(DATA, DATA + 1024)))).toBe(true);
    expect(Buffer.from(disk.subarray(20 * 512, 21 * 512)).equals(Buffer.from(d.raw.subarray(DATA + 1536, DATA + 2048)))).toBe(true);

    d.raw.fill(0, DATA, DATA + PAGE_SIZE);
    front.put(req(3, BLKIF_OP.READ, 20, 1, dataRef, 512));
    front.push();
    be.notify();
    expect(front.responses(2)).toEqual([[3, IF_STATUS_OK]]);
    expect(Buffer.from(d.raw.subarray(DATA + 512, DATA + 1024)).equals(Buffer.from(disk.subarray(20 * 512, 21 * 512)))).toBe(true);
    expect(be.block).toEqual({ sectorsRead: 1, sectorsWritten: 3 });
    expect(be.counters).toMatchObject({ notificationsIn: 2, requests: 3, batches: 2, errors: 0, refused: 0 });
  });

  it('answers each malformed request with its error and keeps serving the ring', () => {
    const { d, disk, be, front, dataRef } = setup();
    const otherRef = d.grant(9 * PAGE_SIZE, BACKEND.NET); // a grant, but not to the block back-end
    const roRef = d.grant(10 * PAGE_SIZE, BACKEND.BLOCK, true);
    disk.fill(0x5a);
    d.raw.fill(0xa5, 8 * PAGE_SIZE); // a canary everywhere from the data page up
    const cases: Array<[number[], number]> = [
      [req(1, 9, 0, 1, dataRef), -HC_ERR.EINVAL], // unknown op
      [req(2, BLKIF_OP.READ, 0, 0, dataRef), -HC_ERR.EINVAL], // no sectors
      [req(3, BLKIF_OP.READ, 0, 9, dataRef), -HC_ERR.EINVAL], // more than a page
      [req(4, BLKIF_OP.READ, 0, 1, dataRef, PAGE_SIZE - 256), -HC_ERR.EINVAL], // runs past the page
      [req(5, BLKIF_OP.READ, 0, 1, dataRef, 0xffff_ff00), -HC_ERR.EINVAL], // offset that would wrap
      [req(6, BLKIF_OP.READ, 0, 1, 999), -HC_ERR.ENOENT], // no such grant
      [req(7, BLKIF_OP.READ, 0, 1, otherRef), -HC_ERR.ENOENT], // granted, but to another back-end: not ours
      [req(8, BLKIF_OP.READ, 0, 1, roRef), -HC_ERR.EPERM], // a read would write a read-only grant
      [req(9, BLKIF_OP.READ, SECTORS, 1, dataRef), -HC_ERR.EINVAL], // past the disk
      [req(10, BLKIF_OP.WRITE, SECTORS - 1, 2, dataRef), -HC_ERR.EINVAL], // ends past the disk
      [req(11, BLKIF_OP.WRITE, 0xffff_ffff, 2, dataRef), -HC_ERR.EINVAL], // sector + count wraps
      [req(12, BLKIF_OP.WRITE, 1, 1, roRef), IF_STATUS_OK], // a write only reads the page: read-only is fine
    ];
    const beforeRam = d.raw.slice();
    const beforeDisk = disk.slice();
    for (const [r] of cases) front.put(r);
    front.push();
    be.notify();
    const got = front.responses(2);
    expect(got).toEqual(cases.map(([r, status]) => [r[0], status]));
    expect(be.counters.errors).toBe(cases.length - 1);
    expect(be.connected).toBe(true);
    // Only the ring page changed in RAM; on disk, only the one good write.
    expect(changedOutside(beforeRam, d.raw, [[RING_PAGE, RING_PAGE + PAGE_SIZE]])).toEqual([]);
    expect(changedOutside(beforeDisk, disk, [[512, 1024]])).toEqual([]);
  });

  it('refuses a ring grant that is not a writable page granted to it', () => {
    const d = new FakeDomain();
    const be = new BlockBackend(new Uint8Array(SECTORS * 512));
    expect(be.connect(d, 63, PORT, 0)).toBe(-HC_ERR.ENOENT);
    expect(be.connect(d, d.grant(RING_PAGE, BACKEND.NET), PORT, 0)).toBe(-HC_ERR.ENOENT);
    expect(be.connect(d, d.grant(RING_PAGE, BACKEND.BLOCK, true), PORT, 0)).toBe(-HC_ERR.EPERM);
    expect(be.connected).toBe(false);
    expect(be.counters.refused).toBe(3);
    be.notify(); // a notification with no ring: counted and refused, nothing else
    expect(be.counters).toMatchObject({ notificationsIn: 1, refused: 4, requests: 0 });
    const ok = d.grant(RING_PAGE, BACKEND.BLOCK);
    expect(be.connect(d, ok, PORT, 0)).toBe(SECTORS);
    expect(be.connect(d, ok, PORT, 0)).toBe(-HC_ERR.EBUSY);
  });

  it('drops the ring when its grant is revoked, touching the page no more', () => {
    const { d, be, front, ringRef, dataRef } = setup();
    front.put(req(1, BLKIF_OP.READ, 0, 1, dataRef));
    front.push();
    d.revoke(ringRef);
    const before = d.raw.slice();
    be.notify();
    expect(Buffer.from(d.raw).equals(Buffer.from(before))).toBe(true);
    expect(be.connected).toBe(false);
    expect(be.counters.requests).toBe(0);
  });

  it('drops a ring whose producer runs past it, without answering', () => {
    const { d, be, front, dataRef } = setup();
    front.put(req(1, BLKIF_OP.READ, 0, 1, dataRef));
    front.push();
    d.memory.write32(RING_PAGE, 40); // req_prod 40 with nothing answered: more than RING_SLOTS ahead
    const before = d.raw.slice();
    be.notify();
    expect(Buffer.from(d.raw).equals(Buffer.from(before))).toBe(true);
    expect(be.connected).toBe(false);
    expect(be.counters.refused).toBe(1);
  });
});
