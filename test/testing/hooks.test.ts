// The VMM hooks the exercises plug into: replacement trap handlers and shadow-sync policies, audited.
import { describe, expect, it } from 'vitest';
import { auditedShadowSync, boot, CheckFailure, checkedHandlers, DEFAULT_SHADOW_SYNC, HANDLERS, type ShadowSync, type StaleEntry } from '../../testing/index.js';
import { ConfigError } from '../../vmm/session.js';

const PTEDIT = 'test/fixtures/hv/ptedit.s';
const MINI = 'guest-kernels/mini/main.s';

describe('replacement trap handlers', () => {
  it('are refused outside trap and native', () => {
    expect(() => boot(MINI, { technique: 'hw', handlers: { cli: HANDLERS.cli } })).toThrow(ConfigError);
    expect(() => boot(MINI, { handlers: { cli: HANDLERS.cli } })).toThrow(/native has no VMM/);
  });

  it('replace only the entries given, and a wrong one shows in the guest', () => {
    const native = boot(MINI, { maxInstructions: 5_000_000 });
    const same = boot(MINI, { technique: 'trap', strict: true, handlers: { cli: HANDLERS.cli, sti: HANDLERS.sti }, maxInstructions: 5_000_000 });
    expect(same.console).toBe(native.console);
    // A cr4 write that is dropped: traps from ring 3 land on a stale kernel stack and mini goes wrong.
    const broken = boot(MINI, {
      technique: 'trap',
      strict: true,
      handlers: { 'mov.cr': (ctx, d) => void (d.b === 4 ? (ctx.pc += d.size) : HANDLERS['mov.cr'](ctx, d)) },
      maxInstructions: 5_000_000,
    });
    expect(broken.console).not.toBe(native.console);
  });

  it('checkedHandlers: a handler that throws, or never moves pc, fails at once with its name', () => {
    const thrower = checkedHandlers({ sti: () => void JSON.parse('{') });
    expect(() => boot(MINI, { technique: 'trap', handlers: thrower })).toThrow(CheckFailure);
    expect(() => boot(MINI, { technique: 'trap', handlers: thrower })).toThrow(/^your `sti` handler threw at guest pc 0x[0-9a-f]+: /);
    const stuck = checkedHandlers({ cli: () => {} });
    expect(() => boot(MINI, { technique: 'trap', handlers: stuck })).toThrow(/your `cli` handler returned with pc still at 0x[0-9a-f]+/);
  });
});

describe('shadow-sync policies', () => {
  it('are refused without shadow paging', () => {
    expect(() => boot(PTEDIT, { technique: 'hw', shadowSync: DEFAULT_SHADOW_SYNC })).toThrow(/needs shadow paging; hw here uses nested/);
    expect(() => boot(PTEDIT, { technique: 'emulate', shadowSync: DEFAULT_SHADOW_SYNC })).toThrow(ConfigError);
  });

  for (const opts of [{ technique: 'trap' as const }, { technique: 'hw' as const, memory: 'shadow' as const }]) {
    it(`${opts.technique}${opts.memory ? ' shadow' : ''}: vmlab's own policy keeps the shadow coherent at every edit; one that never drops goes stale`, () => {
      const native = boot(PTEDIT);
      const stale: StaleEntry[] = [];
      const good = boot(PTEDIT, { ...opts, shadowSync: auditedShadowSync(DEFAULT_SHADOW_SYNC, stale) });
      expect(good.console).toBe(native.console);
      expect(good.stats.shadowSyncs).toBeGreaterThan(0);
      expect(stale).toEqual([]);
      const lazy: ShadowSync = { afterPageTableWrite() {}, invlpg() {} };
      const seen: StaleEntry[] = [];
      const bad = boot(PTEDIT, { ...opts, shadowSync: auditedShadowSync(lazy, seen) });
      expect(bad.console).not.toBe(native.console);
      expect(seen[0]).toMatchObject({ va: 0x00300000, when: expect.stringMatching(/^after a 4-byte page-table write at guest-physical 0x/) });
    });
  }

  it('the audit catches what the output cannot: an invlpg-only policy reads right on a well-behaved kernel, yet lags', () => {
    const kernel = 'exercises/06-shadow-paging/kernel/main.s';
    const native = boot(kernel);
    const invlpgOnly: ShadowSync = {
      afterPageTableWrite() {},
      invlpg: (view, va) => view.dropEntry(va >>> 22, (va >>> 12) & 0x3ff),
    };
    const stale: StaleEntry[] = [];
    const r = boot(kernel, { technique: 'trap', shadowSync: auditedShadowSync(invlpgOnly, stale) });
    expect(r.console).toBe(native.console);
    expect(stale.length).toBeGreaterThan(0);
    expect(stale[0]!.problem).toMatch(/^the guest tables map guest frame 0x311000, the shadow still maps guest frame 0x310000$/);
  });
});
