// Guest-growable state: whatever a guest sends, prints or reports, each device keeps at most its documented
// per-VM limit (vmm/limits.ts, NIC_MAX_PACKET), counts what it dropped, and the run goes on to its limit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../assembler/types.js';
import {
  NIC,
  NIC_CTRL_ENABLE,
  NIC_DESC,
  NIC_DESC_CMD_EOP,
  NIC_DESC_STATUS_DD,
  NIC_DESC_STATUS_ERR,
  NIC_MAX_PACKET,
  PAGE_SIZE,
} from '../../isa/abi.js';
import { Loopback, Nic } from '../../vmm/devices/nic.js';
import { Hypervisor, type VmRunResult } from '../../vmm/hv/hypervisor.js';
import { VM_LIMITS } from '../../vmm/limits.js';
import { Machine } from '../../vmm/bare-metal.js';
import type { Platform } from '../../vmm/platform.js';
import { runGuests } from '../../vmm/session.js';
import { ALL, HW_NESTED, hostile, REPO, spec, type VmmConfig } from '../hv/helpers.js';
import { FakeDma, FakeIrq } from './fakes.js';

const TX_RING = 0x1000;
const BUFS = 0x4000;

/** A NIC over plain memory with a TX ring of `ring` descriptors; `put` fills descriptor i with `len` bytes of i. */
function nicRig(ring = 8) {
  const mem = new Uint8Array(64 * PAGE_SIZE);
  const view = new DataView(mem.buffer);
  const nic = new Nic(new FakeDma(mem), new FakeIrq());
  const wire = new Loopback(nic);
  nic.write(NIC.TDBA, 4, TX_RING);
  nic.write(NIC.TDLEN, 4, ring);
  nic.write(NIC.CTRL, 4, NIC_CTRL_ENABLE);
  const at = (i: number) => TX_RING + i * NIC_DESC.SIZE;
  const put = (i: number, len: number, eop: boolean) => {
    const buf = BUFS + i * NIC_MAX_PACKET;
    mem.fill(i + 1, buf, buf + len);
    view.setUint32(at(i) + NIC_DESC.ADDR, buf, true);
    view.setUint16(at(i) + NIC_DESC.LEN, len, true);
    mem[at(i) + NIC_DESC.CMD] = eop ? NIC_DESC_CMD_EOP : 0;
    mem[at(i) + NIC_DESC.STATUS] = 0;
  };
  const status = (i: number) => mem[at(i) + NIC_DESC.STATUS]!;
  return { nic, wire, put, status };
}

/** The largest transmit buffer the NIC held after any register write, over a run. */
function watchTxPartial(nic: Nic): { high: number } {
  const seen = { high: 0 };
  const write = nic.write.bind(nic);
  nic.write = (offset, size, value) => {
    write(offset, size, value);
    seen.high = Math.max(seen.high, nic.state.txPartial.length);
  };
  return seen;
}

/** Run `image` natively or under `cfg` for `max` instructions, with `watch` given the platform before it starts. */
function runWatched(image: Image, cfg: VmmConfig | null, max: number, watch: (p: Platform) => void = () => {}) {
  if (cfg === null) {
    const m = new Machine();
    m.load(image);
    watch(m.platform);
    return { result: m.run({ maxInstructions: max }), platform: m.platform, ram: m.mem };
  }
  const hv = new Hypervisor([spec('g', image)], {
    technique: cfg.technique,
    strict: cfg.strict ?? false,
    ...(cfg.memory ? { memory: cfg.memory } : {}),
  });
  const vm = hv.vms[0]!;
  watch(vm.platform);
  return { result: hv.run(max)[0]! as VmRunResult, platform: vm.platform, ram: vm.guest.raw };
}

const symbol = (image: Image, name: string) => image.symbols.find((s) => s.name === name)!.value;

