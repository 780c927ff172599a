// The machine's run loop: power-off, halt, instruction limit, crash, timer interrupts with idle fast-forward, devices end to end.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLK,
  BLK_CMD_READ,
  BLK_SECTOR_SIZE,
  IRQ,
  MEMMAP,
  NIC,
  NIC_DESC,
  NIC_DESC_CMD_EOP,
  NIC_DESC_STATUS_DD,
  PIC_EOI,
  PORT,
  SP,
  TIMER_ENABLE,
  TIMER_PERIODIC,
  VEC,
} from '../../isa/abi.js';
import { Machine } from '../../vmm/bare-metal.js';
import { Prog } from './build.js';

function run(p: Prog, opts: ConstructorParameters<typeof Machine>[0] = {}, maxInstructions = 1_000_000) {
  const m = new Machine(opts);
  m.load(p.image());
  return { m, r: m.run({ maxInstructions }) };
}

/** Emit code that prints `text` on the UART using r1. */
function print(p: Prog, text: string): Prog {
  for (const ch of text) p.li(1, ch.charCodeAt(0)).out(PORT.UART_DATA, 1);
  return p;
}

/** An empty 256-entry vector table at label `ivt`; `image()` fills in handlers. */
function vectorTable(p: Prog): Prog {
  return p.label('ivt').word(...new Array(256).fill(0));
}

/** The image with the vector table's entries pointing at the given handler labels. */
function image(p: Prog, handlers: Record<number, string>) {
  const img = p.image();
  const ivt = p.addr('ivt');
  const view = new DataView(img.segments[0]!.data.buffer);
  for (const [v, label] of Object.entries(handlers)) view.setUint32(ivt - p.origin + Number(v) * 4, p.addr(label), true);
  return img;
}

