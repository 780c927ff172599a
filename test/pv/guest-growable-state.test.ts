// Guest-growable state, paravirtual: console hypercalls, console-ring and net-ring floods end in the same
// per-VM limits as the emulated devices (vmm/limits.ts); the back-ends keep nothing per request.
import { describe, expect, it } from 'vitest';
import { BACKEND, CONSRING, CONSRING_OUT_SIZE, HC_CONSOLE_MAX, IF_STATUS_OK, PAGE_SIZE, RING_SLOTS } from '../../isa/abi.js';
import { SplitDevices } from '../../vmm/hv/pv/backends/index.js';
import { VM_LIMITS } from '../../vmm/limits.js';
import { Platform } from '../../vmm/platform.js';
import { Hypervisor } from '../../vmm/hv/hypervisor.js';
import { fixture, spec } from '../hv/helpers.js';
import { FakeDomain, FrontRing } from './split-harness.js';

/** A VM's platform and its split back-ends, the front-end side played by a FakeDomain. */
function splitRig() {
  const platform = new Platform(new Uint8Array(64 * PAGE_SIZE));
  const dev = SplitDevices.forPlatform(platform);
  return { platform, dev, d: new FakeDomain() };
}

describe('paravirtual floods stay within the per-VM limits', () => {
  it('a kernel calling console_write forever: the transcript stops at its limit, the run at its own', () => {
    const [r] = new Hypervisor([spec('flood', fixture('pv/flood.s'))], { technique: 'pv' }).run(6_000);
    expect(r!.status).toBe('limit');
    const calls = r!.stats.hypercalls['CONSOLE_WRITE']!;
    expect(calls * HC_CONSOLE_MAX).toBeGreaterThan(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(r!.console.length).toBe(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(r!.stats.dropped.consoleBytes).toBe(calls * HC_CONSOLE_MAX - VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
  });

  it('a front-end filling the console ring and notifying forever: the same transcript limit', () => {
    const { platform, dev, d } = splitRig();
    const page = 4 * PAGE_SIZE;
    expect(dev.console.connect(d, d.grant(page, BACKEND.CONSOLE), 3)).toBe(0);
    let prod = 0;
    const rounds = Math.ceil((2 * VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES) / CONSRING_OUT_SIZE);
    d.raw.fill('y'.charCodeAt(0), page + CONSRING.OUT, page + CONSRING.OUT + CONSRING_OUT_SIZE);
    for (let i = 0; i < rounds; i++) {
      prod += CONSRING_OUT_SIZE; // the whole buffer, every time
      d.memory.write32(page + CONSRING.OUT_PROD, prod);
      dev.console.notify();
    }
    expect(dev.console.connected).toBe(true);
    expect(dev.console.console.bytesOut).toBe(prod);
    expect(platform.console.length).toBe(VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
    expect(platform.dropped().consoleBytes).toBe(prod - VM_LIMITS.CONSOLE_TRANSCRIPT_BYTES);
  });

  it('a front-end sending on the net TX ring forever: the wire keeps its limit and counts the rest', () => {
    const { platform, dev, d } = splitRig();
    const tx = new FrontRing(d.memory, 2 * PAGE_SIZE);
    new FrontRing(d.memory, 3 * PAGE_SIZE);
    const buf = 8 * PAGE_SIZE;
    const bufRef = d.grant(buf, BACKEND.NET);
    d.raw.fill(7, buf, buf + 60);
    expect(dev.net.connect(d, d.grant(2 * PAGE_SIZE, BACKEND.NET), 9, d.grant(3 * PAGE_SIZE, BACKEND.NET))).toBe(0);
    let sent = 0;
    while (sent < 3 * VM_LIMITS.WIRE_CAPTURE_PACKETS) {
      for (let i = 0; i < RING_SLOTS; i++, sent++) tx.put([sent, bufRef, 0, 60]);
      tx.push();
      dev.net.notify();
      const rsps = tx.responses(2);
      expect(rsps).toHaveLength(RING_SLOTS);
      expect(rsps.every(([, status]) => status === IF_STATUS_OK)).toBe(true);
    }
    expect(dev.net.net.packetsTx).toBe(sent);
    expect(platform.wire.sent).toHaveLength(VM_LIMITS.WIRE_CAPTURE_PACKETS);
    expect(dev.net.wire.sent).toBe(platform.wire.sent);
    expect(platform.dropped().wirePackets).toBe(sent - VM_LIMITS.WIRE_CAPTURE_PACKETS);
  });
});
