// Regression for the class "a PV guest can write another VM's memory": a hostile PV kernel tries to pin, map
// and make writable each VMM-reserved frame, granted frames and foreign frames, beside mini-pv in one
// hypervisor. Each attempt gets its error code (the guest prints each result), the frame auditor finds
// nothing after any exit, and mini-pv keeps mini's exact native transcript and every byte of its region.
// Then the frame table and the auditor on their own: the VMM's checked stores, and planted violations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HC_ERR, PAGE_SIZE, PTE } from '../../isa/abi.js';
import { GuestPhys } from '../../vmm/hv/memory/guest-phys.js';
import { Hypervisor, type VmSpec } from '../../vmm/hv/hypervisor.js';
import { auditPvDomain } from '../../vmm/hv/pv/audit.js';
import { FRAME_OWNER, FRAME_TYPE, FrameTable } from '../../vmm/hv/pv/frames.js';
import { PvRunner } from '../../vmm/hv/techniques/pv/runner.js';
import { fixture, kernel, REPO, regionOf, spec } from '../hv/helpers.js';

const E = HC_ERR;
const golden = readFileSync(`${REPO}test/fixtures/golden/mini.console.txt`, 'utf8');
/** test/fixtures/pv/frame-types.s's OTHER_VM_FRAME: mini-pv's second page when it is VM 0. */
const OTHER_VM_FRAME = 0x0020_1000;

/** What each check of test/fixtures/pv/frame-types.s must print, in order. */
const EXPECTED: readonly [string, number][] = [
  ['set_trap_table', 0],
  // The incident: shared info as a page table, then the VMM's cr2 store as a PTE for mini-pv's page.
  ['pin shared info as a page table (cleared, retried)', -E.EPERM],
  ['new_baseptr a directory with shared info as a page table', -E.EPERM],
  // The VMM stored the fault address (shaped like a writable PTE for mini-pv's page) into shared info:
  // a plain number there, since shared info can never be a page table.
  ["fault at a PTE-shaped address: shared info's cr2", OTHER_VM_FRAME | PTE.P | PTE.W | PTE.U],
  ['store where that PTE would map: faults', 2],
  ['unpin the kernel table that new_baseptr pinned', 1],
  ['store into start info on the boot map: faults', 3],
  ['pin start info as a page table', -E.EPERM],
  ['pin start info as a directory', -E.EPERM],
  ['new_baseptr start info', -E.EPERM],
  ['pin shared info as a directory', -E.EPERM],
  ['new_baseptr shared info', -E.EPERM],
  ['grant start info', -E.EPERM],
  ['grant shared info', -E.EPERM],
  ['grant a page writable', 0],
  ['grant a page read-only', 1],
  ['pin the writably granted page', -E.EPERM],
  ['pin the read-only granted page', -E.EPERM],
  ['pin the writably granted page as a directory', -E.EPERM],
  ['new_baseptr the read-only granted page', -E.EPERM],
  ["pin another VM's frame", -E.EPERM],
  ["pin its VMM pool's frame", -E.EPERM],
  ['pin the frame past its RAM as a directory', -E.EPERM],
  ["new_baseptr another VM's frame", -E.EPERM],
  ['grant the page past its RAM', -E.EPERM],
  ['pin a page table of its own', 1],
  ['map start info writable', -E.EPERM],
  ['map start info read-only', 1],
  ['map shared info writable', 1], // the one reserved page the guest writes: it masks events there
  ["map another VM's frame read-only", -E.EPERM],
  ["map another VM's frame writable", -E.EPERM],
  ["map its VMM pool's frame writable", -E.EPERM],
  ['map the frame past its RAM', -E.EPERM],
  ['map the writably granted page writable', 1], // its own page: the front-end writes what it shares
  ['directory naming start info as a page table', -E.EPERM],
  ['directory naming shared info as a page table', -E.EPERM],
  ['directory naming the granted page as a page table', -E.EPERM],
  ["directory naming another VM's frame", -E.EPERM],
  ['new_baseptr its own directory', 0],
  ['loaded directory: start info as a page table', -E.EPERM],
  ['loaded directory: shared info as a page table', -E.EPERM],
  ['loaded directory: the read-only granted page as a page table', -E.EPERM],
  ["loaded directory: another VM's frame", -E.EPERM],
  ['update_va_mapping start info writable', -E.EPERM],
  ["update_va_mapping to another VM's frame", -E.EPERM],
  ['update_va_mapping shared info writable', 0],
  ['store into start info on its own map: faults', 4],
  ['pin a page it maps writable', -E.EPERM],
  ['unpin its loaded directory', -E.EBUSY],
  ['unpin a table its directory names', -E.EBUSY],
  ['revoke the writable grant', 0],
  ['pin the page it still maps writable', -E.EPERM],
  ['map that page read-only', 0],
  ['pin it now', 1],
  ['map the new page table writable', -E.EPERM],
  ['grant the new page table', -E.EPERM],
];

