// The SDK's split front-ends (sdk/drivers, sdk/include/ring.inc) end to end under --technique pv --devices split:
// a small PV kernel connects console, block and net to the VMM's back-ends and moves data in batches. A batch
// must cost one notification, data must arrive intact and in order, and an injected packet must come in.
import { describe, expect, it } from 'vitest';
import { BLK_SECTOR_SIZE } from '../../isa/abi.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { formatDeviceStats } from '../../vmm/report/devices.js';
import { fixture, spec } from '../hv/helpers.js';

const SECTORS = 64;

function run() {
  const image = fixture('pv/split-drivers.s');
  const disk = new Uint8Array(SECTORS * BLK_SECTOR_SIZE);
  const injected = Uint8Array.from({ length: 100 }, (_, i) => i ^ 0x3c);
  let delivered: boolean | null = null;
  // Once all 13 packets are out, the next hypercall (the kernel waiting for a packet) sees one arrive.
  const hv: Hypervisor = new Hypervisor([spec('fe', image, { blockImage: disk, stdin: 'ping\n' })], {
    technique: 'pv',
    devices: 'split',
    onExit: (_vm, e) => {
      const dev = hv.splitDevices[0]!;
      if (e.reason === 'HCALL' && delivered === null && dev.net.wire.sent.length === 13) delivered = dev.net.wire.inject(injected);
    },
  });
  const vm = hv.vms[0]!;
  const dev = hv.splitDevices[0]!;
  const r = hv.run(5_000_000)[0]!;
  const at = (name: string) => image.symbols.find((s) => s.name === name)!.value;
  const word = (addr: number) => vm.guest.read32(addr) | 0;
  const results = Array.from({ length: 15 }, (_, i) => word(at('results') + 4 * i));
  return { r, dev, disk, results, injected, delivered, upcalls: word(at('upcalls')), platform: vm.platform };
}

/** Packet i as the fixture builds it: 60 + i bytes of (i << 4) + k. */
const packet = (i: number) => Uint8Array.from({ length: 60 + i }, (_, k) => ((i << 4) + k) & 0xff);

describe('split front-end drivers (sdk/drivers) under pv', () => {
  const { r, dev, disk, results, injected, delivered, upcalls, platform } = run();

  it('runs to the end', () => {
    expect(r.status).toBe('poweroff');
    expect(r.exitCode).toBe(0);
    expect(r.stats.privilegedExecuted).toBe(0);
  });

  it('console: each message is one batch and one notification; input arrives through IN', () => {
    expect(r.console).toBe('hello from the split console\nping\nbye\n');
    expect(results[0]).toBe(0);
    expect(results[1]).toBe(29);
    expect(results[14]).toBe(5);
    // 3 writes, and the read that freed room in IN
    expect(dev.console.counters).toMatchObject({ notificationsIn: 4, batches: 3, refused: 0, notificationsOut: 1 });
    expect(dev.console.console).toEqual({ bytesOut: 29 + 5 + 4, bytesIn: 5 });
  });

  it('block: a batch of writes and a batch of reads round-trip, one notification each', () => {
    expect(results[2]).toBe(SECTORS); // capacity from device_connect
    expect(results.slice(3, 6)).toEqual([0, 0, 0]); // no failed write, no failed read, no mismatch
    const view = new DataView(disk.buffer);
    for (let w = 0; w < 512; w++) expect(view.getUint32(3 * 512 + 4 * w, true)).toBe((Math.imul(w, 0x01010101) ^ 0x5a5a0000) >>> 0);
    expect(results[6]).toBe(-1); // sector = capacity
    expect(dev.block.counters).toMatchObject({ notificationsIn: 3, batches: 3, requests: 9, errors: 1, notificationsOut: 1 });
    expect(dev.block.block).toEqual({ sectorsRead: 4, sectorsWritten: 4 });
  });

  it('net: every packet reaches the wire in order; a queued batch costs one notification', () => {
    expect(results[7]).toBe(0);
    expect(results[8]).toBe([0, 1, 2, 3, 4].reduce((a, i) => a + 60 + i, 0));
    expect(results.slice(9, 11)).toEqual([0, 0]);
    expect(dev.net.wire.sent.length).toBe(13);
    expect(platform.wire.sent).toBe(dev.net.wire.sent); // the VM's loopback wire, as under --devices emulated
    dev.net.wire.sent.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(packet(i)))).toBe(true));
    expect(dev.net.counters).toMatchObject({ notificationsIn: 6, errors: 0 }); // 5 single sends + 1 batch of 8
    expect(results[13]).toBe(-1); // longer than NIC_MAX_PACKET
  });

  it('net: the injected packet arrives through the RX ring and its event', () => {
    expect(delivered).toBe(true);
    expect(results[11]).toBe(injected.length);
    expect(results[12]).toBe(0);
    expect(dev.net.net).toMatchObject({ packetsTx: 13, packetsRx: 1, rxDrops: 0 });
    expect(upcalls).toBeGreaterThanOrEqual(1);
  });

  it('reports notifications per batch and exits per packet and per block', () => {
    const s = r.stats;
    expect(s.hypercalls).toMatchObject({ GRANT: 11, EVTCHN_BIND: 3, DEVICE_CONNECT: 3 });
    expect(s.hypercalls['EVTCHN_SEND']).toBe(4 + 3 + 6);
    expect(s.backends['net']).toMatchObject({ packetsTx: 13, packetsRx: 1 });
    expect(s.exitsPerPacket).toBeCloseTo((6 + dev.net.counters.notificationsOut) / 14, 2);
    expect(s.exitsPerBlock).toBeCloseTo(4 / 9, 2);
    expect(s.notificationsPerBatch).toBeGreaterThan(0);
    expect(s.notificationsPerBatch).toBeLessThanOrEqual(1.5);
    expect(s.cycleBreakdown['notification']).toBeGreaterThan(0);
    expect(s.cycleBreakdown['backendRequest']).toBeGreaterThan(0);
  });

  it('--stats shows each back-end and the per-packet, per-block and per-batch figures', () => {
    const text = formatDeviceStats(r);
    const row = (name: string) => text.split('\n').find((l) => l.includes(` ${name} `))!.split(/[│ ]+/).filter(Boolean);
    expect(row('block')).toEqual(['block', '9', '3', '3', String(dev.block.counters.notificationsOut), '1', '0']);
    expect(row('net').slice(0, 4)).toEqual(['net', '14', String(dev.net.counters.batches), '6']);
    expect(text).toContain(`per batch: ${r.stats.notificationsPerBatch}`);
    expect(text).toContain(`${r.stats.exitsPerPacket} per packet, ${r.stats.exitsPerBlock} per block request (notifications both ways)`);
  });
});
