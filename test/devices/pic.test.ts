// The interrupt controller: priority, mask, in-service nesting, EOI, cr8 cut, edge latching.
import { describe, expect, it } from 'vitest';
import { PIC_EOI, VEC } from '../../isa/abi.js';
import { Pic } from '../../vmm/devices/pic.js';

const CMD = 0;
const MASK = 1;
const PENDING = 2;
const INSERVICE = 3;

describe('Pic', () => {
  it('delivers the highest-priority (lowest-numbered) requested line', () => {
    const pic = new Pic();
    expect(pic.pendingVector(0)).toBe(-1);
    pic.line(6).raise();
    pic.line(4).raise();
    expect(pic.pendingVector(0)).toBe(VEC.IRQ_BASE + 4);
    expect(pic.read(PENDING)).toBe((1 << 4) | (1 << 6));
  });

  it('acknowledge moves a line from request to in-service; EOI ends the highest in service', () => {
    const pic = new Pic();
    pic.line(4).raise();
    pic.acknowledge(VEC.IRQ_BASE + 4);
    expect(pic.read(PENDING)).toBe(0);
    expect(pic.read(INSERVICE)).toBe(1 << 4);
    pic.write(CMD, 4, PIC_EOI);
    expect(pic.read(INSERVICE)).toBe(0);
  });

  it('a line in service blocks equal and lower priority but not higher', () => {
    const pic = new Pic();
    pic.line(4).raise();
    pic.acknowledge(pic.pendingVector(0));
    pic.line(4).raise();
    pic.line(6).raise();
    expect(pic.pendingVector(0)).toBe(-1);
    pic.line(0).raise();
    expect(pic.pendingVector(0)).toBe(VEC.IRQ_BASE + 0);
    pic.acknowledge(VEC.IRQ_BASE + 0);
    // EOI ends line 0 (the highest in service), leaving 4 in service.
    pic.write(CMD, 4, PIC_EOI);
    expect(pic.read(INSERVICE)).toBe(1 << 4);
    pic.write(CMD, 4, PIC_EOI);
    expect(pic.pendingVector(0)).toBe(VEC.IRQ_BASE + 4);
  });

  it('masked lines are not delivered but stay requested', () => {
    const pic = new Pic();
    pic.write(MASK, 4, 1 << 5);
    expect(pic.read(MASK)).toBe(1 << 5);
    pic.line(5).raise();
    expect(pic.pendingVector(0)).toBe(-1);
    pic.write(MASK, 4, 0);
    expect(pic.pendingVector(0)).toBe(VEC.IRQ_BASE + 5);
  });

  it('cr8 = t lets only lines 0..15-t through', () => {
    const pic = new Pic();
    pic.line(10).raise();
    expect(pic.pendingVector(5)).toBe(VEC.IRQ_BASE + 10);
    expect(pic.pendingVector(6)).toBe(-1);
    pic.line(0).raise();
    expect(pic.pendingVector(15)).toBe(VEC.IRQ_BASE + 0);
  });

  it('raise is edge-latched: repeated raises are one request; lower withdraws it', () => {
    const pic = new Pic();
    pic.line(0).raise();
    pic.line(0).raise();
    pic.acknowledge(VEC.IRQ_BASE);
    expect(pic.pendingVector(0)).toBe(-1);
    pic.write(CMD, 4, PIC_EOI);
    pic.line(3).raise();
    pic.line(3).lower();
    expect(pic.pendingVector(0)).toBe(-1);
  });

  it('other command values are not EOI', () => {
    const pic = new Pic();
    pic.line(1).raise();
    pic.acknowledge(VEC.IRQ_BASE + 1);
    pic.write(CMD, 4, 0x21);
    expect(pic.read(INSERVICE)).toBe(2);
  });

  it('rejects a line number out of range', () => {
    expect(() => new Pic().line(16)).toThrow(RangeError);
  });
});
