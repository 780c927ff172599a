// boot(): registers and memory as the guest sees them, packets in and out, blocks written, under each technique.
import { describe, expect, it } from 'vitest';
import {
  boot,
  CheckFailure,
  expectExitsAtMost,
  expectNoPrivileged,
  expectPoweroff,
  expectSameAsNative,
  ProgramError,
} from '../../testing/index.js';

/** Receives one packet through the NIC (one receive descriptor posted) and powers off with its first byte. */
const RECEIVER = `
.include "vx32.inc"
.text
_start:
    cli
    li r1, rxbuf0
    st [rxring + NIC_DESC_ADDR], r1
    li r1, rxbuf1
    st [rxring + NIC_DESC_SIZE + NIC_DESC_ADDR], r1
    li r2, MEM_NIC_MMIO
    li r1, rxring
    st [r2 + NIC_RDBA], r1
    li r1, 2
    st [r2 + NIC_RDLEN], r1
    li r1, 1
    st [r2 + NIC_RDT], r1           ; descriptor 0 is the device's
    st [r2 + NIC_CTRL], r1
.Lwait:
    ldb r1, [rxring + NIC_DESC_STATUS]
    test r1, NIC_DESC_STATUS_DD
    jz .Lwait
    li r5, 0x1234
    st [mark], r5
    ldb r1, [rxbuf0]
    out PORT_POWEROFF, r1
    hlt
.data
greeting: .asciz "hi there"
.align 4
mark: .word 0
.bss
.align 16
rxring: .space 32
rxbuf0: .space 2048
rxbuf1: .space 2048
`;

/** Writes sector 3 from a buffer of 0x5a bytes, then prints "ok". */
const WRITER = `
.include "vx32.inc"
.text
_start:
    li r1, buf
    li r2, 512
    li r3, 0x5a
.Lfill:
    stb [r1], r3
    add r1, 1
    sub r2, 1
    cmp r2, 0
    jnz .Lfill
    li r2, MEM_BLOCK_MMIO
    li r1, 3
    st [r2 + BLK_SECTOR], r1
    li r1, buf
    st [r2 + BLK_DMA_ADDR], r1
    li r1, 1
    st [r2 + BLK_COUNT], r1
    li r1, BLK_CMD_WRITE
    st [r2 + BLK_CMD], r1
.Lpoll:
    ld r1, [r2 + BLK_STATUS]
    test r1, BLK_STATUS_DONE
    jz .Lpoll
    li r1, 'o'
    out PORT_UART_DATA, r1
    li r1, 'k'
    out PORT_UART_DATA, r1
    li r1, 0
    out PORT_POWEROFF, r1
.bss
.align 16
buf: .space 512
`;

