// A hostile PV guest against the split back-ends, beside mini-pv with split devices: bad grants, lengths and
// sectors get their error statuses, a producer index past the ring gets the ring dropped, a notification
// flood does nothing, the VMM keeps running, and mini-pv's console, RAM, disk and packets are those of a solo run.
import { describe, expect, it } from 'vitest';
import { HC_ERR } from '../../isa/abi.js';
import { Hypervisor, type VmSpec } from '../../vmm/hv/hypervisor.js';
import { fixture, kernel, ramOf, spec } from '../hv/helpers.js';

const E = HC_ERR;
const EXPECTED: readonly [string, number][] = [
  ['connect: the capacity', 2048],
  ['read into a read-only grant', -E.EPERM],
  ['no such grant', -E.ENOENT],
  ["a grant to the NIC's back-end", -E.ENOENT],
  ['sectors past the disk', -E.EINVAL],
  ['more than a page', -E.EINVAL],
  ['past the end of the page', -E.EINVAL],
  ['no such operation', -E.EINVAL],
  ['a good write from a read-only grant', 0],
  ['producer past the ring: nothing answered', 8],
  ['connect again', -E.EBUSY],
  ['after a flood: nothing answered', 8],
  ['net rings on one page', -E.EINVAL],
];

function run(specs: VmSpec[]) {
  const hv = new Hypervisor(specs, { technique: 'pv', devices: 'split', quantum: 500 });
  return { hv, results: hv.run(50_000_000) };
}

describe('a hostile PV guest against the split back-ends', () => {
  const hostile = fixture('pv/split-hostile.s');
  const innocent = () => spec('mini-pv', kernel('mini-pv/main.s'));
  const solo = run([innocent()]);
  const pair = run([innocent(), spec('hostile', hostile)]);

  it('gets an error status or a refusal for every attack, and runs to its own shutdown', () => {
    const h = pair.results[1]!;
    expect(h.status).toBe('poweroff');
    expect(h.exitCode).toBe(0);
    expect(h.console).toBe('hostile done\n');
    const at = hostile.symbols.find((s) => s.name === 'results')!.value;
    const ram = Buffer.from(ramOf(pair.hv, 1));
    expect(EXPECTED.map(([what], i) => [what, ram.readInt32LE(at + 4 * i)])).toEqual(EXPECTED);
    const blk = h.stats.backends['block']!;
    expect(blk).toMatchObject({ requests: 8, errors: 7, batches: 1, sectorsWritten: 1 });
    expect(blk['refused']).toBeGreaterThanOrEqual(500); // the drop, then every flooded notification
    expect(h.stats.hypercalls['EVTCHN_SEND']).toBe(2 + 500);
  });

  it("leaves mini-pv's console, RAM, disk and packets as when it runs alone", () => {
    const [a] = solo.results;
    const [b] = pair.results;
    expect(b!.console).toBe(a!.console);
    expect(b!.exitCode).toBe(0);
    expect(Buffer.from(ramOf(pair.hv, 0)).equals(Buffer.from(ramOf(solo.hv, 0)))).toBe(true);
    expect(Buffer.from(pair.hv.splitDevices[0]!.block.disk).equals(Buffer.from(solo.hv.splitDevices[0]!.block.disk))).toBe(true);
    const hex = (ps: readonly Uint8Array[]) => ps.map((p) => Buffer.from(p).toString('hex'));
    expect(hex(pair.hv.splitDevices[0]!.net.wire.sent)).toEqual(hex(solo.hv.splitDevices[0]!.net.wire.sent));
    expect(pair.hv.splitDevices[1]!.net.wire.sent).toEqual([]); // each VM has its own wire
    expect(b!.stats.worldSwitches).toBeGreaterThan(4); // the attacks ran interleaved with mini-pv, not before it
  });
});
