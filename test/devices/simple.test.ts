// The power-off and self-test ports.
import { describe, expect, it } from 'vitest';
import { PowerOff } from '../../vmm/devices/poweroff.js';
import { TestPort } from '../../vmm/devices/testport.js';

describe('PowerOff', () => {
  it('records the first status written and requests a stop', () => {
    const p = new PowerOff();
    expect(p.state.requested).toBe(false);
    p.write(0, 4, 3);
    p.write(0, 4, 9);
    expect(p.state).toEqual({ requested: true, status: 3 });
  });

  it('keeps the full status as unsigned', () => {
    const p = new PowerOff();
    p.write(0, 4, -1);
    expect(p.state.status).toBe(0xffffffff);
  });
});

describe('TestPort', () => {
  it('records passes and failures per case, in order', () => {
    const t = new TestPort();
    t.write(0, 4, 1);
    t.write(1, 4, 2);
    t.write(0, 4, 3);
    expect(t.state.results).toEqual([
      { case: 1, pass: true },
      { case: 2, pass: false },
      { case: 3, pass: true },
    ]);
    expect(t.passed).toBe(2);
    expect(t.failed).toBe(1);
    const snap = t.snapshot();
    t.write(1, 4, 4);
    t.restore(snap);
    expect(t.failed).toBe(1);
  });
});