function run(specs: VmSpec[]) {
  const hv = new Hypervisor(specs, { technique: 'pv', quantum: 3_000, backends: {} });
  const violations: string[] = [];
  const pv = hv.runners.filter((r): r is PvRunner => r instanceof PvRunner);
  for (const r of pv) r.afterExit = () => violations.push(...auditPvDomain(r).map((v) => `${r.vm.name}: ${v}`));
  const results = hv.run(50_000_000);
  for (const r of pv) violations.push(...auditPvDomain(r).map((v) => `${r.vm.name} at the end: ${v}`));
  return { hv, results, violations };
}

describe('a PV guest against the frame types, beside mini-pv', () => {
  const innocent = () => spec('mini-pv', kernel('mini-pv/main.s'), { devices: 'emulated' });
  const solo = run([innocent()]);
  const pair = run([innocent(), spec('frame-types', fixture('pv/frame-types.s'), { devices: 'split', ramSize: 1 << 20 })]);

  it('gets an error code for every forbidden pin, mapping and grant, and the allowed ones succeed', () => {
    const h = pair.results[1]!;
    expect(pair.hv.vms[0]!.guest.base + PAGE_SIZE).toBe(OTHER_VM_FRAME); // the fixture's "another VM's frame" is mini-pv's
    expect(h.status).toBe('poweroff');
    expect(h.exitCode).toBe(0);
    expect(h.console).toBe(`${EXPECTED.map(([what, code]) => `${what}: ${code}\n`).join('')}frame-types done\n`);
  });

  it('never breaks an invariant of either domain (audited after every exit)', () => {
    expect(pair.violations).toEqual([]);
    expect(solo.violations).toEqual([]);
  });

  it("leaves mini-pv with mini's native transcript and its host region byte for byte as when alone", () => {
    const [a] = solo.results;
    const [b] = pair.results;
    expect(b!.console).toBe(golden);
    expect(a!.console).toBe(golden);
    expect(b!.exitCode).toBe(0);
    expect(Buffer.from(regionOf(pair.hv, 0)).equals(Buffer.from(regionOf(solo.hv, 0)))).toBe(true);
    expect(b!.stats.worldSwitches).toBeGreaterThan(10); // interleaved, not one after the other
  });
});