describe('the NIC never buffers more than NIC_MAX_PACKET of a packet', () => {
  it('drops a packet whose fragments add up past the limit, marks its descriptors, and sends the next one whole', () => {
    const { nic, wire, put, status } = nicRig();
    const seen = watchTxPartial(nic);
    // 1500 + 1500 > 2048: dropped at descriptor 1, its tail (2) skipped; then 3 + 4 form a packet of 2048.
    put(0, 1500, false);
    put(1, 1500, false);
    put(2, 100, true);
    put(3, 1024, false);
    put(4, 1024, true);
    nic.write(NIC.TDT, 4, 5);
    expect(wire.sent.map((p) => [p.length, p[0], p[p.length - 1]])).toEqual([[NIC_MAX_PACKET, 4, 5]]);
    expect(nic.state).toMatchObject({ txDrops: 1, packetsTx: 1, txPartial: [], txDropping: false });
    expect([0, 1, 2, 3, 4].map(status)).toEqual([
      NIC_DESC_STATUS_DD,
      NIC_DESC_STATUS_DD | NIC_DESC_STATUS_ERR,
      NIC_DESC_STATUS_DD | NIC_DESC_STATUS_ERR,
      NIC_DESC_STATUS_DD,
      NIC_DESC_STATUS_DD,
    ]);
    expect(seen.high).toBeLessThanOrEqual(NIC_MAX_PACKET);
  });

  it('a packet of exactly NIC_MAX_PACKET bytes in fragments is sent; one byte more is dropped', () => {
    for (const extra of [0, 1]) {
      const { nic, wire, put } = nicRig();
      put(0, NIC_MAX_PACKET / 2, false);
      put(1, NIC_MAX_PACKET / 2 + extra, true);
      nic.write(NIC.TDT, 4, 2);
      expect([wire.sent.length, nic.state.txDrops]).toEqual(extra ? [0, 1] : [1, 0]);
    }
  });

  it('survives a snapshot taken while dropping: the restored NIC still skips to the end of the packet', () => {
    const { nic, wire, put } = nicRig();
    put(0, 2000, false);
    put(1, 2000, false);
    nic.write(NIC.TDT, 4, 2);
    const saved = JSON.parse(JSON.stringify(nic.snapshot()));
    const { nic: other, wire: otherWire, put: otherPut } = nicRig();
    other.restore(saved);
    otherPut(2, 10, true);
    otherPut(3, 10, true);
    other.write(NIC.TDT, 4, 4);
    expect(otherWire.sent.map((p) => p[0])).toEqual([4]);
    expect(wire.sent).toHaveLength(0);
  });

  // The doorbell guest (grow.s, mode 0) under native and every technique: each doorbell hands the NIC one
  // more fragment of a packet that never ends.
  for (const cfg of [null, ...ALL]) {
    it(`a guest ringing the doorbell forever without end-of-packet runs to its limit: ${cfg?.label ?? 'native'}`, () => {
      const image = hostile('grow.s', { MODE: 0, FRAG: 600 });
      let seen = { high: 0 };
      const { result, platform, ram } = runWatched(image, cfg, 60_000, (p) => (seen = watchTxPartial(p.nic)));
      expect(result.status).toBe('limit');
      const n = platform.nic.state;
      expect(n.doorbells).toBeGreaterThan(1000);
      // It buffered fragments (600, 1200, 1800 bytes), never more than a packet, and dropped the one packet.
      expect(seen.high).toBe(1800);
      expect(n.txPartial.length).toBe(0);
      expect([n.txDrops, n.packetsTx, result.stats.devices.nic.txDrops]).toEqual([1, 0, 1]);
      // Every descriptor after the drop came back done with the error bit.
      const ring = symbol(image, 'txring');
      for (let i = 0; i < 8; i++) expect(ram[ring + i * NIC_DESC.SIZE + NIC_DESC.STATUS]).toBe(NIC_DESC_STATUS_DD | NIC_DESC_STATUS_ERR);
    });
  }
});

describe('the far end of the wire keeps at most VM_LIMITS.WIRE_CAPTURE_PACKETS sent packets', () => {
  for (const cfg of [null, HW_NESTED]) {
    it(`a guest sending packets forever: ${cfg?.label ?? 'native'}`, () => {
      const { result, platform } = runWatched(hostile('grow.s', { MODE: 1, FRAG: 64 }), cfg, 20_000);
      expect(result.status).toBe('limit');
      const sent = platform.nic.state.packetsTx;
      expect(sent).toBeGreaterThan(VM_LIMITS.WIRE_CAPTURE_PACKETS);
      expect(platform.wire.sent).toHaveLength(VM_LIMITS.WIRE_CAPTURE_PACKETS);
      expect(platform.wire.sent.every((p) => p.length === 64)).toBe(true);
      expect(result.stats.dropped.wirePackets).toBe(sent - VM_LIMITS.WIRE_CAPTURE_PACKETS);
    });
  }
});

