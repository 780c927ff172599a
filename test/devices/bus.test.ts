// The bus: port and MMIO dispatch, unmapped ports, overlap rejection, access counting.
import { describe, expect, it } from 'vitest';
import { Bus, BusError } from '../../vmm/devices/bus.js';
import type { Device } from '../../vmm/devices/device.js';

/** A device that records accesses and reads back offset + size * 0x100. */
function probe(name: string) {
  const log: string[] = [];
  const dev: Device<{ n: number }> = {
    name,
    state: { n: 0 },
    read: (o, s) => {
      log.push(`r${o}/${s}`);
      return o + s * 0x100;
    },
    write: (o, s, v) => {
      log.push(`w${o}/${s}=${v}`);
    },
    snapshot: () => ({ n: 0 }),
    restore: () => {},
  };
  return { dev, log };
}

describe('Bus', () => {
  it('dispatches ports with offsets relative to the base, as 32-bit accesses', () => {
    const bus = new Bus();
    const a = probe('a');
    bus.mapPorts(0x40, 3, a.dev);
    expect(bus.portRead(0x42)).toBe(2 + 0x400);
    bus.portWrite(0x40, 0xdeadbeef);
    expect(a.log).toEqual(['r2/4', `w0/4=${0xdeadbeef}`]);
    expect(bus.stats.portReads).toBe(1);
    expect(bus.stats.portWrites).toBe(1);
    expect(bus.stats.byDevice).toEqual({ a: 2 });
  });

  it('unmapped ports read 0xffffffff and ignore writes', () => {
    const bus = new Bus();
    expect(bus.portRead(0x1234)).toBe(0xffffffff);
    bus.portWrite(0x1234, 5);
    expect(bus.stats.unmappedPortAccesses).toBe(2);
  });

  it('dispatches MMIO and claims only mapped ranges', () => {
    const bus = new Bus();
    const b = probe('b');
    bus.mapMmio(0xff000000, 0x1000, b.dev);
    expect(bus.claimsMmio(0xff000000, 4)).toBe(true);
    expect(bus.claimsMmio(0xff000ffc, 4)).toBe(true);
    expect(bus.claimsMmio(0xff000ffe, 4)).toBe(false);
    expect(bus.claimsMmio(0xff001000, 1)).toBe(false);
    expect(bus.mmioRead(0xff000010, 2)).toBe(0x10 + 0x200);
    bus.mmioWrite(0xff00000c, 4, 7);
    expect(b.log).toEqual(['r16/2', 'w12/4=7']);
  });

  it('rejects overlapping port ranges with both names', () => {
    const bus = new Bus();
    bus.mapPorts(0x20, 4, probe('pic').dev);
    expect(() => bus.mapPorts(0x23, 2, probe('other').dev)).toThrow(BusError);
    expect(() => bus.mapPorts(0x1f, 2, probe('other').dev)).toThrow(/other: ports 0x1f..0x20 overlap pic at 0x20..0x23/);
    bus.mapPorts(0x24, 1, probe('ok').dev); // adjacent is fine
  });

  it('rejects overlapping MMIO ranges but allows the same numbers in port space', () => {
    const bus = new Bus();
    bus.mapMmio(0x1000, 0x100, probe('x').dev);
    expect(() => bus.mapMmio(0x10ff, 0x10, probe('y').dev)).toThrow(/MMIO .* overlap x/);
    bus.mapPorts(0x1000, 0x100, probe('p').dev);
  });

  it('rejects malformed ranges', () => {
    const bus = new Bus();
    expect(() => bus.mapPorts(0xffff, 2, probe('z').dev)).toThrow(BusError);
    expect(() => bus.mapMmio(0, 0, probe('z').dev)).toThrow(BusError);
  });

  it('calls the before-access hook with the mapping name', () => {
    const bus = new Bus();
    bus.mapPorts(1, 1, probe('t').dev);
    const seen: string[] = [];
    bus.beforeAccess = (n) => seen.push(n);
    bus.portRead(1);
    bus.portRead(2);
    expect(seen).toEqual(['t']);
  });
});
