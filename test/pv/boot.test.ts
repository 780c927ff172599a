// A PV kernel boots under pv: console_write, version, the trap table, a VIRQ_TIMER event through the upcall, shutdown; wrong pairings of image and technique are refused.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE } from '../../isa/abi.js';
import { ConfigError, runGuests } from '../../vmm/session.js';
import { fixture, kernel, REPO, spec } from '../hv/helpers.js';

const run = (technique: 'pv' | 'hw' | 'trap' | 'native', rel = 'pv/hello.s') =>
  runGuests([spec('hello', fixture(rel))], { technique, maxInstructions: 1_000_000 })[0]!;

describe('the pv technique', () => {
  it('boots a PV kernel: console through a hypercall, three timer events, shutdown(0), no privileged instruction', () => {
    const r = run('pv');
    expect(r.status).toBe('poweroff');
    expect(r.exitCode).toBe(0);
    expect(r.console).toBe('hello from a PV kernel\nthree ticks\n');
    expect(r.stats.privilegedExecuted).toBe(0);
    expect(r.stats.hypercalls).toMatchObject({ CONSOLE_WRITE: 2, VERSION: 1, SET_TRAP_TABLE: 1, EVTCHN_BIND: 1, SET_TIMER: 1, SHUTDOWN: 1 });
    expect(r.stats.upcalls).toBe(3);
    // Every hypercall instruction and every upcall is an exit; none is a delivery through a vector table.
    expect(r.stats.exitsTotal).toBe(r.stats.exits['HCALL']! + 3);
    expect(r.stats.trapsByVector['6']).toBeUndefined();
    expect(r.stats.cycleBreakdown['eventUpcall']).toBeGreaterThan(0);
  });

  it('refuses a non-PV kernel under pv, and a PV kernel under any other technique', () => {
    expect(() => runGuests([spec('mini', kernel('mini/main.s'))], { technique: 'pv', maxInstructions: 10 })).toThrow(ConfigError);
    expect(() => runGuests([spec('mini', kernel('mini/main.s'))], { technique: 'pv', maxInstructions: 10 })).toThrow(/not a paravirtual kernel/);
    for (const t of ['hw', 'trap', 'native'] as const) expect(() => run(t)).toThrow(/paravirtual kernel \(\.pv\)/);
  });

  it('vmlab run exits 67 with the reason for either mismatch', () => {
    const vmlab = (...args: string[]) => spawnSync(process.execPath, [`${REPO}bin/vmlab.js`, 'run', ...args], { encoding: 'utf8' });
    const a = vmlab(`${REPO}guest-kernels/mini/main.s`, '--technique', 'pv');
    expect(a.status).toBe(EXIT_CODE.CONFIG);
    expect(a.stderr).toContain('not a paravirtual kernel');
    const b = vmlab(`${REPO}test/fixtures/pv/hello.s`, '--technique', 'hw');
    expect(b.status).toBe(EXIT_CODE.CONFIG);
    expect(b.stderr).toContain('runs only under --technique pv');
  });
});