describe('Machine.run', () => {
  it('a guest that loops forever stops at the instruction limit with exit 69', () => {
    const p = new Prog().label('start').jump('jmp', 'start');
    const { r } = run(p, {}, 200_000);
    expect(r.status).toBe('limit');
    expect(r.exitCode).toBe(69);
    expect(r.stats.guestInstructions).toBe(200_000);
  });

  it('prints on the UART and powers off with the status written', () => {
    const chunks: string[] = [];
    const p = print(new Prog(), 'hi\n').li(1, 3).out(PORT.POWEROFF, 1).label('x').jump('jmp', 'x');
    const { r } = run(p, { consoleSink: (s) => chunks.push(s) });
    expect(r.status).toBe('poweroff');
    expect(r.exitCode).toBe(3);
    expect(r.console).toBe('hi\n');
    expect(chunks.join('')).toBe('hi\n');
    expect(r.stats.devices.uart.txBytes).toBe(3);
    expect(r.stats.io.portWrites).toBe(4);
    expect(r.stats.modeledCycles).toBeGreaterThan(r.stats.guestInstructions);
  });

  it('hlt with IF = 0 stops the machine as halted, exit 0', () => {
    const { r } = run(new Prog().op('nop').op('hlt').op('nop'));
    expect(r.status).toBe('halted');
    expect(r.exitCode).toBe(0);
    expect(r.stats.guestInstructions).toBe(2);
  });

  it('hlt with IF = 1 and no interrupt source armed is halted too', () => {
    const p = new Prog().li(1, 0).op('lidt', { a: 1 }).op('sti').op('hlt');
    const { r } = run(p);
    expect(r.status).toBe('halted');
  });

  it('a fault with an empty vector table is a crash (71) whose report names the instruction and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmlab-m-'));
    const file = join(dir, 'crash.s');
    writeFileSync(file, 'start:\n    li r2, 0\n    div r1, r2\n');
    const p = new Prog()
      .op('li.ri', { a: 2, imm: 0 }, { file, line: 2 })
      .op('div.rr', { a: 1, b: 2 }, { file, line: 3 });
    const { r } = run(p);
    expect(r.status).toBe('crash');
    expect(r.exitCode).toBe(71);
    expect(r.crash?.instruction).toBe('div r1, r2');
    expect(r.crash?.pc).toBe(0x1004);
    expect(r.crash?.source).toEqual({ file, line: 3, text: '    div r1, r2' });
    expect(r.crash?.fault?.vector).toBe(VEC.DE);
  });

  it('a crash on a software interrupt names the int instruction, not the one after it', () => {
    const { r } = run(new Prog().op('nop').op('int', { imm: VEC.SYSCALL }).op('nop'));
    expect(r.status).toBe('crash');
    expect(r.crash?.pc).toBe(0x1004);
    expect(r.crash?.instruction).toMatch(/^int /);
    expect(r.crash?.fault?.vector).toBe(VEC.SYSCALL);
    expect(r.crash?.registers.pc).toBe(0x1008);
  });

  it('wakes from hlt on a timer interrupt, counting the wait as idle rather than guest instructions', () => {
    const p = new Prog();
    p.li(1, 0x2000) // the vector table is placed at 0x2000 below
      .op('lidt', { a: 1 })
      .li(1, 5000)
      .out(PORT.TIMER_PERIOD, 1)
      .li(1, TIMER_ENABLE)
      .out(PORT.TIMER_CTRL, 1)
      .op('sti')
      .op('hlt');
    print(p, 'W').li(1, 9).out(PORT.POWEROFF, 1);
    p.label('tick');
    print(p, 'T').li(1, PIC_EOI).out(PORT.PIC_CMD, 1).op('iret');
    while (p.here < 0x2000) p.op('nop');
    vectorTable(p);
    const img = image(p, { [VEC.IRQ_BASE + IRQ.TIMER]: 'tick' });
    const m = new Machine();
    m.load(img);
    const r = m.run({ maxInstructions: 1_000_000 });
    expect(r.console).toBe('TW');
    expect(r.exitCode).toBe(9);
    expect(r.stats.interrupts).toBe(1);
    expect(r.stats.devices.timer.ticks).toBe(1);
    expect(r.stats.guestInstructions).toBeLessThan(100);
    expect(r.stats.idleInstructions + r.stats.guestInstructions).toBeGreaterThanOrEqual(5000);
  });

  it('a periodic timer interrupts a busy loop at exact instruction counts', () => {
    // Count timer interrupts in r5; power off with the count after the loop has spun for a while.
    const p = new Prog();
    p.li(1, 0x2000)
      .op('lidt', { a: 1 })
      .li(1, 1000)
      .out(PORT.TIMER_PERIOD, 1)
      .li(1, TIMER_ENABLE | TIMER_PERIODIC)
      .out(PORT.TIMER_CTRL, 1)
      .li(5, 0)
      .op('sti')
      .label('spin')
      .op('cmp.ri', { a: 5, imm: 10 })
      .jump('jnz', 'spin')
      .out(PORT.POWEROFF, 5);
    p.label('tick').op('add.ri', { a: 5, imm: 1 }).li(1, PIC_EOI).out(PORT.PIC_CMD, 1).op('iret');
    while (p.here < 0x2000) p.op('nop');
    vectorTable(p);
    const m = new Machine();
    m.load(image(p, { [VEC.IRQ_BASE + IRQ.TIMER]: 'tick' }));
    const r = m.run({ maxInstructions: 1_000_000 });
    expect(r.exitCode).toBe(10);
    expect(r.stats.devices.timer.ticks).toBe(10);
    // Deterministic to the instruction: 6 setup instructions (the enabling `out` is the 6th), ten
    // periods of 1000, then the last handler (4) and cmp, jnz, out (3).
    expect(r.stats.guestInstructions).toBe(6 + 10_000 + 4 + 3);
  });

  it('an idle loop woken by a periodic timer ends at the limit: idle time counts against the budget', () => {
    const p = new Prog();
    p.li(1, 0x2000)
      .op('lidt', { a: 1 })
      .li(1, 1000)
      .out(PORT.TIMER_PERIOD, 1)
      .li(1, TIMER_ENABLE | TIMER_PERIODIC)
      .out(PORT.TIMER_CTRL, 1)
      .op('sti')
      .label('idle')
      .op('hlt')
      .jump('jmp', 'idle');
    p.label('tick').li(1, PIC_EOI).out(PORT.PIC_CMD, 1).op('iret');
    while (p.here < 0x2000) p.op('nop');
    vectorTable(p);
    const m = new Machine();
    m.load(image(p, { [VEC.IRQ_BASE + IRQ.TIMER]: 'tick' }));
    const r = m.run({ maxInstructions: 100_000 });
    expect(r.status).toBe('limit');
    expect(r.stats.guestInstructions + r.stats.idleInstructions).toBe(100_000);
    expect(r.stats.idleInstructions).toBeGreaterThan(90_000);
    expect(r.stats.devices.timer.ticks).toBe(99);
  });

  it('a timer expiry that the PIC masks cannot wake hlt: halted', () => {
    const p = new Prog()
      .li(1, 1 << IRQ.TIMER)
      .out(PORT.PIC_MASK, 1)
      .li(1, 100)
      .out(PORT.TIMER_PERIOD, 1)
      .li(1, TIMER_ENABLE | TIMER_PERIODIC)
      .out(PORT.TIMER_CTRL, 1)
      .op('sti')
      .op('hlt');
    const { r } = run(p);
    expect(r.status).toBe('halted');
    expect(r.stats.idleInstructions).toBeGreaterThan(0);
  });

  it('the guest reads the timer count as of the reading instruction', () => {
    const p = new Prog().li(1, 1000).out(PORT.TIMER_PERIOD, 1).li(1, TIMER_ENABLE).out(PORT.TIMER_CTRL, 1);
    for (let i = 0; i < 10; i++) p.op('nop');
    p.in(2, PORT.TIMER_COUNT).out(PORT.POWEROFF, 2);
    const { m } = run(p);
    // 10 nops and the `in` itself have passed since the enabling `out`.
    expect(m.poweroff.state.status).toBe(989);
  });

  it('echoes UART input given up front', () => {
    const p = new Prog()
      .label('loop')
      .in(1, PORT.UART_STATUS)
      .op('test.ri', { a: 1, imm: 1 })
      .jump('jz', 'done')
      .in(1, PORT.UART_DATA)
      .out(PORT.UART_DATA, 1)
      .jump('jmp', 'loop')
      .label('done')
      .li(1, 0)
      .out(PORT.POWEROFF, 1);
    const { r } = run(p, { stdin: 'abc' });
    expect(r.console).toBe('abc');
    expect(r.stats.devices.uart.rxBytes).toBe(3);
  });

  it('reads a disk sector by DMA through the MMIO registers', () => {
    const disk = new Uint8Array(4 * BLK_SECTOR_SIZE);
    disk.set(new TextEncoder().encode('OK\n'), BLK_SECTOR_SIZE);
    const p = new Prog()
      .li(2, MEMMAP.BLOCK_MMIO)
      .li(1, 1)
      .op('st.mr', { a: 1, b: 2, imm: BLK.SECTOR })
      .op('st.mr', { a: 1, b: 2, imm: BLK.COUNT })
      .li(1, 0x8000)
      .op('st.mr', { a: 1, b: 2, imm: BLK.DMA_ADDR })
      .li(1, BLK_CMD_READ)
      .op('st.mr', { a: 1, b: 2, imm: BLK.CMD })
      .li(3, 0x8000);
    for (let i = 0; i < 3; i++) p.op('ldb.rm', { a: 1, b: 3, imm: i }).out(PORT.UART_DATA, 1);
    p.op('ld.rm', { a: 1, b: 2, imm: BLK.STATUS }).out(PORT.POWEROFF, 1);
    const { r } = run(p, { blockImage: disk });
    expect(r.console).toBe('OK\n');
    expect(r.exitCode).toBe(1); // STATUS = done
    expect(r.stats.devices.block.sectorsRead).toBe(1);
    expect(r.stats.io.mmioWrites).toBe(4);
  });

  it('a DMA aimed past the end of RAM is fenced by the IOMMU', () => {
    const disk = new Uint8Array(BLK_SECTOR_SIZE).fill(0x77);
    const p = new Prog()
      .li(2, MEMMAP.BLOCK_MMIO)
      .li(1, 1)
      .op('st.mr', { a: 1, b: 2, imm: BLK.COUNT })
      .li(1, 0x10000 - 256)
      .op('st.mr', { a: 1, b: 2, imm: BLK.DMA_ADDR })
      .li(1, BLK_CMD_READ)
      .op('st.mr', { a: 1, b: 2, imm: BLK.CMD })
      .op('ld.rm', { a: 1, b: 2, imm: BLK.STATUS })
      .out(PORT.POWEROFF, 1);
    const m = new Machine({ ramSize: 0x10000, blockImage: disk });
    m.load(p.image());
    const before = m.mem.slice();
    const r = m.run({ maxInstructions: 1000 });
    expect(r.exitCode).toBe(3); // done | error
    expect(r.stats.devices.iommu.faults).toBe(1);
    expect(m.mem.subarray(0x2000)).toEqual(before.subarray(0x2000));
  });

  it('a guest NIC driver receives an injected packet and transmits it back (echo)', () => {
    const NIC_BASE = MEMMAP.NIC_MMIO;
    const TX = 0x8000;
    const RX = 0x8100;
    const RXBUF = 0x9000;
    const p = new Prog()
      .li(2, NIC_BASE)
      // RX ring of 4 at RX: descriptor 0 gets RXBUF; hand the device 1 descriptor (RDT = 1)
      .li(3, RX)
      .li(1, RXBUF)
      .op('st.mr', { a: 1, b: 3, imm: NIC_DESC.ADDR })
      .op('st.mr', { a: 3, b: 2, imm: NIC.RDBA })
      .li(1, 4)
      .op('st.mr', { a: 1, b: 2, imm: NIC.RDLEN })
      .op('st.mr', { a: 1, b: 2, imm: NIC.TDLEN })
      .li(1, TX)
      .op('st.mr', { a: 1, b: 2, imm: NIC.TDBA })
      .li(1, 1)
      .op('st.mr', { a: 1, b: 2, imm: NIC.RDT })
      .op('st.mr', { a: 1, b: 2, imm: NIC.CTRL })
      // wait for DD in RX descriptor 0
      .label('wait')
      .op('ldb.rm', { a: 1, b: 3, imm: NIC_DESC.STATUS })
      .op('test.ri', { a: 1, imm: NIC_DESC_STATUS_DD })
      .jump('jz', 'wait')
      // TX descriptor 0 = same buffer, received length, EOP; ring the doorbell (TDT = 1)
      .op('ldh.rm', { a: 4, b: 3, imm: NIC_DESC.LEN })
      .li(5, TX)
      .li(1, RXBUF)
      .op('st.mr', { a: 1, b: 5, imm: NIC_DESC.ADDR })
      .op('sth.mr', { a: 4, b: 5, imm: NIC_DESC.LEN })
      .li(1, NIC_DESC_CMD_EOP)
      .op('stb.mr', { a: 1, b: 5, imm: NIC_DESC.CMD })
      .li(1, 1)
      .op('st.mr', { a: 1, b: 2, imm: NIC.TDT })
      .out(PORT.POWEROFF, 4);
    const m = new Machine();
    m.load(p.image());
    expect(m.run({ maxInstructions: 1000 }).status).toBe('limit'); // spinning on the RX descriptor
    expect(m.wire.inject(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01))).toBe(true);
    const r = m.run({ maxInstructions: 1000 });
    expect(r.status).toBe('poweroff');
    expect(r.exitCode).toBe(5);
    expect(m.wire.sent.map((x) => Array.from(x))).toEqual([[0xde, 0xad, 0xbe, 0xef, 0x01]]);
    expect(r.stats.devices.nic).toMatchObject({ packetsRx: 1, packetsTx: 1, doorbells: 1 });
    expect(m.wire.inject(Uint8Array.of(1))).toBe(false); // only one RX descriptor was given
  });

  it('rejects a RAM size out of range, and loads fail with LoadError for images that do not fit', () => {
    expect(() => new Machine({ ramSize: 1000 })).toThrow(/multiple of 4096/);
    const m = new Machine({ ramSize: 0x2000 });
    const p = new Prog(0x1000);
    for (let i = 0; i < 2000; i++) p.op('nop');
    expect(() => m.load(p.image())).toThrow(/does not fit in the machine's 8 KiB of RAM/);
  });

  it('starts with sp at the top of RAM', () => {
    const p = new Prog().op('mov', { a: 1, b: SP }).op('shr.ri', { a: 1, imm: 12 }).out(PORT.POWEROFF, 1);
    const { r } = run(p, { ramSize: 0x40000 });
    expect(r.guestStatus).toBe(0x40);
  });
});
