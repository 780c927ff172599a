// Exercise 03's checks: the test kernel under trap with the student's handlers, line by line against
// native, then the unmodified mini kernel under strict trap-and-emulate.
import {
  bundledKernel,
  boot,
  CheckFailure,
  checkedHandlers,
  defineSuite,
  expectSameAsNative,
  importWork,
  lineStartingWith,
  type Check,
  type CheckContext,
  type HandlerOverrides,
  type Run,
} from 'vmlab/testing';

const MINI = bundledKernel('mini/main.s');
const REQUIRED = ['cli', 'sti', 'hlt', 'mov.rc', 'mov.cr'] as const;

async function studentHandlers(ctx: CheckContext): Promise<HandlerOverrides> {
  return ctx.memo('handlers', async () => {
    const mod = await importWork(ctx.file('handlers.ts'));
    const h = mod.handlers;
    if (typeof h !== 'object' || h === null) throw new CheckFailure('handlers.ts must `export const handlers = { cli, sti, hlt, ... }`');
    for (const id of Object.keys(h))
      if (!(REQUIRED as readonly string[]).includes(id)) throw new CheckFailure(`handlers.${id}: this exercise replaces only ${REQUIRED.join(', ')}`);
    for (const id of REQUIRED) if (!(id in h)) throw new CheckFailure(`handlers.ts has no \`${id}\` handler`);
    return checkedHandlers(h as HandlerOverrides);
  });
}

/** The test kernel natively (the oracle), and under trap with the student's handlers. */
async function runs(ctx: CheckContext): Promise<{ native: Run; trap: Run }> {
  const handlers = await studentHandlers(ctx);
  const kernel = ctx.exercise('kernel/main.s');
  return ctx.memo('runs', () => ({
    native: boot(kernel, { maxInstructions: 1_000_000 }),
    trap: boot(kernel, { technique: 'trap', handlers, maxInstructions: 1_000_000 }),
  }));
}

/** One line of the test kernel: under trap it must read as natively ("... yes"). */
function line(prefix: string, points: number, broken: string): Check {
  return {
    name: prefix.replace(/:$/, ''),
    points,
    async run(ctx) {
      const { native, trap } = await runs(ctx);
      const want = lineStartingWith(native.console, prefix);
      const got = lineStartingWith(trap.console, prefix);
      if (want === null) throw new Error(`the test kernel printed no "${prefix}" line natively`);
      if (got === want) return;
      const other = lineStartingWith(trap.console, prefix.split(' ')[0]!);
      if (got === null && other !== null) throw new CheckFailure(`under trap: ${JSON.stringify(other)}. ${broken}`);
      if (got === null) {
        const why = trap.crash ? `the guest crashed: ${trap.crash.reason}` : `the run ended ${trap.status} before it`;
        throw new CheckFailure(`under trap the kernel never printed "${prefix}": ${why}`);
      }
      throw new CheckFailure(`under trap: ${JSON.stringify(got)}, natively: ${JSON.stringify(want)}. ${broken}`);
    },
  };
}

export default defineSuite({
  title: 'Exercise 03: trap-and-emulate handlers',
  checks: [
    line('sti: ticks arrive after sti:', 1, 'After sti the VMM injects the guest\'s interrupts only if its virtual IF (ctx.v.vif) is on.'),
    line('cli: no tick while interrupts are off:', 1, 'After cli the guest must get no interrupt: clear ctx.v.vif. (This line is only tested once sti works.)'),
    line('hlt: sleeps until the next tick:', 2, 'hlt must make the VM wait for an interrupt (ctx.v.halted), not fall straight through.'),
    line('cr4: reads back what was written:', 1, 'mov cr4, r must store into ctx.v.cr4 (through ctx.setControl) and mov r, cr4 must load it into ctx.regs[d.a].'),
    line('cr8: reads back what was written:', 1, 'mov to and from cr8 must go through the virtual CPU like cr4.'),
    line('paging: cr3 and cr0 turn it on:', 2, 'Writes to cr3 and cr0 must reach ctx.setControl, which builds a new shadow for the guest\'s tables.'),
    line('cr3: a new page directory switches address space:', 1, 'Every cr3 write must reach ctx.setControl: the guest switched page directories.'),
    line('cr2: holds the page-fault address:', 1, 'mov r, cr2 must read ctx.v.cr2, where the VMM put the address of the fault it delivered.'),
    line('mov cr5, r1: raises #UD:', 1, 'VX32 has cr0, cr2, cr3, cr4 and cr8 only: for any other number throw new GuestFault(VEC.UD) before changing anything.'),
    line('mov r1, cr5: raises #UD:', 1, 'Reading a control register that does not exist is #UD too.'),
    {
      name: 'mini runs under strict trap-and-emulate with your handlers exactly as natively',
      points: 3,
      async run(ctx) {
        const handlers = await studentHandlers(ctx);
        // Strict VX32 makes pushf/popf/rdcpl/sidt trap too (emulated by the VMM's own handlers),
        // so any difference from native is down to the five handlers above.
        const r = boot(MINI, { technique: 'trap', strict: true, handlers, maxInstructions: 5_000_000 });
        expectSameAsNative(r, ctx.memo('mini native', () => boot(MINI, { maxInstructions: 5_000_000 })));
      },
    },
  ],
});
