// A hostile PV guest against the hypercall interface, beside mini-pv: every attack is refused with its
// error code, the VMM keeps running, and mini-pv's console, RAM and whole host region are byte for byte
// those of a solo run.
import { describe, expect, it } from 'vitest';
import { HC_ERR } from '../../isa/abi.js';
import { Hypervisor, type VmSpec } from '../../vmm/hv/hypervisor.js';
import { fixture, kernel, ramOf, regionOf, spec } from '../hv/helpers.js';

const E = HC_ERR;
/** What each attack in test/fixtures/pv/hostile.s must get back, in order. */
const EXPECTED: readonly [string, number][] = [
  ['set_trap_table', 0],
  ['hypercall 99', -E.ENOSYS],
  ['hypercall -1', -E.ENOSYS],
  ['hypercall HC_COUNT', -E.ENOSYS],
  ['console_write beyond RAM', -E.EFAULT],
  ['console_write off the end of RAM', -E.EFAULT],
  ['console_write too long', -E.E2BIG],
  ['set_trap_table unmapped', -E.EFAULT],
  ['mmu_update list unmapped', -E.EFAULT],
  ['mmu_update batch too big', -E.E2BIG],
  ['grant beyond RAM', -E.EPERM],
  ["grant the VMM's start-info page", -E.EPERM],
  ['grant not a page address', -E.EINVAL],
  ['pin a page table', 1],
  ['map machine frame 0 (foreign)', -E.EPERM],
  ['map the frame below its RAM (foreign)', -E.EPERM],
  ['map the page table writable', -E.EPERM],
  ['map a device page under split', -E.EPERM],
  ['map the page table read-only', 1],
  ['mmu_update on a page that is no table', -E.EINVAL],
  ['grant a page table', -E.EPERM],
  ['grant a page', 0],
  ['pin a writably granted page', -E.EPERM],
  ['revoke', 0],
  ['revoke twice', -E.ENOENT],
  ['new_baseptr foreign', -E.EPERM],
  ['new_baseptr unaligned', -E.EINVAL],
  ['new_baseptr of a page table', -E.EBUSY],
  ['update_va_mapping on the boot map', -E.EINVAL],
  ['bind a VIRQ that does not exist', -E.EINVAL],
  ['bind VIRQ_TIMER', 1],
  ['bind it again', -E.EBUSY],
  ['bind a missing back-end', -E.ENOENT],
  ['mask port 40', -E.ENOENT],
  ['connect a missing back-end', -E.ENOENT],
  ['connect back-end 9', -E.EINVAL],
  ['multicall', 0],
  ['nested multicall entry', -E.EINVAL],
  ['multicall entry 55', -E.ENOSYS],
  ['multicall list read-only', -E.EFAULT],
  ['iret to ring 0', -E.EINVAL],
  ['send flood to an unbound port', -E.ENOENT],
  ['send flood to a VIRQ port', -E.EINVAL],
  ['direct store into its pinned table: #PF back to it', 1],
];

function run(specs: VmSpec[]) {
  // No back-ends: the hostile guest's device calls meet a VMM that offers none (`backends: {}`).
  const hv = new Hypervisor(specs, { technique: 'pv', quantum: 3_000, backends: {} });
  return { hv, results: hv.run(50_000_000) };
}

describe('a hostile PV guest', () => {
  const hostile = fixture('pv/hostile.s');
  const innocent = () => spec('mini-pv', kernel('mini-pv/main.s'), { devices: 'emulated' });
  const solo = run([innocent()]);
  const pair = run([innocent(), spec('hostile', hostile, { devices: 'split' })]);

  it('gets an error code for every attack, and the VMM runs it to its own shutdown', () => {
    const h = pair.results[1]!;
    expect(h.status).toBe('poweroff');
    expect(h.exitCode).toBe(0);
    expect(h.console).toBe('hostile done\n');
    const at = hostile.symbols.find((s) => s.name === 'results')!.value;
    const ram = Buffer.from(ramOf(pair.hv, 1));
    const got = EXPECTED.map(([what], i) => [what, ram.readInt32LE(at + 4 * i)]);
    expect(got).toEqual(EXPECTED);
    // The table's entry 0 still holds the read-only self-map it was given (case 18), not the direct store.
    const table = hostile.symbols.find((s) => s.name === 'table')!.value;
    expect(ram.readInt32LE(at + 4 * EXPECTED.length)).toBe(ram.readInt32LE(table));
    expect(ram.readUInt32LE(table)).not.toBe(0x12345678);
    // Every flooded send was an exit the VMM handled and refused.
    expect(h.stats.hypercalls['EVTCHN_SEND']).toBe(2 * 3000);
  });

  it("leaves mini-pv's console, RAM and host region byte for byte as when it runs alone", () => {
    const [a] = solo.results;
    const [b] = pair.results;
    expect(b!.console).toBe(a!.console);
    expect(b!.exitCode).toBe(0);
    expect(Buffer.from(ramOf(pair.hv, 0)).equals(Buffer.from(ramOf(solo.hv, 0)))).toBe(true);
    expect(Buffer.from(regionOf(pair.hv, 0)).equals(Buffer.from(regionOf(solo.hv, 0)))).toBe(true);
    expect(pair.results[0]!.stats.worldSwitches).toBeGreaterThan(10);
  });
});

describe('device DMA under --devices emulated', () => {
  it('cannot write a pinned page table: the IOMMU maps it read-only while it is one', () => {
    const hostile = fixture('pv/hostile.s');
    const hv = new Hypervisor([spec('hostile', hostile, { devices: 'emulated' })], { technique: 'pv' });
    const [r] = hv.run(50_000_000);
    expect(r!.exitCode).toBe(0);
    const table = hostile.symbols.find((s) => s.name === 'table')!.value;
    const other = hostile.symbols.find((s) => s.name === 'page2')!.value;
    const block = hv.vms[0]!.platform.iommu.domain('block');
    const before = Buffer.from(ramOf(hv, 0).subarray(table, table + 4096));
    expect(block.write(table, new Uint8Array(512).fill(0xee))).toBe(false);
    expect(Buffer.from(ramOf(hv, 0).subarray(table, table + 4096)).equals(before)).toBe(true);
    expect(block.read(table, new Uint8Array(512))).toBe(true); // reading it out is harmless
    expect(block.write(other, new Uint8Array(512).fill(0xee))).toBe(true); // an ordinary page is DMA-writable
  });
});
