// The SDK's split front-ends (sdk/drivers, sdk/include/ring.inc) against the real back-ends, before the pv
// technique exists: a native kernel whose #UD handler forwards each hcall to a test port where this file
// plays the VMM's part (grants, event ports, device_connect, evtchn_send). Batches must cost one notification.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleFile, formatDiagnostic } from '../../assembler/index.js';
import { BACKEND, EVT_BIND, HC, HC_ERR, NIC_MAX_PACKET } from '../../isa/abi.js';
import type { Device } from '../../vmm/devices/device.js';
import { GuestPhys } from '../../vmm/hv/memory/guest-phys.js';
import { SplitDevices } from '../../vmm/hv/pv/backends/index.js';
import type { BackendDomain, GrantEntry } from '../../vmm/hv/pv/backends/types.js';
import { Machine } from '../../vmm/machine/machine.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/pv/split-drivers.s', import.meta.url));
const SECTORS = 64;

/** Just enough of a PV hypervisor for the drivers: the hypercalls they make, against the real back-ends. */
class FakeVmm implements BackendDomain, Device {
  readonly name = 'fake-hc';
  readonly state = {};
  readonly memory: GuestPhys;
  readonly devices: SplitDevices;
  private readonly grants: GrantEntry[] = [];
  private readonly ports: number[] = [-1]; // port -> back-end id; port 0 unused
  readonly calls: Record<string, number> = {};
  readonly events: number[] = [];
  readonly console: number[] = [];
  onConnect: (backend: number) => void = () => {};

  constructor(readonly machine: Machine) {
    const m = machine.mem;
    this.memory = new GuestPhys(m.buffer as ArrayBuffer, m.byteOffset, m.length);
    this.devices = new SplitDevices(this, {
      disk: new Uint8Array(SECTORS * 512),
      console: { write: (b) => this.console.push(...b), takeInput: () => new Uint8Array(0) },
    });
    machine.bus.mapPorts(0x600, 1, this);
  }

  lookupGrant(ref: number): GrantEntry | null {
    return this.grants[ref] ?? null;
  }
  notifyGuest(port: number): void {
    this.events.push(port);
  }

  read(): number {
    return 0;
  }
  snapshot() {
    return {};
  }
  restore(): void {}

  /** `out 0x600, block`: r0..r5 at block, result to block + 24. */
  write(_offset: number, _size: number, block: number): void {
    const r = (i: number) => this.memory.read32(block + 4 * i);
    const op = r(0);
    const name = Object.entries(HC).find(([, n]) => n === op)?.[0] ?? `#${op}`;
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    this.memory.write32(block + 24, this.dispatch(op, r(1), r(2), r(3), r(4)));
  }

  private dispatch(op: number, a1: number, a2: number, a3: number, a4: number): number {
    switch (op) {
      case HC.GRANT:
        this.grants.push({ page: a1, backend: a2, readonly: (a3 & 1) !== 0 });
        return this.grants.length - 1;
      case HC.EVTCHN_BIND:
        if (a1 !== EVT_BIND.BACKEND) return -HC_ERR.EINVAL;
        this.ports.push(a2);
        return this.ports.length - 1;
      case HC.DEVICE_CONNECT: {
        const b = this.devices.byId(a1);
        if (!b) return -HC_ERR.ENOENT;
        const r = b.connect(a2, a3, a4);
        if (r >= 0) this.onConnect(a1);
        return r;
      }
      case HC.EVTCHN_SEND:
        this.devices.byId(this.ports[a1] ?? -1)?.notify();
        return 0;
      default:
        return -HC_ERR.ENOSYS;
    }
  }
}

function run() {
  const res = assembleFile(FIXTURE);
  if (!res.image) throw new Error(res.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  const machine = new Machine();
  const vmm = new FakeVmm(machine);
  const injected = Uint8Array.from({ length: 100 }, (_, i) => i ^ 0x3c);
  vmm.onConnect = (id) => {
    if (id === BACKEND.NET) vmm.devices.net.wire.inject(injected);
  };
  machine.load(res.image);
  const result = machine.run({ maxInstructions: 5_000_000 });
  const base = res.image.symbols.find((s) => s.name === 'results')!.value;
  const results = Array.from({ length: 14 }, (_, i) => vmm.memory.read32(base + 4 * i) | 0);
  return { result, vmm, results, injected };
}

/** Packet i as the fixture builds it: 60 + i bytes of (i << 4) + k. */
const packet = (i: number) => Uint8Array.from({ length: 60 + i }, (_, k) => ((i << 4) + k) & 0xff);

describe('split front-end drivers (sdk/drivers) against the back-ends', () => {
  const { result, vmm, results, injected } = run();
  const d = vmm.devices;

  it('runs to the end', () => {
    expect(result.status).toBe('poweroff');
    expect(result.exitCode).toBe(0);
  });

  it('console: each message is one batch and one notification', () => {
    expect(new TextDecoder().decode(Uint8Array.from(vmm.console))).toBe('hello from the split console\nbye\n');
    expect(results[0]).toBe(0);
    expect(results[1]).toBe(29);
    expect(d.console.counters).toMatchObject({ notificationsIn: 2, batches: 2, refused: 0 });
  });

  it('block: a batch of writes and a batch of reads round-trip, one notification each', () => {
    expect(results[2]).toBe(SECTORS); // capacity from device_connect
    expect(results.slice(3, 6)).toEqual([0, 0, 0]); // no failed write, no failed read, no mismatch
    const disk = d.block.disk;
    for (let w = 0; w < 512; w++) {
      const expected = (Math.imul(w, 0x01010101) ^ 0x5a5a0000) >>> 0;
      expect(new DataView(disk.buffer).getUint32(3 * 512 + 4 * w, true)).toBe(expected);
    }
    expect(results[6]).toBe(-1); // sector = capacity
    expect(d.block.counters).toMatchObject({ notificationsIn: 3, batches: 3, requests: 9, errors: 1 });
    expect(d.block.block).toEqual({ sectorsRead: 4, sectorsWritten: 4 });
  });

  it('net: every packet reaches the wire in order; a queued batch costs one notification', () => {
    expect(results[7]).toBe(0);
    expect(results[8]).toBe([0, 1, 2, 3, 4].reduce((a, i) => a + 60 + i, 0));
    expect(results.slice(9, 11)).toEqual([0, 0]);
    expect(d.net.wire.sent.length).toBe(13);
    d.net.wire.sent.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(packet(i)))).toBe(true));
    // 5 single sends + 1 batch of 8
    expect(d.net.counters).toMatchObject({ notificationsIn: 6, batches: 6 + 1, errors: 0 });
    expect(results[13]).toBe(-1); // longer than NIC_MAX_PACKET
  });

  it('net: receives the packet injected at connect, then reports none', () => {
    expect(results[11]).toBe(injected.length);
    expect(results[12]).toBe(0);
    expect(d.net.net).toMatchObject({ packetsTx: 13, packetsRx: 1, rxDrops: 0 });
    expect(NIC_MAX_PACKET).toBe(2048);
  });

  it('made only the hypercalls a PV driver needs, and no grant per request', () => {
    // console 1, block 2, net 2 rings + 4 TX pages + 2 RX pages
    expect(vmm.calls).toMatchObject({ GRANT: 11, EVTCHN_BIND: 3, DEVICE_CONNECT: 3 });
  });
});
