// Exercise 06's checks: each hostile scenario reads as natively under shadow paging with the student's
// sync policy, and the shadow never lags the guest's tables (audited at every edit and invlpg); then mini.
import {
  bundledKernel,
  auditedShadowSync,
  boot,
  bootTogether,
  CheckFailure,
  defineSuite,
  expectSameAsNative,
  importWork,
  lineStartingWith,
  type BootOptions,
  type Check,
  type CheckContext,
  type Run,
  type ShadowSync,
  type StaleEntry,
} from 'vmlab/testing';

const MINI = bundledKernel('mini/main.s');

/** Shadow paging under both techniques that use it. */
const SHADOWED: readonly { label: string; opts: BootOptions }[] = [
  { label: 'trap', opts: { technique: 'trap' } },
  { label: 'hw (shadow)', opts: { technique: 'hw', memory: 'shadow' } },
];

async function studentSync(ctx: CheckContext): Promise<ShadowSync> {
  return ctx.memo('sync', async () => {
    const mod = (await importWork(ctx.file('sync.ts'))) as { sync?: Partial<ShadowSync> };
    const s = mod.sync;
    if (typeof s?.afterPageTableWrite !== 'function' || typeof s.invlpg !== 'function')
      throw new CheckFailure('sync.ts must `export const sync = { afterPageTableWrite(view, gpa, size) {...}, invlpg(view, va) {...} }`');
    return s as ShadowSync;
  });
}

interface Audited {
  readonly run: Run;
  readonly stale: readonly StaleEntry[];
}

/** Boot `program` under a shadowed configuration with the student's policy, audited. */
function audited(program: string, sync: ShadowSync, opts: BootOptions): Audited {
  const stale: StaleEntry[] = [];
  const run = boot(program, { ...opts, shadowSync: auditedShadowSync(sync, stale) });
  return { run, stale };
}

function expectNoLag(label: string, a: Audited): void {
  const s = a.stale[0];
  if (s)
    throw new CheckFailure(
      `under ${label} the shadow lagged the guest's tables ${s.when}: at 0x${s.va.toString(16)} ${s.problem}` +
        (a.stale.length > 1 ? ` (${a.stale.length - 1} more)` : ''),
    );
}

function scenario(n: number, name: string, points: number, hint: string): Check {
  return {
    name: `${name}: ${hint}`,
    points,
    async run(ctx) {
      const sync = await studentSync(ctx);
      const kernel = ctx.exercise('kernel/main.s');
      const defines = { ONLY: n };
      const native = lineStartingWith(boot(kernel, { defines }).console, `${name}:`);
      if (native === null) throw new Error(`the hostile kernel printed no "${name}:" line natively`);
      for (const { label, opts } of SHADOWED) {
        const a = audited(kernel, sync, { ...opts, defines });
        const line = lineStartingWith(a.run.console, `${name}:`);
        if (line !== native) {
          const ended = line === null ? ` (the run ended ${a.run.status}${a.run.crash ? `: ${a.run.crash.reason}` : ''})` : '';
          throw new CheckFailure(`under ${label}: ${JSON.stringify(line)}${ended}, natively: ${JSON.stringify(native)}`);
        }
        expectNoLag(label, a);
      }
    },
  };
}

export default defineSuite({
  title: 'Exercise 06: shadow page tables',
  checks: [
    scenario(1, 'remap', 2, 'one PTE changes frame'),
    scenario(2, 'alias', 2, 'two directory slots share one page table'),
    scenario(3, 'straddle', 2, 'an unaligned store rewrites two PTEs at once'),
    scenario(4, 'bytes', 2, 'byte and half-word stores into a PTE'),
    scenario(5, 'pde', 2, 'a directory entry switches page tables'),
    scenario(6, 'selfmap', 2, 'the directory mapped as its own page table'),
    scenario(7, 'outside', 1, 'isolation: a PTE naming a frame beyond RAM faults, as natively'),
    {
      name: 'isolation: beside the hostile kernel, an innocent VM is untouched',
      points: 1,
      async run(ctx) {
        const sync = await studentSync(ctx);
        const innocent = ctx.exercise('kernel/innocent.s');
        const hostile = ctx.exercise('kernel/main.s');
        const alone = boot(innocent);
        for (const { label, opts } of SHADOWED) {
          const stale: StaleEntry[] = [];
          const [bystander] = bootTogether([innocent, hostile], { ...opts, shadowSync: auditedShadowSync(sync, stale) });
          if (bystander!.console !== alone.console)
            throw new CheckFailure(`under ${label} the innocent VM printed ${JSON.stringify(bystander!.console.trim())}, alone ${JSON.stringify(alone.console.trim())}`);
          if (!Buffer.from(bystander!.ram).equals(Buffer.from(alone.ram)))
            throw new CheckFailure(`under ${label} the innocent VM's RAM differs from a run alone`);
        }
      },
    },
    {
      name: 'mini under trap and hw (shadow) with your policy: native transcript, shadow never lags',
      points: 3,
      async run(ctx) {
        const sync = await studentSync(ctx);
        const native = ctx.memo('mini native', () => boot(MINI, { maxInstructions: 5_000_000 }));
        for (const { label, opts } of SHADOWED) {
          // Strict VX32, so that pushf/popf are not what makes trap differ from native.
          const a = audited(MINI, sync, { ...opts, strict: opts.technique === 'trap', maxInstructions: 5_000_000 });
          expectSameAsNative(a.run, native);
          expectNoLag(label, a);
        }
      },
    },
  ],
});
