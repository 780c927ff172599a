// mini-pv under --technique pv --devices split, against mini on the bare machine: the same transcript, the same
// packets on the wire in the same order, the same disk afterwards; no privileged instruction, fewer exits than
// mini under hw with emulated devices, and about one exit per packet and per block instead of several.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { Machine } from '../../vmm/bare-metal.js';
import { runGuests } from '../../vmm/session.js';
import { disk, kernel, REPO, spec } from '../hv/helpers.js';

const golden = readFileSync(`${REPO}test/fixtures/golden/mini.console.txt`, 'utf8');
const MAX = 50_000_000;

describe('mini-pv with split devices', () => {
  const nativeDisk = disk();
  const machine = new Machine({ blockImage: nativeDisk });
  machine.load(kernel('mini/main.s'));
  const native = machine.run({ maxInstructions: MAX });

  const splitDisk = disk();
  const hv = new Hypervisor([spec('mini-pv', kernel('mini-pv/main.s'), { blockImage: splitDisk })], { technique: 'pv', devices: 'split' });
  const [pv] = hv.run(MAX);
  const dev = hv.splitDevices[0]!;
  const [hw] = runGuests([spec('mini', kernel('mini/main.s'))], { technique: 'hw', devices: 'emulated', maxInstructions: MAX });

  it("prints mini's native transcript and powers off with 0", () => {
    expect(native.console).toBe(golden);
    expect(pv!.console).toBe(golden);
    expect(pv!.status).toBe('poweroff');
    expect(pv!.exitCode).toBe(0);
  });

  it("puts the same packets on the wire, each task's in its order, and leaves the same disk as native", () => {
    // Which task sends first depends on where the timer ticks land, which differs between native and PV
    // (the transcript hides it by buffering); each task's own packets must come out whole and in order.
    const byTask = (sent: readonly Uint8Array[]) => {
      const m = new Map<number, string[]>();
      for (const p of sent) m.set(p[0]! >> 4, [...(m.get(p[0]! >> 4) ?? []), Buffer.from(p).toString('hex')]);
      return [...m.entries()].sort(([a], [b]) => a - b);
    };
    expect(machine.wire.sent.length).toBe(12);
    expect(dev.net.wire.sent.length).toBe(12);
    expect(byTask(dev.net.wire.sent)).toEqual(byTask(machine.wire.sent));
    expect(byTask(machine.wire.sent).map(([pid, ps]) => [pid, ps.length])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    expect(Buffer.from(splitDisk).equals(Buffer.from(nativeDisk))).toBe(true);
    expect(splitDisk.some((b) => b !== 0)).toBe(true);
  });

  it('executes no privileged instruction and drives every device through its front-end', () => {
    const s = pv!.stats;
    expect(s.privilegedExecuted).toBe(0);
    expect(Object.keys(s.hypercalls).length).toBeGreaterThanOrEqual(4);
    expect(s.hypercalls['CONSOLE_WRITE']).toBeUndefined(); // the console went through its ring
    expect(s.hypercalls).toMatchObject({ DEVICE_CONNECT: 3 });
    expect(s.deviceAccesses).toBe(0); // no emulated device register was touched
    expect(s.backends['block']).toMatchObject({ requests: 24, sectorsRead: 12, sectorsWritten: 12, errors: 0, refused: 0 });
    expect(s.backends['net']).toMatchObject({ packetsTx: 12, errors: 0, refused: 0 });
  });

  it('exits less than mini under hw with emulated devices, and about once per packet and per block', () => {
    const s = pv!.stats;
    expect(s.exitsTotal).toBeLessThan(hw!.stats.exitsTotal);
    expect(s.exitsPerBlock).toBeLessThan(hw!.stats.exitsPerBlock);
    expect(s.exitsPerBlock).toBeLessThanOrEqual(1.1);
    expect(s.exitsPerPacket).toBeLessThanOrEqual(1.1);
    // One notification per batch to the back-end; the front-ends poll, so almost none come back.
    for (const b of ['console', 'block', 'net']) expect(s.backends[b]!['notificationsIn']).toBe(s.backends[b]!['batches']);
    expect(s.notificationsPerBatch).toBeLessThanOrEqual(1.05);
  });
});