describe('the frame table', () => {
  const guest = () => new GuestPhys(new ArrayBuffer(8 * PAGE_SIZE), 0, 8 * PAGE_SIZE);

  it("refuses the VMM's own stores into a page table, and counts them", () => {
    const g = guest();
    const f = new FrameTable(g);
    f.makeTable(2, FRAME_TYPE.L1);
    expect(f.write32(2 * PAGE_SIZE + 8, 0x1234_5007)).toBe(false);
    expect(f.copyIn(2 * PAGE_SIZE - 2, new Uint8Array(4).fill(7))).toBe(false); // straddles into it
    expect(f.fill(0, 8 * PAGE_SIZE, 1)).toBe(false);
    expect(f.write32(8 * PAGE_SIZE, 1)).toBe(false); // past RAM
    expect(g.raw.every((b) => b === 0)).toBe(true);
    expect(f.refusedStores).toBe(4);
    expect(f.write32(3 * PAGE_SIZE, 5)).toBe(true);
    expect(g.read32(3 * PAGE_SIZE)).toBe(5);
  });

  it('never lets a reserved, granted or writably mapped frame become a page table, nor a table be mapped writable', () => {
    const f = new FrameTable(guest());
    f.reserve(6, FRAME_OWNER.VMM_READONLY);
    f.reserve(7, FRAME_OWNER.VMM_SHARED);
    f.granted(1, false, 1);
    f.mapped(3, true, 1);
    f.makeTable(4, FRAME_TYPE.L1);
    expect([6, 7, 1, 3].map((p) => f.tableRefusal(p))).toEqual([-E.EPERM, -E.EPERM, -E.EPERM, -E.EPERM]);
    expect(f.tableRefusal(4)).toBe(-E.EBUSY);
    expect(f.tableRefusal(5)).toBe(0);
    expect([4, 6, 7, 3].map((p) => f.mapRefusal(p, true))).toEqual([-E.EPERM, -E.EPERM, 0, 0]);
    expect([4, 6].map((p) => f.mapRefusal(p, false))).toEqual([0, 0]);
    expect([4, 6, 7, 1].map((p) => f.grantRefusal(p))).toEqual([-E.EPERM, -E.EPERM, -E.EPERM, 0]);
    f.mapped(3, true, -1);
    expect(f.tableRefusal(3)).toBe(0); // the last writable mapping gone, it may become a table
  });
});

describe('the frame auditor', () => {
  // mini-pv run to its end, with its tables pinned and loaded; each case plants a violation, then undoes it.
  const hv = new Hypervisor([spec('mini-pv', kernel('mini-pv/main.s'), { devices: 'emulated' })], { technique: 'pv' });
  hv.run(50_000_000);
  const r = hv.runners[0] as PvRunner;
  const words = hv.host.words;
  const l1 = Array.from({ length: r.frames.pages }, (_, p) => p).find((p) => r.frames.type(p) === FRAME_TYPE.L1)!;
  const entry = (r.paging.base + l1 * PAGE_SIZE) / 4;
  const planted = (plant: () => () => void): string => {
    expect(auditPvDomain(r)).toEqual([]);
    const undo = plant();
    const found = auditPvDomain(r).join('\n');
    undo();
    expect(auditPvDomain(r)).toEqual([]);
    return found;
  };
  const poke = (at: number, value: number) => () => {
    const old = words[at]!;
    words[at] = value >>> 0;
    return () => {
      words[at] = old;
    };
  };

  it('reports a page-table entry that maps a frame the domain does not own', () => {
    expect(planted(poke(entry + 5, 0x1000 | PTE.P))).toMatch(/maps 0x1000, a frame the domain does not own/);
  });

  it('reports a page table or start info mapped writable, and the counts that no longer match', () => {
    const table = planted(poke(entry + 5, (r.paging.base + l1 * PAGE_SIZE) | PTE.P | PTE.W));
    expect(table).toMatch(/maps page-table frame .* writable/);
    expect(table).toMatch(/writable references/);
    expect(planted(poke(entry + 6, (r.paging.base + r.startInfo) | PTE.P | PTE.W))).toMatch(/maps reserved frame .* writable/);
  });

  it('reports a reserved frame typed as a page table, and a reference count off by one', () => {
    const sh = r.shinfo.addr / PAGE_SIZE;
    const s = r.frames.state;
    expect(
      planted(() => {
        s.type[sh] = FRAME_TYPE.L1;
        return () => {
          s.type[sh] = FRAME_TYPE.WRITABLE;
        };
      }),
    ).toMatch(/reserved frame .* is a page table/);
    expect(
      planted(() => {
        s.refs[3]!++;
        return () => {
          s.refs[3]!--;
        };
      }),
    ).toMatch(/references counted/);
  });

  it('reports device DMA that may write a page table', () => {
    const block = r.dma[0]!;
    const at = l1 * PAGE_SIZE;
    expect(
      planted(() => {
        block.mapPage(at, at, true);
        return () => block.mapPage(at, at, false);
      }),
    ).toMatch(/DMA domain block may write frame .* \(L1, /);
  });
});
