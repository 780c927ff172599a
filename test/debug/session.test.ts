// The debugger's commands on mini under every technique, and going back a step restores registers and memory.
import { describe, expect, it } from 'vitest';
import { DebugSession } from '../../vmm/debug/session.js';
import { createRun } from '../../vmm/session.js';
import { kernel } from '../hv/helpers.js';

const MINI = kernel('mini/main.s');
const MINI_PV = kernel('mini-pv/main.s');

const TECHNIQUES = [
  { label: 'native', technique: 'native' },
  { label: 'trap', technique: 'trap' },
  { label: 'bt', technique: 'bt' },
  { label: 'hw/nested', technique: 'hw', memory: 'nested' as const },
  { label: 'hw/shadow', technique: 'hw', memory: 'shadow' as const },
  { label: 'pv', technique: 'pv', pv: true },
];

function session(t: (typeof TECHNIQUES)[number]) {
  return new DebugSession(
    (hooks) =>
      createRun([{ name: 'k', image: t.pv ? MINI_PV : MINI, blockImage: new Uint8Array(1 << 20) }], {
        technique: t.technique,
        ...('memory' in t ? { memory: t.memory } : {}),
        ...hooks,
      }),
    50_000_000,
  );
}

describe('vmlab debug', () => {
  for (const t of TECHNIQUES)
    it(`answers a session under ${t.label}`, () => {
      const s = session(t);
      const where = t.pv ? 'sched.s:' + String(findLine(MINI_PV, 'sched.s')) : 'sched.s:97';
      expect(s.execute(`break ${where}`)).toMatch(/^Breakpoint 1 at 0x[0-9a-f]{8}: .*sched\.s:\d+/);
      expect(s.execute('continue')).toMatch(/^Breakpoint 1, 0x[0-9a-f]{8} .*sched\.s:\d+/);
      const regs = s.execute('info registers')!;
      expect(regs).toMatch(/ pc 0x[0-9a-f]{8}/);
      expect(regs).toMatch(/host CPU \(real\)/);
      expect(s.execute('x/4w sp')).toMatch(/^0x[0-9a-f]{8}: {2}(0x[0-9a-f]{8} ?){4}$/);
      expect(s.execute('pt 0x40000000')).toMatch(/pde at 0x[0-9a-f]{8} = 0x[0-9a-f]{8} {2}[P-]/);
      const before = s.execute('info registers');
      const stepped = s.execute('step')!;
      expect(stepped).toMatch(/\[#\d+\]$/);
      expect(s.execute('reverse-step')).not.toBe(stepped);
      expect(s.execute('info registers')).toBe(before);
      expect(s.execute('info exits 5')!.split('\n').length).toBeLessThanOrEqual(5);
      expect(s.execute('info breakpoints')).toMatch(/^Num .*\n1 +breakpoint +0x[0-9a-f]{8} +1 /);
    });

  it('reverse-step after step returns to the same registers and memory', () => {
    const s = session(TECHNIQUES[4]!);
    s.execute('break sched.s:97');
    s.execute('continue');
    s.execute('step 3');
    const hv = () => (s as unknown as { hv: { vms: { guest: { raw: Uint8Array } }[]; finalState(i: number): { registers: unknown } } }).hv;
    const regs = JSON.stringify(hv().finalState(0).registers);
    const ram = Uint8Array.from(hv().vms[0]!.guest.raw);
    s.execute('step');
    s.execute('step');
    expect(JSON.stringify(hv().finalState(0).registers)).not.toBe(regs);
    s.execute('reverse-step 2');
    expect(JSON.stringify(hv().finalState(0).registers)).toBe(regs);
    expect(Buffer.compare(Buffer.from(hv().vms[0]!.guest.raw), Buffer.from(ram))).toBe(0);
  });

  it('refuses what it cannot read with a one-line answer', () => {
    const s = session(TECHNIQUES[0]!);
    expect(s.execute('break nosuch.s:1')).toBe('no code at nosuch.s:1');
    expect(s.execute('frobnicate')).toMatch(/^unknown command/);
  });
});

/** The first line of `file` that has code in the image's line table. */
function findLine(image: typeof MINI, file: string): number {
  return image.lines.filter((l) => l.file.endsWith(`/${file}`)).sort((a, b) => a.addr - b.addr)[0]!.line;
}
