// The virtualization extension: instruction exits from the ISA table, I/O and exception bitmaps, injection, interrupt exits, EPT.

import { describe, expect, it } from 'vitest';
import { EXIT_REASONS, FLAGS, PF_ERR, PTE, VEC } from '../../isa/abi.js';
import { lengthOf } from '../../isa/encoding.js';
import { BY_OPCODE, OP, type InsnId } from '../../isa/table.js';
import { createVmControl, EXIT_BIT, exitMask, setIoBit, type VmControl } from '../../vmm/machine/vmx.js';
import { assemble, I, PageTables, rig, type Insn } from './harness.js';

const li = (reg: number, v: number): Insn => I('li.rI', reg, 0, v | 0);

// Guest-physical [0, 512 KiB) lives at host-physical [1 MiB, 1.5 MiB) through the second stage.
const HOST_RAM = 2 << 20;
const GUEST_BASE = 0x10_0000;
const GUEST_SIZE = 0x8_0000;
const EPT_DIR = 0x1c_0000;
const G_IVT = 0x400;
const G_STUB = 0x800;
const G_CODE = 0x1000;
const G_STACK = 0x7_0000;

function guest(prog: Insn[], ctl: Partial<VmControl> = {}, ept = true) {
  const g = rig({ ram: HOST_RAM });
  const vm = createVmControl({ eptRoot: ept ? EPT_DIR : -1, ...ctl });
  const base = ept ? GUEST_BASE : 0;
  const ep = new PageTables(g.dv, EPT_DIR, EPT_DIR + 0x1000);
  ep.mapRange(0, GUEST_BASE, GUEST_SIZE, PTE.P | PTE.W);
  const gpoke = (gpa: number, words: number[]) => g.poke(base + gpa, words);
  for (let v = 0; v < 256; v++) gpoke(G_IVT + 4 * v, [G_STUB]);
  gpoke(G_STUB, assemble([I('hlt')]));
  gpoke(G_CODE, assemble([...prog, I('hlt')]));
  g.cpu.reset(G_CODE, G_STACK);
  g.cpu.ivtb = G_IVT;
  g.cpu.vmx = vm;
  const gpeek = (gpa: number) => g.peek(base + gpa);
  const frame = () => {
    const sp = g.cpu.r[15]! >>> 0;
    return { vector: gpeek(sp), error: gpeek(sp + 4), pc: gpeek(sp + 8) };
  };
  return { g, vm, ep, gpoke, gpeek, frame, cpu: g.cpu };
}

/** Instructions whose ISA entry names an instruction exit reason, with a program that runs one at CPL 0. */
const EXITING = BY_OPCODE.filter((e) => e.exit !== null && e.exit !== 'EXCEPTION');

function sample(id: InsnId): Insn[] {
  switch (id) {
    case 'int':
      return [I('int', 0, 0, 0x80)];
    case 'in':
      return [I('in', 1, 0, 0x3f8)];
    case 'out':
      return [I('out', 1, 0, 0x3f8)];
    case 'mov.rc':
      return [I('mov.rc', 1, 3)];
    case 'mov.cr':
      return [I('li.ri', 1, 0, 0), I('mov.cr', 1, 8)];
    case 'iret':
      return [li(15, 0x6000), I('iret')];
    case 'popf':
      return [I('push', 1), I('popf')];
    default:
      return [I(id, 1)];
  }
}

