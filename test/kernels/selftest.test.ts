// The in-guest self-test kernel: every case passes natively, and it does catch a machine that behaves differently.
import { describe, expect, it } from 'vitest';
import { runKernel } from './run-kernel.js';

describe('selftest kernel', () => {
  it('passes every case natively and powers off with 0 failures', () => {
    const { result } = runKernel('selftest/main.s');
    const tests = result.stats.devices.tests;
    expect(result.status).toBe('poweroff');
    expect(tests.failed).toBe(0);
    expect(tests.passed).toBeGreaterThanOrEqual(23);
    expect(tests.results.map((r) => r.case)).toEqual(tests.results.map((_, i) => i + 1));
    expect(result.exitCode).toBe(0);
    expect(result.console).toContain(`selftest: ${tests.passed} passed, 0 failed`);
    expect(result.console).not.toContain('FAIL');
  });

  it('reports failures under strict VX32, where rdcpl and pushf/popf trap at ring 3', () => {
    const { result } = runKernel('selftest/main.s', { strict: true });
    const failed = result.stats.devices.tests.results.filter((r) => !r.pass).map((r) => r.case);
    // 13 runs rdcpl at ring 3, 16 runs pushf/popf at ring 3: both now take #GP (vector 13).
    expect(failed).toEqual([13, 16]);
    expect(result.exitCode).toBe(2);
    expect(result.console).toContain('FAIL 16 popf at ring 3 keeps IF, check 1013');
    expect(result.console).toContain('selftest: 21 passed, 2 failed');
  });
});
