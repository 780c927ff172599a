// The instruction-counting timer: one-shot, periodic, disabled, and the count register.
import { describe, expect, it } from 'vitest';
import { TIMER_ENABLE, TIMER_PERIODIC } from '../../isa/abi.js';
import { Timer } from '../../vmm/devices/timer.js';
import { FakeIrq } from './fakes.js';

const CTRL = 0;
const PERIOD = 1;
const COUNT = 2;

describe('Timer', () => {
  it('is disarmed at reset: untilNext is Infinity and advance does nothing', () => {
    const irq = new FakeIrq();
    const t = new Timer(irq);
    expect(t.untilNext()).toBe(Infinity);
    t.advance(1e9);
    expect(irq.raises).toBe(0);
  });

  it('one-shot: fires once when the count runs out, then disables itself', () => {
    const irq = new FakeIrq();
    const t = new Timer(irq);
    t.write(PERIOD, 4, 100);
    t.write(CTRL, 4, TIMER_ENABLE);
    expect(t.untilNext()).toBe(100);
    t.advance(60);
    expect(t.read(COUNT)).toBe(40);
    expect(irq.raises).toBe(0);
    t.advance(40);
    expect(irq.raises).toBe(1);
    expect(t.untilNext()).toBe(Infinity);
    expect(t.read(CTRL) & TIMER_ENABLE).toBe(0);
  });

  it('periodic: reloads and keeps the phase when a step overshoots', () => {
    const irq = new FakeIrq();
    const t = new Timer(irq);
    t.write(PERIOD, 4, 10);
    t.write(CTRL, 4, TIMER_ENABLE | TIMER_PERIODIC);
    t.advance(10);
    expect(irq.raises).toBe(1);
    expect(t.untilNext()).toBe(10);
    t.advance(25); // crosses 2 expiries, 5 into the next period
    expect(t.untilNext()).toBe(5);
    expect(t.state.ticks).toBe(3);
  });

  it('a zero period never fires', () => {
    const irq = new FakeIrq();
    const t = new Timer(irq);
    t.write(CTRL, 4, TIMER_ENABLE | TIMER_PERIODIC);
    expect(t.untilNext()).toBe(Infinity);
    t.advance(1000);
    expect(irq.raises).toBe(0);
  });

  it('re-enabling reloads the count; snapshot/restore round-trips through JSON', () => {
    const t = new Timer(new FakeIrq());
    t.write(PERIOD, 4, 50);
    t.write(CTRL, 4, TIMER_ENABLE);
    t.advance(20);
    const snap = JSON.parse(JSON.stringify(t.snapshot()));
    t.write(CTRL, 4, TIMER_ENABLE);
    expect(t.untilNext()).toBe(50);
    t.restore(snap);
    expect(t.untilNext()).toBe(30);
    expect(t.read(PERIOD)).toBe(50);
  });
});