describe('instruction exits, generated from the ISA table', () => {
  for (const e of EXITING) {
    it(`${e.id} exits ${e.exit} when enabled${e.id === 'hcall' ? ' (always)' : ', runs when not'}`, () => {
      const prog = sample(e.id as InsnId);
      const at = G_CODE + (assemble(prog).length - lengthOf(assemble(prog.slice(-1))[0]!) / 4) * 4;
      const on = guest(prog, { exitOn: EXIT_BIT[e.exit!], ioBitmap: new Uint8Array(8192).fill(0xff) });
      on.gpoke(0x6000, [0, 0, G_CODE + 0x100, 0, G_STACK]);
      expect(on.cpu.run(100)).toBe('exit');
      expect(on.cpu.exit.reason).toBe(e.exit);
      expect(on.cpu.exit.opcode).toBe(e.opcode);
      expect(on.cpu.exit.length).toBe(4);
      expect(on.cpu.pc).toBe(at);
      expect(on.cpu.exit.pc).toBe(at);
      expect(on.cpu.stats.exitsByReason[EXIT_REASONS.indexOf(e.exit!)]).toBe(1);

      const others = exitMask(...EXIT_REASONS.filter((r) => r !== e.exit && r !== 'HLT'));
      const off = guest(prog, { exitOn: others, ioBitmap: new Uint8Array(8192).fill(0xff) });
      off.gpoke(0x6000, [0, 0, G_CODE + 0x100, 0, G_STACK]);
      off.gpoke(G_CODE + 0x100, assemble([I('hlt')]));
      let s = off.cpu.run(100);
      while (s === 'io') s = off.cpu.run(100);
      if (e.id === 'hcall') {
        expect(s).toBe('exit');
        expect(off.cpu.exit.reason).toBe('HCALL');
      } else expect(s === 'exit' ? off.cpu.exit.reason : s).toBe('halt');
    });
  }

  it('qualifications: port and direction, control register, vector', () => {
    const io = guest([li(1, 0x41), I('out', 1, 0, 0x3f8)], { exitOn: exitMask('IO') });
    setIoBit(io.vm.ioBitmap, 0x3f8);
    expect(io.cpu.run(100)).toBe('exit');
    expect(io.cpu.exit).toMatchObject({ reason: 'IO', port: 0x3f8, write: true, reg: 1, size: 4, value: 0x41 });
    const cr = guest([li(2, 0xc000), I('mov.cr', 2, 3)], { exitOn: exitMask('CR_ACCESS') });
    expect(cr.cpu.run(100)).toBe('exit');
    expect(cr.cpu.exit).toMatchObject({ reason: 'CR_ACCESS', cr: 3, write: true, reg: 2, value: 0xc000 });
    const si = guest([I('int', 0, 0, 0x99)], { exitOn: exitMask('SOFT_INT') });
    si.cpu.run(100);
    expect(si.cpu.exit).toMatchObject({ reason: 'SOFT_INT', vector: 0x99 });
  });

  it('the I/O bitmap selects ports', () => {
    const t = guest([I('in', 1, 0, 0x3f9), I('out', 1, 0, 0x3f8)], { exitOn: exitMask('IO') });
    setIoBit(t.vm.ioBitmap, 0x3f8);
    t.g.bus.ports.set(0x3f9, 3);
    expect(t.cpu.run(100)).toBe('io');
    expect(t.cpu.r[1]).toBe(3);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit.port).toBe(0x3f8);
    expect(t.g.bus.writes).toEqual([]);
  });

  it('privilege is checked before exits: a guest user hlt takes #GP in the guest', () => {
    const t = guest([I('hlt')], { exitOn: exitMask('HLT') });
    t.cpu.cpl = 3;
    t.cpu.cr4 = G_STACK;
    expect(t.cpu.run(100)).toBe('exit'); // the guest's stub, at CPL 0, exits on its hlt
    expect(t.cpu.exit).toMatchObject({ reason: 'HLT', pc: G_STUB });
    expect(t.frame().vector).toBe(VEC.GP);
  });
});