describe('the console transcript keeps at most VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES', () => {
  it('a guest printing forever without a newline: the transcript stops at the limit, the stream goes on', () => {
    let streamed = 0;
    const [r] = runGuests([{ name: 'g', image: hostile('grow.s', { MODE: 2 }), consoleSink: (s) => (streamed += s.length) }], {
      technique: 'native',
      maxInstructions: 2_200_000,
    });
    const printed = r!.stats.devices.uart.txBytes;
    expect(printed).toBeGreaterThan(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(r!.console.length).toBe(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(r!.console).toBe('x'.repeat(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES));
    expect(r!.stats.dropped.consoleBytes).toBe(printed - VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(streamed).toBe(printed);
  });
});

describe('the test port keeps at most VM_LIMITS.TEST_RESULTS results, and exact totals', () => {
  for (const cfg of [null, HW_NESTED]) {
    it(`a guest reporting forever: ${cfg?.label ?? 'native'}`, () => {
      const { result } = runWatched(hostile('grow.s', { MODE: 3 }), cfg, 20_000);
      const t = result.stats.devices.tests;
      expect(t.passed).toBeGreaterThan(VM_LIMITS.TEST_RESULTS / 2);
      expect(Math.abs(t.passed - t.failed)).toBeLessThanOrEqual(1);
      expect(t.results).toHaveLength(VM_LIMITS.TEST_RESULTS);
      expect(t.results.slice(0, 4)).toEqual([
        { case: 1, pass: true },
        { case: 1, pass: false },
        { case: 2, pass: true },
        { case: 2, pass: false },
      ]);
      expect(result.stats.dropped.testResults).toBe(t.passed + t.failed - VM_LIMITS.TEST_RESULTS);
    });
  }
});

describe('a run keeps at most VM_LIMITS.PHASE_MARKS phase marks', () => {
  for (const cfg of [null, HW_NESTED]) {
    it(`a guest printing phase marks forever: ${cfg?.label ?? 'native'}`, () => {
      const label = cfg?.label ?? 'native';
      const [r] = runGuests([spec('g', hostile('grow.s', { MODE: 4 }))], {
        technique: cfg?.technique ?? 'native',
        ...(cfg?.memory ? { memory: cfg.memory } : {}),
        maxInstructions: 60_000,
      });
      const marks = r!.console.split('\n').filter((l) => l === '== p ==').length;
      expect(marks, label).toBeGreaterThan(VM_LIMITS.PHASE_MARKS);
      expect(r!.phases).toHaveLength(VM_LIMITS.PHASE_MARKS + 1);
      expect(r!.phases.at(-1)!.name).toBe('shutdown');
      expect(r!.stats.dropped.phaseMarks).toBe(marks - VM_LIMITS.PHASE_MARKS);
      // The exits of the marks not kept are not lost: the phases still add up to the run's total.
      expect(r!.phases.reduce((n, p) => n + p.exits, 0)).toBe(r!.stats.exitsTotal);
    });
  }
});

describe('docs/security.md', () => {
  it('tables every per-VM limit by name', () => {
    const doc = readFileSync(`${REPO}docs/security.md`, 'utf8');
    const section = doc.slice(doc.indexOf('## Per-VM limits'));
    expect(section.length).toBeLessThan(doc.length);
    for (const name of Object.keys(VM_LIMITS)) expect(section, name).toContain(`\`${name}\``);
    for (const name of ['NIC_MAX_PACKET', 'HC_CONSOLE_MAX', 'HC_BATCH_MAX', 'RING_SLOTS', 'EVTCHN_PORTS', 'GRANT_MAX'])
      expect(section, name).toContain(`\`${name}\``);
  });
});