describe('boot', () => {
  for (const technique of ['native', 'emulate', 'trap', 'hw'] as const) {
    it(`${technique}: a packet waits on the wire for a receive descriptor; registers and memory as the guest sees them`, () => {
      const r = boot({ source: RECEIVER, name: 'receiver.s' }, { technique, packets: [Uint8Array.of(42, 1, 2), Uint8Array.of(7)] });
      expectPoweroff(r, 42);
      expect(r.stats.devices.nic.packetsRx).toBe(1);
      // The second packet found no free descriptor: it is still waiting, not dropped.
      expect(r.stats.devices.nic.rxDrops).toBe(0);
      expect(r.registers.r[5]).toBe(0x1234);
      expect(r.registers.cpl).toBe(0);
      expect(r.registers.flags & 0x200).toBe(0); // the guest's IF, not the VMM's
      expect(r.read32('mark')).toBe(0x1234);
      expect(r.readString('greeting')).toBe('hi there');
      expect(Array.from(r.readBytes('rxbuf0', 3))).toEqual([42, 1, 2]);
    });
  }

  it('reports sectors whose contents changed, packets the guest sent, and the disk it started from', () => {
    const r = boot({ source: WRITER }, { technique: 'hw' });
    expect(r.console).toBe('ok');
    expect(r.blocksWritten.map((b) => b.sector)).toEqual([3]);
    expect(r.blocksWritten[0]!.data.every((b) => b === 0x5a)).toBe(true);
    const disk = new Uint8Array(8 * 512);
    disk.fill(0x5a, 3 * 512, 4 * 512);
    // The same bytes already there: nothing changed, so nothing is reported; the caller's disk is not touched.
    const again = boot({ source: WRITER }, { disk });
    expect(again.blocksWritten).toEqual([]);
    expect(again.stats.devices.block.sectorsWritten).toBe(1);
    expect(disk[0]).toBe(0);
  });

  it('mini: packets sent and sectors written, the same natively and under trap', () => {
    const r = boot('guest-kernels/mini/main.s', { maxInstructions: 5_000_000 });
    expectPoweroff(r, 0);
    // Tasks interleave, so packets leave in scheduling order: compare the set of lengths.
    const lengths = r.packetsSent.map((p) => p.length).sort((a, b) => a - b);
    expect(lengths).toEqual([1, 2, 3].flatMap((pid) => [0, 1, 2, 3].map((i) => 60 + 4 * pid + i)).sort((a, b) => a - b));
    expect(r.blocksWritten.map((b) => b.sector)).toEqual([1, 2, 3].flatMap((pid) => [0, 1, 2, 3].map((i) => pid * 8 + i)));
    const t = r.rerun({ technique: 'trap', strict: true });
    expectSameAsNative(t, r);
    expect(t.packetsSent.map((p) => Buffer.from(p).toString('hex'))).toEqual(r.packetsSent.map((p) => Buffer.from(p).toString('hex')));
  });

  it('a program that does not assemble is a ProgramError (a CheckFailure) listing the diagnostics', () => {
    expect(() => boot({ source: '.text\n  bogus r1\n', name: 'bad.s' })).toThrow(ProgramError);
    expect(() => boot({ source: '.text\n  bogus r1\n', name: 'bad.s' })).toThrow(/bad\.s does not assemble:\nbad\.s:2:3: error/);
    expect(new ProgramError('x')).toBeInstanceOf(CheckFailure);
  });
});

describe('run assertions', () => {
  it('same as native: names the first silent failure under trap, with a diff', () => {
    const t = boot('guest-kernels/mini/main.s', { technique: 'trap', maxInstructions: 5_000_000 });
    let err: unknown;
    try {
      expectSameAsNative(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckFailure);
    expect((err as CheckFailure).message).toMatch(/^under trap \(shadow\) the console differs from native.*the VMM saw popf at guest-kernels\/mini\/.*\.s:\d+ left IF=0/);
    expect((err as CheckFailure).diff).toMatch(/^--- expected\n\+\+\+ actual\n/);
  });

  it('at most N exits of a reason; no privileged instruction', () => {
    const hw = boot({ source: RECEIVER }, { technique: 'hw', packets: [Uint8Array.of(1)] });
    const io = hw.stats.exits['IO'] ?? 0;
    expect(io).toBeGreaterThan(0);
    expect(() => expectExitsAtMost(hw, 'IO', io)).not.toThrow();
    expect(() => expectExitsAtMost(hw, 'IO', io - 1)).toThrow(`${io} IO exits under hw (nested), more than the ${io - 1} allowed`);
    expect(() => expectNoPrivileged(hw)).toThrow(/executed \d+ privileged or sensitive instruction\(s\) under hw \(nested\)/);
    const spin = boot({ source: '.text\n_start:\n    jmp _start\n' }, { maxInstructions: 1000 });
    expect(spin.status).toBe('limit');
    expect(() => expectNoPrivileged(spin)).not.toThrow();
    expect(() => expectPoweroff(spin)).toThrow('the guest did not power off under native: it reached the instruction limit (a loop?)');
  });
});