describe('exceptions, injection and interrupts', () => {
  it('the exception bitmap turns a guest fault into an exit, with cr2 in the qualification only', () => {
    const t = guest([li(2, 0x9_0000), I('ld.rm', 1, 2, 0)], { exceptionBitmap: 1 << VEC.PF }, false);
    // guest paging with an empty directory at 0x2000 except the code page and IVT page
    const pt = new PageTables(t.g.dv, 0x2000, 0x3000);
    pt.mapRange(0, 0, 0x2000, PTE.P | PTE.W);
    t.cpu.cr3 = 0x2000;
    t.cpu.cr0 = 1;
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EXCEPTION', vector: VEC.PF, error: 0, cr2: 0x9_0000, pc: G_CODE + 8 });
    expect(t.cpu.cr2).toBe(0);
    t.vm.exceptionBitmap = 0;
    pt.mapRange(G_STACK - 0x1000, G_STACK - 0x1000, 0x1000, PTE.P | PTE.W);
    t.cpu.flushTlb();
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.frame()).toMatchObject({ vector: VEC.PF, pc: G_CODE + 8 });
    expect(t.cpu.cr2).toBe(0x9_0000);
  });

  it('with #PF exits on, a page fault while delivering exits EXCEPTION and re-injects the event (shadow paging)', () => {
    const t = guest([I('int', 0, 0, 0x80)], { exceptionBitmap: 1 << VEC.PF }, false);
    const pt = new PageTables(t.g.dv, 0x2000, 0x3000);
    pt.mapRange(0, 0, 0x2000, PTE.P | PTE.W); // IVT, stub and code; the stack page is missing
    t.cpu.cr3 = 0x2000;
    t.cpu.cr0 = 1;
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EXCEPTION', vector: VEC.PF, error: PF_ERR.W, cr2: G_STACK - 20, pc: G_CODE + 4 });
    expect(t.vm.inject).toEqual({ vector: 0x80, error: 0 });
    pt.map(G_STACK - 0x1000, G_STACK - 0x1000, PTE.P | PTE.W);
    t.cpu.flushTlb();
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.frame()).toMatchObject({ vector: 0x80, pc: G_CODE + 4 });
  });

  it('brk in the bitmap exits with pc after it', () => {
    const t = guest([I('brk')], { exceptionBitmap: 1 << VEC.BP });
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EXCEPTION', vector: VEC.BP, pc: G_CODE + 4 });
  });

  it('an injected event is delivered through the guest IVT on entry, then cleared', () => {
    const t = guest([I('nop')], { inject: { vector: 0x40, error: 5 } });
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.frame()).toEqual({ vector: 0x40, error: 5, pc: G_CODE });
    expect(t.vm.inject).toBeNull();
  });

  it('an injected exception goes to the guest even when its vector is in the exception bitmap', () => {
    const t = guest([I('nop')], { exceptionBitmap: 1 << VEC.PF, inject: { vector: VEC.PF, error: PF_ERR.W } });
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.frame()).toEqual({ vector: VEC.PF, error: PF_ERR.W, pc: G_CODE });
    expect(t.cpu.stats.exits).toBe(0);
  });

  it('interrupt window: exits once the guest sets IF', () => {
    const t = guest([I('nop'), I('sti'), I('nop')], { interruptWindowExit: true });
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'INTERRUPT_WINDOW', pc: G_CODE + 8 });
    expect(t.cpu.stats.instructions).toBe(2);
    const off = guest([I('nop'), I('sti'), I('nop')], { interruptWindowExit: false });
    expect(off.cpu.run(100)).toBe('halt');
    expect(off.cpu.stats.exits).toBe(0);
  });

  it('external interrupts exit whatever the guest IF, without being acknowledged', () => {
    const t = guest([I('nop')], { extInterruptExit: true });
    t.g.pic.pending.add(2);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EXT_INTERRUPT', vector: 34 });
    expect(t.g.pic.acked).toEqual([]);
    const d = guest([I('nop')]);
    d.g.pic.pending.add(2);
    d.cpu.flags = FLAGS.IF;
    expect(d.cpu.run(100)).toBe('halt');
    expect(d.frame().vector).toBe(34); // without the exit, straight to the guest's IVT
  });

  it('a triple fault in non-root mode is an exit, not a machine stop', () => {
    const t = guest([I('brk')]);
    t.gpoke(G_IVT + 4 * VEC.BP, [0]);
    t.gpoke(G_IVT + 4 * VEC.DF, [0]);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'TRIPLE_FAULT', vector: VEC.BP });
  });
});

describe('second-stage paging', () => {
  it('runs the guest from its own physical addresses', () => {
    const t = guest([li(1, 0x1234), li(2, 0x5000), I('st.mr', 1, 2, 0)]);
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.g.peek(GUEST_BASE + 0x5000)).toBe(0x1234);
    expect(t.g.peek(0x5000)).toBe(0);
  });

  it('an unmapped guest-physical address exits EPT_VIOLATION with gpa and the access', () => {
    const t = guest([li(2, 0x9_0000), I('ld.rm', 3, 2, 4), li(1, 7), I('sth.mr', 1, 2, 8)]);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EPT_VIOLATION', gpa: 0x9_0004, write: false, fetch: false, reg: 3, size: 4, pc: G_CODE + 8, length: 4 });
    t.cpu.pc = G_CODE + 12; // the hypervisor emulates the load and moves on
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EPT_VIOLATION', gpa: 0x9_0008, write: true, reg: 1, size: 2, value: 7 });
  });

  it('a write to a read-only second-stage page exits; a read does not', () => {
    const t = guest([li(2, 0x5000), I('ld.rm', 1, 2, 0), I('st.mr', 1, 2, 0)]);
    t.ep.map(0x5000, GUEST_BASE + 0x5000, PTE.P);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EPT_VIOLATION', gpa: 0x5000, write: true, pc: G_CODE + 12 });
  });

  it('a fetch from an unmapped guest-physical page exits with fetch set', () => {
    const t = guest([li(1, 0x9_0000), I('jmp.r', 1)]);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EPT_VIOLATION', gpa: 0x9_0000, fetch: true, pc: 0x9_0000 });
  });

  it('second-stage entries can map a device (passthrough)', () => {
    const t = guest([li(2, 0x9_0000), I('ld.rm', 1, 2, 0)]);
    t.ep.map(0x9_0000, 0xff00_0000, PTE.P | PTE.W);
    expect(t.cpu.run(100)).toBe('io');
    expect(t.cpu.r[1]).toBe(0x1234_5678);
  });

  it('a full two-dimensional miss costs exactly 8 references, a TLB hit none', () => {
    const t = guest([]);
    // guest page tables at gpa 0x2000 (dir) / 0x3000 (table): identity map of the first 512 KiB
    const gpt = new PageTables(t.g.dv, GUEST_BASE + 0x2000, GUEST_BASE + 0x3000);
    gpt.mapRange(0, 0x3000 - GUEST_BASE, 0, 0); // no-op: keep the builder's allocation in guest space
    for (let va = 0; va < GUEST_SIZE; va += 0x1000) {
      t.g.dv.setUint32(GUEST_BASE + 0x3000 + 4 * (va >>> 12), va | PTE.P | PTE.W, true);
    }
    t.g.dv.setUint32(GUEST_BASE + 0x2000, 0x3000 | PTE.P | PTE.W, true);
    t.gpoke(G_CODE, assemble([li(2, 0x5000), I('ld.rm', 1, 2, 0), I('ld.rm', 1, 2, 4), I('hlt')]));
    t.cpu.cr3 = 0x2000;
    t.cpu.cr0 = 1;
    const s = t.cpu.stats;
    expect(t.cpu.run(1)).toBe('budget'); // code page: full miss
    expect([s.tlbMisses, s.pageWalkRefs, s.nestedWalkRefs, s.nestedWalks]).toEqual([1, 8, 6, 1]);
    expect(t.cpu.run(1)).toBe('budget'); // data page: full miss
    expect([s.tlbMisses, s.pageWalkRefs, s.nestedWalkRefs]).toEqual([2, 16, 12]);
    const hits = s.tlbHits;
    expect(t.cpu.run(1)).toBe('budget'); // same data page: hit
    expect([s.tlbMisses, s.pageWalkRefs, s.nestedWalkRefs]).toEqual([2, 16, 12]);
    expect(s.tlbHits).toBe(hits + 1);
  });

  it('with guest paging off a guest-physical address costs 2 references', () => {
    const t = guest([li(2, 0x5000), I('ld.rm', 1, 2, 0)]);
    const s = t.cpu.stats;
    t.cpu.run(1);
    expect([s.tlbMisses, s.pageWalkRefs, s.nestedWalkRefs]).toEqual([1, 2, 2]);
    t.cpu.run(1);
    expect([s.tlbMisses, s.pageWalkRefs]).toEqual([2, 4]);
  });

  it('a violation while delivering an event exits and re-delivers the event on the next entry', () => {
    const t = guest([li(15, 0x9_0000), I('int', 0, 0, 0x80)]);
    expect(t.cpu.run(100)).toBe('exit');
    expect(t.cpu.exit).toMatchObject({ reason: 'EPT_VIOLATION', gpa: 0x9_0000 - 20, write: true, vector: 0x80 });
    expect(t.vm.inject).toEqual({ vector: 0x80, error: 0 });
    t.ep.map(0x8_f000, GUEST_BASE + 0x8_f000, PTE.P | PTE.W);
    t.cpu.flushTlb();
    expect(t.cpu.run(100)).toBe('halt');
    expect(t.frame()).toMatchObject({ vector: 0x80, pc: G_CODE + 12 });
    // One event, delivered once: the attempt the exit cut short is not a second delivery.
    expect(t.cpu.stats.trapsByVector[0x80]).toBe(1);
    expect(PF_ERR.P).toBe(1);
    expect(OP.hcall).toBe(76);
  });
});
